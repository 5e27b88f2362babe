/**
 * The checkpoint page: syncs its region's signed bundle while online under the trust anchor
 * pinned on this device, then verifies presentations with no network — the same core
 * verification as the service, with noble's pure-JS signatures. The officer may ask for a
 * presentation bound to this checkpoint (a challenge made here, offline: challenge-view.ts).
 * Nothing scanned leaves the device; the shift history keeps only time, verdict and type.
 */
import { PageLanguage } from "../../../web/language.ts";
import { byId, decodeQrImage, registerServiceWorker, scanVideo } from "../../../web/ui.ts";
import { CheckpointPage, type CheckpointInfo } from "./checkpoint-page.ts";

async function main(): Promise<void> {
  void registerServiceWorker();
  const L = new PageLanguage();
  L.wire();
  const info = (await (await fetch("checkpoint.json")).json()) as CheckpointInfo;
  const page = new CheckpointPage(L, info);
  wireInputs(page);
  wireCamera(
    L,
    (text) => page.verify(text),
    (message) => page.note(L.t("checkpoint.camera.none", { message })),
  );
  page.challengeView.wire();
  L.apply();
  await page.start();
  document.body.dataset.ready = "true";
}

/** The paste box, the QR image, the anchor file, the sync and history buttons, the network events. */
function wireInputs(page: CheckpointPage): void {
  byId("sync").addEventListener("click", () => void page.sync());
  byId("verify").addEventListener("click", () => page.verify(byId<HTMLTextAreaElement>("paste").value));
  byId<HTMLInputElement>("image").addEventListener("change", async (event) => {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    // Cleared at once, so picking the same file again is a new scan.
    input.value = "";
    if (!file) return;
    const text = await decodeQrImage(file);
    if (!text) return page.noQr();
    byId<HTMLTextAreaElement>("paste").value = text;
    page.verify(text);
  });
  byId<HTMLInputElement>("anchor-file").addEventListener("change", async (event) => {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (file) page.loadAnchor(await file.text());
  });
  byId("history-clear").addEventListener("click", () => page.clearHistory());
  for (const event of ["online", "offline"])
    window.addEventListener(event, () => (navigator.onLine ? void page.sync() : page.renderStatus()));
}

/** The camera: scans until a QR is read (or a minute passes, or the operator stops it). */
function wireCamera(L: PageLanguage, verify: (text: string) => void, failed: (message: string) => void): void {
  const button = byId("camera");
  let stop: AbortController | undefined;
  button.addEventListener("click", async () => {
    if (stop) return stop.abort();
    const video = byId<HTMLVideoElement>("video");
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (e) {
      return failed((e as Error).message);
    }
    stop = new AbortController();
    button.textContent = L.t("checkpoint.camera.stop");
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const timeout = setTimeout(() => stop?.abort(), 60_000);
    const text = await scanVideo(video, stop.signal);
    clearTimeout(timeout);
    for (const t of stream.getTracks()) t.stop();
    video.hidden = true;
    stop = undefined;
    button.textContent = L.t("checkpoint.camera");
    if (text) verify(text);
  });
}

void main().catch((e: unknown) => {
  document.body.dataset.error = (e as Error).message;
  throw e;
});
