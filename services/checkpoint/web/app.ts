/**
 * The checkpoint page: syncs its region's signed bundle while online under the trust anchor
 * pinned on this device, then verifies presentations with no network — the same core
 * verification as the service, with noble's pure-JS signatures. Nothing scanned leaves the
 * device; the shift history keeps only time, verdict and type.
 */
import { nobleVerifier, PAPER_PREFIX, parseAnchorFile, verifyPaperCredential, verifyPresentation } from "../../../core/index.ts";
import { dateTimeInWords, regionName, typeName } from "../../../web/i18n.ts";
import { PageLanguage } from "../../../web/language.ts";
import { statedFacts } from "../../../web/stated-facts.ts";
import { TrustStore } from "../../../web/trust-store.ts";
import { byId, decodeQrImage, downloadBundle, el, nowSeconds, registerServiceWorker, scanVideo } from "../../../web/ui.ts";
import { ShiftHistory } from "./shift-history.ts";
import { bundleLine, renderVerdict, type ShownVerdict, type VerdictOnScreen } from "./verdict-view.ts";

interface CheckpointInfo {
  readonly region: string;
  readonly chainId: number;
  readonly authority: string;
  readonly checkpointId: string;
  readonly bundle: string;
}

const keyCache = new Map<string, Uint8Array>();

/** A short tone and a vibration where the browser allows them (after the operator's first tap). */
function signal(verdict: ShownVerdict["verdict"]): void {
  navigator.vibrate?.(verdict === "accept" ? 80 : [120, 60, 120]);
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    tone.frequency.value = verdict === "accept" ? 880 : 220;
    tone.connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.15);
    tone.onended = () => void audio.close();
  } catch {
    // No audio on this device: the screen says it.
  }
}

