/**
 * The officer's side of a challenge: what to ask for (a credential type the bundle knows, then
 * its schema's claims — none ticked asks for the whole credential; a health code starts at its
 * health status alone), the challenge as a big QR code for the holder's wallet with its text to
 * copy, the time left, and what became of it (answered, expired: either ends it, and the page
 * verifies static codes again without the officer's step). The challenge itself is made
 * and kept by PageChallenges; scans are verified against it by the page (scan.ts).
 */
import type { TrustBundle } from "../../../core/index.ts";
import { claimName, typeName } from "../../../web/i18n.ts";
import type { PageLanguage } from "../../../web/language.ts";
import { schemaClaims } from "../../../web/registry-model.ts";
import { byId, el, nowSeconds, qrSvg } from "../../../web/ui.ts";
import type { PageChallenges } from "./page-challenge.ts";

/** What a gate usually needs of a type (the example: a health code's status alone). */
const PRESETS = new Map<string, readonly string[]>([["HealthCode", ["healthStatus"]]]);

export class ChallengeView {
  private readonly L: PageLanguage;
  private readonly challenges: PageChallenges;
  private readonly bundle: () => TrustBundle | undefined;
  private type = "";
  private chosen = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  /** The types and claims the picker was last filled with. */
  private known = "";

  constructor(L: PageLanguage, challenges: PageChallenges, bundle: () => TrustBundle | undefined) {
    this.L = L;
    this.challenges = challenges;
    this.bundle = bundle;
  }

  wire(): void {
    byId<HTMLSelectElement>("challenge-type").addEventListener("change", (e) =>
      this.pickType((e.target as HTMLSelectElement).value),
    );
    byId("challenge-claims").addEventListener("change", (e) => {
      const box = e.target as HTMLInputElement;
      if (box.checked) this.chosen.add(box.name);
      else this.chosen.delete(box.name);
      this.renderSummary();
    });
    byId("challenge-start").addEventListener("click", () => void this.start());
    byId("challenge-new").addEventListener("click", () => void this.start());
    byId("challenge-end").addEventListener("click", () => this.end());
    byId("challenge-copy").addEventListener("click", () => void this.copy());
    // The holder's answer is scanned with the page's own camera input, just above.
    byId("challenge-scan").addEventListener("click", () => {
      document.querySelector(".inputs")?.scrollIntoView({ block: "start" });
      byId("camera").click();
    });
  }

  /** Credential types with their schemas' claim names, from the bundle held now. */
  private types(): Map<string, string[]> {
    const entries = Object.entries(this.bundle()?.credentialTypes ?? {}).sort(([a], [b]) => a.localeCompare(b));
    return new Map(entries.map(([type, entry]) => [type, schemaClaims(entry.schema).map((c) => c.name)]));
  }

  /** The type picker, refilled after a sync that brought other types (not every minute: the officer may be ticking). */
  renderChoices(): void {
    const types = this.types();
    const known = JSON.stringify([...types]);
    if (known === this.known) return;
    this.known = known;
    if (!types.has(this.type)) this.pickType(types.has("HealthCode") ? "HealthCode" : ([...types.keys()][0] ?? ""));
    else this.render();
  }

  private pickType(type: string): void {
    this.type = type;
    this.chosen = new Set(PRESETS.get(type) ?? []);
    this.render();
  }

  /** Everything in the current language: the picker, and the open challenge if there is one. */
  render(): void {
    const { L } = this;
    const types = this.types();
    const select = byId<HTMLSelectElement>("challenge-type");
    select.replaceChildren(...[...types.keys()].map((t) => el("option", { value: t }, typeName(t, L.lang))));
    select.value = this.type;
    const boxes = (types.get(this.type) ?? []).map((name) => {
      const box = el("input", { type: "checkbox", name, ...(this.chosen.has(name) ? { checked: "" } : {}) });
      return el("label", { "data-claim": name }, box, el("span", {}, claimName(name, L.lang)));
    });
    byId("challenge-claim-list").replaceChildren(...boxes);
    this.renderSummary();
    this.renderOpen();
  }

