/**
 * The checkpoint page's state and what it shows: the region's signed bundle under the pinned
 * anchor, the network line, the shift history, the verdict on screen and the challenge (if the
 * officer opened one). Every scan, file or paste is verified afresh against the bundle held now.
 */
import { parseAnchorFile } from "../../../core/index.ts";
import { dateTimeInWords, regionName, typeName } from "../../../web/i18n.ts";
import type { PageLanguage } from "../../../web/language.ts";
import { statedFacts } from "../../../web/stated-facts.ts";
import { TrustStore } from "../../../web/trust-store.ts";
import { byId, downloadBundle, el, isolated, nowSeconds } from "../../../web/ui.ts";
import { ChallengeView } from "./challenge-view.ts";
import { PageChallenges } from "./page-challenge.ts";
import { verifyScan } from "./scan.ts";
import { ShiftHistory } from "./shift-history.ts";
import { bundleLine, renderVerdict, type ShownVerdict, type VerdictOnScreen } from "./verdict-view.ts";

/** What the service's `checkpoint.json` tells the page; `checkpointId` is the `aud` its challenges name. */
export interface CheckpointInfo {
  readonly region: string;
  readonly chainId: number;
  readonly authority: string;
  readonly checkpointId: string;
  readonly bundle: string;
}

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

export class CheckpointPage {
  readonly L: PageLanguage;
  private readonly info: CheckpointInfo;
  private readonly store: TrustStore;
  private readonly history = new ShiftHistory(localStorage);
  private readonly keyCache = new Map<string, Uint8Array>();
  private readonly challenges: PageChallenges;
  readonly challengeView: ChallengeView;
  private shown: VerdictOnScreen | undefined;
  private networkNote = "";

  constructor(L: PageLanguage, info: CheckpointInfo) {
    this.L = L;
    this.info = info;
    this.store = new TrustStore("checkpoint", localStorage);
    this.store.offer({ region: info.region, chainId: info.chainId, authority: info.authority }, nowSeconds());
    this.challenges = new PageChallenges(info.checkpointId);
    this.challengeView = new ChallengeView(L, this.challenges, () => this.store.bundle);
    L.onChange(() => this.renderAll());
  }

  private get region(): string {
    return this.store.trust?.anchor.region ?? this.info.region;
  }

  renderStatus(): void {
    const { L } = this;
    byId("title").textContent = L.t("checkpoint.title", { region: regionName(this.region, L.lang) });
    const online = byId("online");
    online.textContent = L.t(navigator.onLine ? "checkpoint.online" : "checkpoint.offline");
    online.dataset.state = navigator.onLine ? "online" : "offline";
    // The same state on the verdict, which the page scrolls to: the officer never loses sight of it.
    const mirror = byId("verdict-online");
    mirror.textContent = online.textContent;
    mirror.dataset.state = online.dataset.state;
    mirror.hidden = this.shown === undefined;
    const line = bundleLine(this.store.bundle, nowSeconds(), L);
    const age = byId("bundle-age");
    age.textContent = line.text;
    age.dataset.level = line.level;
    byId("bundle-warning").hidden = !line.warning;
    byId("bundle-warning").textContent = line.warning ?? "";
    byId("network").textContent = this.networkNote;
  }

  private renderAnchor(): void {
    const { L } = this;
    const a = this.store.trust?.anchor;
    byId("anchor-pinned").textContent = a
      ? L.t("checkpoint.anchor.pinned", {
          region: a.region,
          authority: a.authorities.join(", "),
          chainId: a.chainId,
          time: dateTimeInWords(a.pinnedAt, L.lang),
        })
      : L.t("checkpoint.anchor.none");
    const m = this.store.servedMismatch;
    byId("anchor-changed").hidden = !m;
    byId("anchor-changed").textContent = m
      ? L.t("checkpoint.anchor.changed", { served: `${m.region}, ${m.authority}, chain ${m.chainId}` })
      : "";
  }