async function main(): Promise<void> {
  void registerServiceWorker();
  const L = new PageLanguage();
  L.wire();
  const info = (await (await fetch("checkpoint.json")).json()) as CheckpointInfo;
  const store = new TrustStore("checkpoint", localStorage);
  store.offer({ region: info.region, chainId: info.chainId, authority: info.authority }, nowSeconds());
  const history = new ShiftHistory(localStorage);
  let shown: VerdictOnScreen | undefined;
  let networkNote = "";
  const region = (): string => store.trust?.anchor.region ?? info.region;

  const renderStatus = (): void => {
    const now = nowSeconds();
    byId("title").textContent = L.t("checkpoint.title", { region: regionName(region(), L.lang) });
    const online = byId("online");
    online.textContent = L.t(navigator.onLine ? "checkpoint.online" : "checkpoint.offline");
    online.dataset.state = navigator.onLine ? "online" : "offline";
    const line = bundleLine(store.bundle, now, L);
    const age = byId("bundle-age");
    age.textContent = line.text;
    age.dataset.level = line.level;
    byId("bundle-warning").hidden = !line.warning;
    byId("bundle-warning").textContent = line.warning ?? "";
    byId("network").textContent = networkNote;
  };

  const renderAnchor = (): void => {
    const a = store.trust?.anchor;
    byId("anchor-pinned").textContent = a ? L.t("checkpoint.anchor.pinned", { region: a.region, authority: a.authorities.join(", "), chainId: a.chainId, time: dateTimeInWords(a.pinnedAt, L.lang) }) : L.t("checkpoint.anchor.none");
    const m = store.servedMismatch;
    byId("anchor-changed").hidden = !m;
    byId("anchor-changed").textContent = m ? L.t("checkpoint.anchor.changed", { served: `${m.region}, ${m.authority}, chain ${m.chainId}` }) : "";
  };

  const renderHistory = (): void => {
    const entries = history.entries;
    const count = { accept: 0, reject: 0, unknown: 0 };
    for (const e of entries) count[e.verdict]++;
    byId("history-count").textContent = entries.length ? L.t("checkpoint.history.count", count) : L.t("checkpoint.history.empty");
    byId("history").replaceChildren(
      ...entries.slice(0, 50).map((e) => el("li", { class: e.verdict }, el("time", {}, dateTimeInWords(e.at, L.lang)), " ", el("strong", {}, L.t(`checkpoint.verdict.${e.verdict}`)), " ", e.type ? typeName(e.type, L.lang) : "—")),
    );
  };

  const renderAll = (): void => {
    renderStatus();
    renderAnchor();
    renderHistory();
    renderVerdict(shown, L);
  };
  L.onChange(renderAll);

  const sync = async (): Promise<void> => {
    try {
      const { text, fromCache } = await downloadBundle(info.bundle);
      store.accept(text, nowSeconds());
      networkNote = fromCache ? L.t("checkpoint.fromCache") : L.t("checkpoint.synced", { time: new Date().toLocaleTimeString(L.lang) });
      byId("network").dataset.outcome = fromCache ? "cache" : "synced";
    } catch (e) {
      networkNote = L.t("checkpoint.syncFailed", { message: (e as Error).message });
      byId("network").dataset.outcome = "failed";
    }
    renderStatus();
  };

  const loadAnchor = (text: string): void => {
    const result = byId("anchor-result");
    try {
      const anchor = parseAnchorFile(text, nowSeconds());
      if (!confirm(L.t("checkpoint.anchor.confirm", { region: anchor.region, authority: anchor.authorities.join(", "), chainId: anchor.chainId }))) return;
      store.replace(anchor);
      result.textContent = L.t("checkpoint.anchor.loaded", { region: anchor.region });
      result.dataset.outcome = "loaded";
    } catch (e) {
      result.textContent = L.t("checkpoint.anchor.bad", { message: (e as Error).message });
      result.dataset.outcome = "refused";
    }
    renderAll();
  };

  /** Every scan, file or paste is verified afresh against the bundle held now. */
  const verify = (text: string): void => {
    const trimmed = text.trim();
    if (trimmed.startsWith("{") && trimmed.includes("laissez-anchor")) return loadAnchor(trimmed);
    const bundle = store.bundle;
    const params = bundle && { bundle, region: region(), now: nowSeconds(), verifier: nobleVerifier, keyCache };
    // A paper credential (LZP1:) has no holder key: its verdict tells staff to compare name and birth date with the ID document.
    const verdict: ShownVerdict = !params
      ? { verdict: "unknown", reason: "no_bundle", checks: [] }
      : trimmed.startsWith(PAPER_PREFIX)
        ? verifyPaperCredential(trimmed, params)
        : verifyPresentation(trimmed, params);
    shown = { verdict, stated: statedFacts(trimmed, bundle) };
    const type = ("credentialType" in verdict ? verdict.credentialType : undefined) ?? shown.stated.type ?? null;
    history.add({ at: nowSeconds(), verdict: verdict.verdict, type });
    signal(verdict.verdict);
    renderAll();
    byId("verdict").dataset.scan = String(Number(byId("verdict").dataset.scan ?? "0") + 1);
    byId("verdict").scrollIntoView({ block: "start" });
  };

  const noQr = (): void => {
    shown = { verdict: { verdict: "unknown", reason: "no_qr_found", checks: [] }, stated: {} };
    renderAll();
    byId("verdict").dataset.scan = String(Number(byId("verdict").dataset.scan ?? "0") + 1);
  };

  byId("sync").addEventListener("click", () => void sync());
  byId("verify").addEventListener("click", () => verify(byId<HTMLTextAreaElement>("paste").value));
  byId<HTMLInputElement>("image").addEventListener("change", async (event) => {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    // Cleared at once, so picking the same file again is a new scan.
    input.value = "";
    if (!file) return;
    const text = await decodeQrImage(file);
    if (!text) return noQr();
    byId<HTMLTextAreaElement>("paste").value = text;
    verify(text);
  });
  byId<HTMLInputElement>("anchor-file").addEventListener("change", async (event) => {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (file) loadAnchor(await file.text());
  });
  wireCamera(L, verify, (message) => {
    networkNote = L.t("checkpoint.camera.none", { message });
    renderStatus();
  });
  byId("history-clear").addEventListener("click", () => {
    history.clear();
    renderHistory();
  });
  for (const event of ["online", "offline"]) window.addEventListener(event, () => (navigator.onLine ? void sync() : renderStatus()));

  L.apply();
  if (navigator.onLine) await sync();
  else {
    networkNote = L.t("checkpoint.offlineStart");
    renderStatus();
  }
  // Keep the bundle fresh while a network is there; the age line ticks either way.
  setInterval(() => (navigator.onLine ? void sync() : renderStatus()), 60_000);
  document.body.dataset.ready = "true";
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
