/**
 * What the web pages (the wallet, the checkpoint, the registry) share: DOM building, the
 * service worker, bundle downloads, QR images and camera frames. Browser only.
 */
import { visibleText } from "./i18n.ts";
import { decodeQrPixels } from "./qr.ts";

/** SVG markup of a QR code (error correction M, 4-module quiet zone), for any page. */
export { qrSvg } from "./qr.ts";

type Child = Node | string | null | undefined | false;

/** An element with attributes and children; text children have their control characters made visible (no text built here can reorder a page). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children)
    if (c !== null && c !== undefined && c !== false) node.append(typeof c === "string" ? visibleText(c) : c);
  return node;
}

/**
 * Text from the chain or a credential (an agency's name, a stated type, a claim's value) in a
 * `<bdi>` isolate: whatever direction its letters have, it cannot reorder the words around it.
 */
export const isolated = (text: string): HTMLElement => el("bdi", {}, text);

export const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`page is missing #${id}`);
  return node as T;
};

/** The service worker keeps the page (and the last bundle) available with no network. */
export async function registerServiceWorker(): Promise<void> {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register("sw.js", { scope: "./" });
  } catch (e) {
    console.warn("service worker not registered:", e);
  }
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Downloads a signed bundle; `fromCache` when the service worker answered for a missing network. */
export async function downloadBundle(url: string): Promise<{ text: string; fromCache: boolean }> {
  const res = await fetch(url, { cache: "no-store" });
  if (!res.ok) throw new Error(`bundle download failed: HTTP ${res.status}`);
  return { text: await res.text(), fromCache: res.headers.get("x-laissez-cache") === "hit" };
}

/** Pixels of an image (file or blob) → the QR text in it, trying a smaller copy when the first pass finds none. */
export async function decodeQrImage(image: Blob): Promise<string | null> {
  const bitmap = await createImageBitmap(image);
  for (const scale of [1, 0.5, 2]) {
    const w = Math.max(1, Math.round(bitmap.width * scale));
    const h = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    if (!ctx) return null;
    ctx.imageSmoothingEnabled = scale < 1;
    ctx.drawImage(bitmap, 0, 0, w, h);
    const text = decodeQrPixels(ctx.getImageData(0, 0, w, h).data, w, h);
    if (text) return text;
  }
  return null;
}

/** Reads frames from a video element until one holds a QR code (BarcodeDetector where the browser has it, jsQR otherwise). */
export async function scanVideo(video: HTMLVideoElement, signal: AbortSignal): Promise<string | null> {
  const Detector = (
    globalThis as {
      BarcodeDetector?: new (o: { formats: string[] }) => {
        detect(v: HTMLVideoElement): Promise<{ rawValue: string }[]>;
      };
    }
  ).BarcodeDetector;
  const detector = Detector ? new Detector({ formats: ["qr_code"] }) : undefined;
  const canvas = document.createElement("canvas");
  while (!signal.aborted) {
    await new Promise((r) => setTimeout(r, 200));
    if (video.readyState < 2) continue;
    if (detector) {
      const found = await detector.detect(video).catch(() => []);
      if (found[0]) return found[0].rawValue;
      continue;
    }
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    if (!ctx) return null;
    ctx.drawImage(video, 0, 0);
    const text = decodeQrPixels(ctx.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
    if (text) return text;
  }
  return null;
}

/**
 * The camera until a QR is read, `signal` aborts or `timeoutMs` passes; the stream is stopped
 * and the video hidden in every case. Throws when there is no camera or no permission.
 */
export async function scanWithCamera(
  video: HTMLVideoElement,
  signal: AbortSignal,
  timeoutMs = 60_000,
): Promise<string | null> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  try {
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    return await scanVideo(video, AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]));
  } finally {
    for (const t of stream.getTracks()) t.stop();
    video.hidden = true;
    video.srcObject = null;
  }
}