  renderHistory(): void {
    const { L } = this;
    const entries = this.history.entries;
    const count = { accept: 0, reject: 0, unknown: 0 };
    for (const e of entries) count[e.verdict]++;
    byId("history-count").textContent = entries.length
      ? L.t("checkpoint.history.count", count)
      : L.t("checkpoint.history.empty");
    byId("history").replaceChildren(
      ...entries
        .slice(0, 50)
        .map((e) =>
          el(
            "li",
            { class: e.verdict },
            el("time", {}, dateTimeInWords(e.at, L.lang)),
            " ",
            el("strong", {}, L.t(`checkpoint.verdict.${e.verdict}`)),
            " ",
            e.type ? isolated(typeName(e.type, L.lang)) : "—",
          ),
        ),
    );
  }

  private renderAll(): void {
    this.renderStatus();
    this.renderAnchor();
    this.renderHistory();
    renderVerdict(this.shown, this.L);
    this.challengeView.render();
  }

  async sync(): Promise<void> {
    const network = byId("network");
    try {
      const { text, fromCache } = await downloadBundle(this.info.bundle);
      this.store.accept(text, nowSeconds());
      this.networkNote = fromCache
        ? this.L.t("checkpoint.fromCache")
        : this.L.t("checkpoint.synced", { time: new Date().toLocaleTimeString(this.L.lang) });
      network.dataset.outcome = fromCache ? "cache" : "synced";
      this.challengeView.renderChoices();
    } catch (e) {
      this.networkNote = this.L.t("checkpoint.syncFailed", { message: (e as Error).message });
      network.dataset.outcome = "failed";
    }
    this.renderStatus();
  }

  /** Keeps the bundle fresh while a network is there; the age line ticks either way. */
  async start(): Promise<void> {
    this.challengeView.renderChoices();
    if (navigator.onLine) await this.sync();
    else this.note(this.L.t("checkpoint.offlineStart"));
    setInterval(() => (navigator.onLine ? void this.sync() : this.renderStatus()), 60_000);
  }

  note(text: string): void {
    this.networkNote = text;
    this.renderStatus();
  }

  loadAnchor(text: string): void {
    const { L } = this;
    const result = byId("anchor-result");
    try {
      const anchor = parseAnchorFile(text, nowSeconds());
      if (
        !confirm(
          L.t("checkpoint.anchor.confirm", {
            region: anchor.region,
            authority: anchor.authorities.join(", "),
            chainId: anchor.chainId,
          }),
        )
      )
        return;
      this.store.replace(anchor);
      result.textContent = L.t("checkpoint.anchor.loaded", { region: anchor.region });
      result.dataset.outcome = "loaded";
    } catch (e) {
      result.textContent = L.t("checkpoint.anchor.bad", { message: (e as Error).message });
      result.dataset.outcome = "refused";
    }
    this.renderAll();
  }

  /** A scan, file or paste: an anchor file goes to the anchor; anything else is verified and shown. */
  verify(text: string): void {
    const trimmed = text.trim();
    if (trimmed.startsWith("{") && trimmed.includes("laissez-anchor")) return this.loadAnchor(trimmed);
    const bundle = this.store.bundle;
    // Only an open challenge asks for anything: an ended one no longer stands between the officer and static codes.
    const asked = this.challenges.state(nowSeconds()) === "open" ? this.challenges.current?.claims : undefined;
    const verdict = verifyScan(trimmed, {
      bundle,
      region: this.region,
      now: nowSeconds(),
      keyCache: this.keyCache,
      challenges: this.challenges,
    });
    this.shown = { verdict, stated: statedFacts(trimmed, bundle), region: this.region, ...(asked ? { asked } : {}) };
    const type = ("credentialType" in verdict ? verdict.credentialType : undefined) ?? this.shown.stated.type ?? null;
    this.history.add({ at: nowSeconds(), verdict: verdict.verdict, type });
    signal(verdict.verdict);
    this.showVerdict();
    // Answered: the challenge view says it has ended and the next scan is a static code.
    this.challengeView.renderOpen();
  }

  noQr(): void {
    this.shown = { verdict: { verdict: "unknown", reason: "no_qr_found", checks: [] }, stated: {} };
    this.showVerdict();
  }

  private showVerdict(): void {
    this.renderAll();
    const section = byId("verdict");
    section.dataset.scan = String(Number(section.dataset.scan ?? "0") + 1);
    section.scrollIntoView({ block: "start" });
  }

  clearHistory(): void {
    this.history.clear();
    this.renderHistory();
  }
}
