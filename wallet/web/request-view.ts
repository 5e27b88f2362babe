/**
 * A checkpoint's request (its `LZCH1:` challenge QR, core/challenge-text.ts), read by camera,
 * picture or paste, then shown in words before anything is signed: who asks (the audience, as
 * the checkpoint names itself), until when, and which claims it wants. The holder picks a
 * credential that can answer (an SD-JWT VC discloses exactly the asked claims; a jwt_vc shows
 * everything, said plainly, and the button says so too) or declines. Unreadable, foreign or
 * expired text gets a sentence, never a parser's message.
 */
import { type Challenge, isChallengeText, readChallengeText } from "../../core/index.ts";
import { agencyName, dateTimeInWords, durationInWords, regionName, typeName } from "../../web/i18n.ts";
import type { PageLanguage } from "../../web/language.ts";
import { byId, decodeQrImage, el, nowSeconds, scanWithCamera } from "../../web/ui.ts";
import type { WalletEntry } from "../copies.ts";
import { challengeAnswer, type DisclosurePlan } from "../present.ts";
import { cardKey } from "./cards.ts";
import { claimList, suggestRegion } from "./qr-view.ts";

export type RequestReading =
  | { readonly challenge: Challenge }
  | { readonly problem: "not_challenge" | "malformed" }
  | { readonly problem: "expired"; readonly expiredAt: number };

/** What QR text is, as the wallet reads it at `now`: a live challenge, or why not. */
export function readRequest(text: string, now: number): RequestReading {
  const trimmed = text.trim();
  if (!isChallengeText(trimmed)) return { problem: "not_challenge" };
  let challenge: Challenge;
  try {
    challenge = readChallengeText(trimmed);
  } catch {
    return { problem: "malformed" };
  }
  return challenge.expiresAt <= now ? { problem: "expired", expiredAt: challenge.expiresAt } : { challenge };
}

export interface RequestChoice {
  readonly entry: WalletEntry;
  readonly plan: DisclosurePlan;
}

/** The credentials that can answer: valid, with a copy left, holding every asked claim. */
export function requestChoices(entries: readonly WalletEntry[], challenge: Challenge, now: number): RequestChoice[] {
  const choices = entries
    .filter((e) => e.unused > 0 && e.credential.validUntil > now)
    .flatMap((entry) => {
      const { plan, missing } = challengeAnswer(entry.credential.jwt, challenge.claims);
      return missing.length ? [] : [{ entry, plan }];
    });
  // The one that shows least first: a selective answer before one that shows everything.
  return choices.sort((a, b) => Number(b.plan.selective) - Number(a.plan.selective));
}

/** "checkpoint:CN-SH:gate-1" names a region; shown as the checkpoint's own claim, never as fact. */
const AUDIENCE_REGION = /^checkpoint:([A-Z]{2}-[A-Z0-9]{1,3}):/;

export interface RequestViewDeps {
  readonly L: PageLanguage;
  readonly entries: () => readonly WalletEntry[];
  /** The holder agreed: present `choice` bound to `challenge`; `done` runs when the QR is closed (or, with a sentence, when it cannot be shown). */
  readonly onAgree: (
    challenge: Challenge,
    choice: RequestChoice,
    done: (words?: () => string, outcome?: string) => void,
  ) => Promise<void>;
}

