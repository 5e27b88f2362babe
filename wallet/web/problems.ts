/**
 * Every error the web wallet can show, as the citizen should read it (issue 26 item 6): a
 * sentence of what happened and one of what to do next, in the page's language; the raw message
 * (an issuer's error code, "Failed to fetch", a bundle check's reason) only behind a "technical
 * details" fold. `problemOf` is pure: an error in, message keys out.
 */
import type { MessageKey } from "../../web/i18n.ts";
import type { PageLanguage } from "../../web/language.ts";
import { el } from "../../web/ui.ts";

export type ProblemKind =
  | "offer_used"
  | "offer_refused"
  | "offer_malformed"
  | "offer_insecure"
  | "offer_empty"
  | "issuer_unreachable"
  | "issuer_answer"
  | "credential_invalid"
  | "copies_invalid"
  | "no_bundle"
  | "sync_unreachable"
  | "sync_server"
  | "sync_rejected"
  | "passphrase_short"
  | "passphrase_easy"
  | "transfer_locked"
  | "transfer_damaged"
  | "unexpected";

export interface Problem {
  readonly kind: ProblemKind;
  /** The raw message, for the technical details fold only. */
  readonly details: string;
  /** Values the sentences name (e.g. a passphrase's least length). */
  readonly params?: Readonly<Record<string, string | number>>;
}

/** A wallet-side refusal with its kind known where it is thrown (no raw words in it). */
export class WalletProblem extends Error {
  readonly kind: ProblemKind;
  constructor(kind: ProblemKind, details: string = kind) {
    super(details);
    this.kind = kind;
  }
}

const RECEIVE_CODES: Record<string, ProblemKind> = {
  offer_malformed: "offer_malformed",
  offer_insecure_issuer: "offer_insecure",
  offer_refused: "offer_refused",
  issuer_unreachable: "issuer_unreachable",
  issuer_redirected: "issuer_answer",
  issuer_response_invalid: "issuer_answer",
  credential_invalid: "credential_invalid",
  holder_mismatch: "credential_invalid",
};

/** What went wrong receiving an offer. */
export function receiveProblem(e: unknown): Problem {
  const details = e instanceof Error ? e.message : String(e);
  if (e instanceof WalletProblem) return { kind: e.kind, details };
  const code = (e as { code?: unknown } | null)?.code;
  const kind = typeof code === "string" && Object.hasOwn(RECEIVE_CODES, code) ? RECEIVE_CODES[code]! : "unexpected";
  // The token step refused the pre-authorized code: a link opened a second time (citizens do), or one past its time.
  if (kind === "offer_refused" && /refused the offer code \((invalid_grant|offer_used|offer_expired)/.test(details))
    return { kind: "offer_used", details };
  return { kind, details };
}

/** What went wrong syncing status: no network, the service's trouble, or data that failed the wallet's checks. */
export function syncProblem(e: unknown): Problem {
  const details = e instanceof Error ? e.message : String(e);
  // fetch rejects with a TypeError when there is no answer at all ("Failed to fetch").
  if (e instanceof TypeError) return { kind: "sync_unreachable", details };
  if (/^bundle download failed: HTTP 5\d\d/.test(details)) return { kind: "sync_server", details };
  if (/^bundle download failed/.test(details)) return { kind: "sync_rejected", details };
  return { kind: "sync_rejected", details };
}

const WORDS: Record<ProblemKind, readonly [MessageKey, MessageKey]> = {
  offer_used: ["problem.offerUsed", "problem.offerUsed.next"],
  offer_refused: ["problem.offerRefused", "problem.offerRefused.next"],
  offer_malformed: ["problem.offerMalformed", "problem.offerMalformed.next"],
  offer_insecure: ["problem.offerInsecure", "problem.offerInsecure.next"],
  offer_empty: ["problem.offerEmpty", "problem.offerEmpty.next"],
  issuer_unreachable: ["problem.issuerUnreachable", "problem.issuerUnreachable.next"],
  issuer_answer: ["problem.issuerAnswer", "problem.issuerAnswer.next"],
  credential_invalid: ["problem.credentialInvalid", "problem.credentialInvalid.next"],
  copies_invalid: ["problem.copiesInvalid", "problem.copiesInvalid.next"],
  no_bundle: ["problem.noBundle", "problem.noBundle.next"],
  sync_unreachable: ["problem.syncUnreachable", "problem.syncUnreachable.next"],
  sync_server: ["problem.syncServer", "problem.syncServer.next"],
  sync_rejected: ["problem.syncRejected", "problem.syncRejected.next"],
  passphrase_short: ["problem.passphraseShort", "problem.passphraseShort.next"],
  passphrase_easy: ["problem.passphraseEasy", "problem.passphraseEasy.next"],
  transfer_locked: ["problem.transferLocked", "problem.transferLocked.next"],
  transfer_damaged: ["problem.transferDamaged", "problem.transferDamaged.next"],
  unexpected: ["problem.unexpected", "problem.unexpected.next"],
};

/** The problem's two sentences in the page's language (what happened, what to do). */
export function problemWords(p: Problem, L: PageLanguage): { what: string; next: string } {
  const [what, next] = WORDS[p.kind];
  return { what: L.t(what, p.params), next: L.t(next, p.params) };
}

/** The problem as the page shows it: the sentences, then the raw details folded away. */
export function problemNode(p: Problem, L: PageLanguage, lead?: string): HTMLElement {
  const { what, next } = problemWords(p, L);
  return el(
    "span",
    { class: "problem", "data-problem": p.kind },
    el("span", { class: "problem-what" }, lead ? `${lead}${what}` : what),
    L.lang === "zh-CN" ? "" : " ",
    el("span", { class: "problem-next" }, next),
    el("details", { class: "tech" }, el("summary", {}, L.t("wallet.details")), el("code", {}, p.details)),
  );
}
