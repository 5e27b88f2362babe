/**
 * The checkpoint page: syncs its region's signed bundle while online, then verifies
 * presentations with no network — the same core verification as the service, with noble's
 * pure-JS signatures. Nothing scanned leaves the device.
 */
import { nobleVerifier } from "../../../core/crypto.ts";
import { describeReason } from "../../../core/reasons.ts";
import { verifyPresentation, type Verdict } from "../../../core/verify.ts";
import { ageInWords, BundleStore, byId, dateInWords, decodeQrImage, downloadBundle, el, nowSeconds, registerServiceWorker, scanVideo } from "../../../web/ui.ts";

interface CheckpointInfo {
  readonly region: string;
  readonly chainId: number;
  readonly authority: string;
  readonly checkpointId: string;
  readonly bundle: string;
}

const WORDS = { accept: "ACCEPT", reject: "REJECT", unknown: "UNKNOWN" } as const;
const keyCache = new Map<string, Uint8Array>();

async function main(): Promise<void> {
  void registerServiceWorker();
  const info = (await (await fetch("checkpoint.json")).json()) as CheckpointInfo;
  byId("region").textContent = info.region;
  const store = new BundleStore(`checkpoint.${info.region}.${info.chainId}`, { chainId: info.chainId, authorities: [info.authority], region: info.region });
  const network = byId("network");

  const showBundle = (): void => {
    const b = store.bundle;
    byId("bundle-status").textContent = b
      ? `Revocation data: block ${b.block.number}, ${ageInWords(nowSeconds() - b.block.timestamp)} old (chain time ${dateInWords(b.block.timestamp)}).`
      : "No revocation data yet: sync once with a network.";
  };

  const sync = async (): Promise<void> => {
    try {
      const { text, fromCache } = await downloadBundle(info.bundle);
      store.accept(text);
      network.textContent = fromCache ? "Offline: using the last bundle this device downloaded." : `Synced at ${new Date().toLocaleTimeString()}.`;
    } catch (e) {
      network.textContent = `Sync failed (${(e as Error).message}); verifying with the bundle this device has.`;
    }
    showBundle();
  };

  const show = (v: Verdict | { verdict: "unknown"; reason: string; checks: [] }): void => {
    const section = byId("verdict");
    section.className = `verdict ${v.verdict}`;
    section.dataset.verdict = v.verdict;
    section.dataset.reason = v.reason ?? "";
    byId("verdict-word").textContent = WORDS[v.verdict];
    byId("verdict-reason").textContent = describeReason(v.reason);
    const facts = byId("verdict-facts");
    facts.replaceChildren();
    const fact = (term: string, value: string | undefined): void => {
      if (value) facts.append(el("dt", {}, term), el("dd", {}, value));
    };
    if ("bundle" in v) {
      fact("Credential", v.credentialType);
      fact("Issued by", v.issuer ? `${v.issuer.name} (${v.issuer.region})` : undefined);
      fact("Valid until", v.validUntil ? dateInWords(v.validUntil) : undefined);
      for (const [k, value] of Object.entries(v.claims ?? {})) fact(k, typeof value === "string" ? value : JSON.stringify(value));
      fact("Presented", v.presentation ? (v.presentation.mode === "static" ? `static QR code for ${v.presentation.audience.replace("urn:laissez:region:", "")} (one-way, short window)` : "bound to this checkpoint's challenge") : undefined);
      fact("Revocation data", `block ${v.bundle.block.number}, ${ageInWords(v.bundle.ageSeconds)} old`);
    }
    byId("verdict-checks").replaceChildren(...v.checks.map((c) => el("li", { class: c.ok ? "ok" : "failed" }, `${c.ok ? "✓" : "✗"} ${c.code}: ${c.detail}`)));
  };

  const verify = (text: string): void => {
    if (!store.bundle) return show({ verdict: "unknown", reason: "no_bundle", checks: [] });
    show(verifyPresentation(text.trim(), { bundle: store.bundle, region: info.region, now: nowSeconds(), verifier: nobleVerifier, keyCache }));
  };

  byId("sync").addEventListener("click", () => void sync());
  byId("verify").addEventListener("click", () => verify(byId<HTMLTextAreaElement>("paste").value));
  byId<HTMLInputElement>("image").addEventListener("change", async (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (!file) return;
    const text = await decodeQrImage(file);
    if (!text) return show({ verdict: "unknown", reason: "no_qr_found", checks: [] });
    byId<HTMLTextAreaElement>("paste").value = text;
    verify(text);
  });
  byId("camera").addEventListener("click", async () => {
    const video = byId<HTMLVideoElement>("video");
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (e) {
      network.textContent = `No camera: ${(e as Error).message}. Use a QR image or paste the text.`;
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 60_000);
    const text = await scanVideo(video, stop.signal);
    for (const t of stream.getTracks()) t.stop();
    video.hidden = true;
    if (text) verify(text);
  });

  showBundle();
  if (navigator.onLine) await sync();
  else network.textContent = "Offline: verifying with the bundle this device has.";
  // Keep the bundle fresh while a network is there; the age line ticks either way.
  setInterval(() => (navigator.onLine ? void sync() : showBundle()), 60_000);
  document.body.dataset.ready = "true";
}

void main();