  /** The claims ticked for the chosen type, in the challenge's words. */
  private asked(): string[] {
    return (this.types().get(this.type) ?? []).filter((n) => this.chosen.has(n));
  }

  private describe(claims: readonly string[]): string {
    const { L } = this;
    return claims.length
      ? claims.map((c) => claimName(c, L.lang)).join(L.lang === "zh-CN" ? "、" : ", ")
      : L.t("checkpoint.challenge.whole");
  }

  private renderSummary(): void {
    byId("challenge-summary").textContent = this.L.t("checkpoint.challenge.summary", {
      what: this.describe(this.asked()),
    });
  }

  /** A new challenge for what is ticked: its QR replaces the last one's. */
  private async start(): Promise<void> {
    let c;
    try {
      c = this.challenges.open(this.asked(), nowSeconds());
    } catch (e) {
      // A checkpoint id the challenge form cannot carry (LAISSEZ_CHECKPOINT_ID with a space, or too long): said, not thrown.
      byId("challenge-summary").textContent = this.L.t("checkpoint.challenge.failed", {
        message: (e as Error).message,
      });
      return;
    }
    byId("challenge-qr").innerHTML = await qrSvg(c.text);
    byId<HTMLTextAreaElement>("challenge-text").value = c.text;
    byId("challenge-copied").textContent = "";
    clearInterval(this.timer);
    this.timer = setInterval(() => this.renderOpen(), 1000);
    const fromSetup = byId("challenge-setup").contains(document.activeElement);
    this.renderOpen();
    byId("challenge").scrollIntoView({ block: "start" });
    // The start button is gone with the setup: the keyboard moves on to the next step, scanning the answer.
    if (fromSetup) byId("challenge-scan").focus({ preventScroll: true });
  }

  /** Back to static QR codes. */
  private end(): void {
    clearInterval(this.timer);
    this.challenges.close();
    this.renderOpen();
    byId("challenge-start").focus();
  }

  /** The open challenge: what it asks, its QR while it can be answered, the time left, its state. */
  renderOpen(): void {
    const { L } = this;
    const c = this.challenges.current;
    byId("challenge-setup").hidden = c !== undefined;
    byId("challenge-open").hidden = c === undefined;
    byId("challenge").dataset.state = c ? (this.challenges.state(nowSeconds()) ?? "") : "none";
    if (!c) return;
    const state = this.challenges.state(nowSeconds()) ?? "expired";
    // Only an open challenge shows its code: nobody should scan one that can no longer be answered.
    const live = byId("challenge-live");
    if (state !== "open") {
      clearInterval(this.timer);
      // Focus never disappears with the code: it goes to "new challenge".
      if (live.contains(document.activeElement)) byId("challenge-new").focus({ preventScroll: true });
    }
    live.hidden = state !== "open";
    // Ended (answered or expired), it needs no ending: the page is back to static codes by itself.
    byId("challenge-end").hidden = state !== "open";
    const what = this.describe(c.claims);
    byId("challenge-asks").textContent = L.t("checkpoint.challenge.asks", { what });
    byId("challenge-audience").textContent = L.t("checkpoint.challenge.audience", { id: c.audience });
    byId("challenge-qr").setAttribute("aria-label", L.t("checkpoint.challenge.qrLabel", { what }));
    const left = this.challenges.secondsLeft(nowSeconds());
    byId("challenge-countdown").textContent = L.t("checkpoint.challenge.left", {
      time: `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`,
    });
    const status = L.t(`checkpoint.challenge.${state}`);
    // Written only when it changes: a status region announces each change, not each second.
    if (byId("challenge-state").textContent !== status) byId("challenge-state").textContent = status;
  }

  private async copy(): Promise<void> {
    const field = byId<HTMLTextAreaElement>("challenge-text");
    try {
      await navigator.clipboard.writeText(field.value);
      byId("challenge-copied").textContent = this.L.t("checkpoint.challenge.copied");
    } catch {
      // No clipboard permission: the text is selected for the officer to copy by hand.
      field.select();
    }
  }
}