export class RequestView {
  private challenge: Challenge | undefined;
  private choices: RequestChoice[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private camera: AbortController | undefined;
  /** The last sentence said, in words made again when the language changes. */
  private said: () => string = () => "";
  private readonly d: RequestViewDeps;

  constructor(d: RequestViewDeps) {
    this.d = d;
    byId("challenge-read").addEventListener("click", () =>
      this.read(byId<HTMLTextAreaElement>("challenge-text").value),
    );
    byId<HTMLInputElement>("challenge-image").addEventListener(
      "change",
      (event) => void this.readImage(event.target as HTMLInputElement),
    );
    byId("challenge-camera").addEventListener("click", () => void this.scan());
    byId("request-agree").addEventListener("click", () => void this.agree());
    byId("request-decline").addEventListener("click", () =>
      this.close(() => this.d.L.t("wallet.request.declined"), "declined"),
    );
    d.L.onChange(() => {
      byId("challenge-result").textContent = this.said();
      this.render();
    });
  }

  /** Reads QR text as a request: shows it, or says in a sentence why not. */
  read(text: string): void {
    const reading = readRequest(text, nowSeconds());
    if ("challenge" in reading) return this.open(reading.challenge);
    this.close(() => this.problemText(reading), reading.problem);
  }

  private problemText(r: Exclude<RequestReading, { challenge: Challenge }>): string {
    const { L } = this.d;
    if (r.problem === "expired") return L.t("wallet.request.expired", { time: dateTimeInWords(r.expiredAt, L.lang) });
    return L.t(r.problem === "malformed" ? "wallet.answer.malformed" : "wallet.answer.notChallenge");
  }

  private async readImage(input: HTMLInputElement): Promise<void> {
    const file = input.files?.[0];
    // Cleared at once, so picking the same file again is a new reading.
    input.value = "";
    if (!file) return;
    const text = await decodeQrImage(file).catch(() => null);
    if (text) return this.read(text);
    this.say(() => this.d.L.t("wallet.answer.noQr"), "no_qr");
  }

  private async scan(): Promise<void> {
    const { L } = this.d;
    const button = byId("challenge-camera");
    if (this.camera) return this.camera.abort();
    this.camera = new AbortController();
    button.textContent = L.t("wallet.answer.cameraStop");
    try {
      const text = await scanWithCamera(byId<HTMLVideoElement>("challenge-video"), this.camera.signal);
      if (text) this.read(text);
    } catch (e) {
      const name = (e as Error).name;
      this.say(() => L.t("wallet.answer.cameraNone", { message: name }), "no_camera");
    } finally {
      this.camera = undefined;
      button.textContent = L.t("wallet.answer.camera");
    }
  }

  private say(words: () => string, outcome: string): void {
    this.said = words;
    const result = byId("challenge-result");
    result.textContent = words();
    result.dataset.outcome = outcome;
  }

  private open(challenge: Challenge): void {
    this.challenge = challenge;
    this.choices = requestChoices(this.d.entries(), challenge, nowSeconds());
    // Its nonce is answered once: the pasted text is not kept for a second answer.
    byId<HTMLTextAreaElement>("challenge-text").value = "";
    this.say(() => "", "request");
    const view = byId("request");
    view.hidden = false;
    this.render();
    view.focus();
    view.scrollIntoView({ block: "start" });
    clearInterval(this.timer);
    this.timer = setInterval(() => this.tick(), 1000);
  }

  /** Hides the request (declined, answered, expired or replaced) with a sentence for the holder. */
  close(words: () => string = () => "", outcome = ""): void {
    clearInterval(this.timer);
    this.challenge = undefined;
    this.choices = [];
    byId("request").hidden = true;
    this.say(words, outcome);
  }

  private tick(): void {
    const c = this.challenge;
    if (!c) return;
    if (nowSeconds() >= c.expiresAt) return this.expired(c);
    this.renderFacts(c);
  }

  private expired(c: Challenge): void {
    this.close(
      () => this.d.L.t("wallet.request.expired", { time: dateTimeInWords(c.expiresAt, this.d.L.lang) }),
      "expired",
    );
  }

  private render(): void {
    const c = this.challenge;
    if (!c) return;
    this.renderFacts(c);
    this.renderChoices();
  }

  private renderFacts(c: Challenge): void {
    const { L } = this.d;
    const region = AUDIENCE_REGION.exec(c.audience)?.[1];
    // The checkpoint says where it is: the next static QR is suggested for that region (the holder may pick another).
    if (region) suggestRegion(region);
    const who = region
      ? L.t("wallet.request.whoRegion", { audience: c.audience, region: regionName(region, L.lang) })
      : c.audience;
    const until = L.t("wallet.request.untilValue", {
      time: dateTimeInWords(c.expiresAt, L.lang),
      left: durationInWords(c.expiresAt - nowSeconds(), L.lang),
    });
    const asks = c.claims.length ? claimList(c.claims, L.lang) : L.t("wallet.request.asksAll");
    const row = (term: string, value: string, key: string): HTMLElement[] => [
      el("dt", {}, term),
      el("dd", { "data-fact": key }, value),
    ];
    byId("request-facts").replaceChildren(
      ...row(L.t("wallet.request.who"), who, "audience"),
      ...row(L.t("wallet.request.until"), until, "expires"),
      ...row(L.t("wallet.request.asks"), asks, "claims"),
    );
  }

  private renderChoices(): void {
    const { L } = this.d;
    const chosen = this.chosen()?.entry ?? this.choices[0]?.entry;
    const options = this.choices.map((choice) => {
      const c = choice.entry.credential;
      const key = cardKey(c);
      const radio = el("input", {
        type: "radio",
        name: "request-credential",
        value: key,
        ...(choice.entry === chosen ? { checked: "" } : {}),
      });
      radio.addEventListener("change", () => this.renderAgree());
      return el(
        "label",
        { class: `choice${choice.plan.selective ? "" : " everything"}`, "data-id": key },
        radio,
        el(
          "span",
          { class: "choice-text" },
          el("strong", {}, typeName(c.type, L.lang)),
          el("span", { class: "choice-issuer" }, agencyName(c.issuer.name ?? c.issuer.did, L.lang)),
          el("span", { class: "choice-plan" }, this.planText(choice.plan)),
        ),
      );
    });
    byId("request-choice").replaceChildren(el("legend", {}, L.t("wallet.request.choose")), ...options);
    byId("request-choice").hidden = options.length === 0;
    const none = this.challenge?.claims.length
      ? L.t("wallet.request.none", { claims: claimList(this.challenge.claims, L.lang) })
      : L.t("wallet.request.noneAll");
    byId("request-note").textContent = options.length ? "" : none;
    this.renderAgree();
  }

  private planText(plan: DisclosurePlan): string {
    const { L } = this.d;
    const shown = claimList(
      plan.disclosed.map((d) => d.name),
      L.lang,
    );
    if (!plan.selective) return L.t("wallet.request.everything", { claims: shown });
    return plan.withheld.length
      ? L.t("wallet.request.selective", { shown, withheld: claimList(plan.withheld, L.lang) })
      : L.t("wallet.request.selectiveAll", { shown });
  }

  private chosen(): RequestChoice | undefined {
    const value = document.querySelector<HTMLInputElement>("input[name=request-credential]:checked")?.value;
    return this.choices.find((c) => cardKey(c.entry.credential) === value);
  }

  /** The button says what agreeing does: for a jwt_vc, "show every detail". */
  private renderAgree(): void {
    const agree = byId<HTMLButtonElement>("request-agree");
    const choice = this.chosen();
    agree.hidden = choice === undefined;
    agree.textContent = this.d.L.t(
      choice && !choice.plan.selective ? "wallet.request.agreeAll" : "wallet.request.agree",
    );
  }

  private async agree(): Promise<void> {
    const challenge = this.challenge;
    const choice = this.chosen();
    if (!challenge || !choice) return;
    if (nowSeconds() >= challenge.expiresAt) return this.expired(challenge);
    clearInterval(this.timer);
    // One nonce, one answer: the request is done once the holder agrees.
    await this.d.onAgree(challenge, choice, (words, outcome) => this.close(words, outcome));
  }
}
