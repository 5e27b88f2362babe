/**
 * A credential as the citizen sees it: the type's name, the issuing agency and region, the
 * holder's own claims (hideable), the status in plain words as of the last sync (a credential
 * that is not valid loses its health colour: a grey or red banner with the word large, why, and
 * what to do next, its health claim struck through), the validity
 * in words, for a batch how many copies are left; the DID, credential id and block behind a
 * "technical details" fold.
 */
import { formatOfCredential, nobleVerifier, type TrustBundle } from "../../core/index.ts";
import {
  agencyName,
  claimRows,
  dateInWords,
  dateTimeInWords,
  reasonText,
  regionName,
  relativeInWords,
  typeName,
} from "../../web/i18n.ts";
import type { PageLanguage } from "../../web/language.ts";
import type { WalletEntry } from "../copies.ts";
import { credentialClaims } from "../present.ts";
import { credentialHolder } from "../receive.ts";
import type { StoredCredential } from "../store.ts";
import { holderStatus, looksValid, type StatusKind } from "../status.ts";
import { el } from "../../web/ui.ts";

export type StatusTone = "accept" | "reject" | "unknown";
export interface CitizenStatus {
  /** Stable for tests and styling: valid / suspended / revoked / expired / not_accredited / unknown / invalid. */
  readonly kind: StatusKind;
  readonly tone: StatusTone;
  /** The status in one or two words ("Revoked"), shown large wherever the credential is not valid. */
  readonly word: string;
  readonly detail: string;
  /** Why, in a sentence (empty when valid). */
  readonly why: string;
  /** What the holder does next (empty when valid). */
  readonly next: string;
}

const keyCache = new Map<string, Uint8Array>();

const WORD_KEYS = {
  suspended: "wallet.status.suspended",
  revoked: "wallet.status.revoked",
  expired: "wallet.status.expired",
  not_accredited: "wallet.status.notAccredited",
  invalid: "wallet.status.invalid",
} as const;
const WHY_KEYS = {
  suspended: ["wallet.why.suspended", "wallet.next.suspended"],
  revoked: ["wallet.why.revoked", "wallet.next.revoked"],
  expired: ["wallet.why.expired", "wallet.next.expired"],
  not_accredited: ["wallet.why.notAccredited", "wallet.next.notAccredited"],
  invalid: ["wallet.why.invalid", "wallet.next.invalid"],
  unknown: ["wallet.why.unknown", "wallet.next.unknown"],
} as const;

/** The status as the citizen understands it, from the wallet's last synced bundle: the word, why, and what to do next. */
export function citizenStatus(
  c: StoredCredential,
  bundle: TrustBundle | undefined,
  now: number,
  L: PageLanguage,
): CitizenStatus {
  if (!bundle)
    return {
      kind: "unknown",
      tone: "unknown",
      word: L.t("wallet.status.unknown"),
      detail: L.t("wallet.status.notSynced"),
      why: "",
      next: L.t("wallet.next.unknown"),
    };
  const s = holderStatus(c, bundle, now, nobleVerifier, keyCache);
  const asOf = L.t("wallet.status.asOf", { time: dateTimeInWords(bundle.block.timestamp, L.lang) });
  if (s.kind === "valid")
    return { kind: "valid", tone: "accept", word: L.t("wallet.status.valid"), detail: asOf, why: "", next: "" };
  const agency = agencyName(c.issuer.name ?? c.issuer.did, L.lang);
  const params = { agency, date: dateInWords(c.validUntil, L.lang), reason: reasonText(s.reason, L.lang) };
  const [why, next] = WHY_KEYS[s.kind];
  const words = { why: L.t(why, params), next: L.t(next, params) };
  if (s.kind === "unknown")
    return {
      kind: "unknown",
      tone: "unknown",
      word: L.t("wallet.status.unknownSince", { time: dateTimeInWords(bundle.block.timestamp, L.lang) }),
      detail: "",
      ...words,
    };
  return { kind: s.kind, tone: "reject", word: L.t(WORD_KEYS[s.kind]), detail: asOf, ...words };
}

/** The holder DID the credential names (a jwt_vc's sub, an SD-JWT VC's key), for the technical details. */
function holderDid(jwt: string): string {
  try {
    return String(credentialHolder(jwt).holder);
  } catch {
    return "?";
  }
}

export interface CardContext {
  readonly L: PageLanguage;
  readonly bundle: TrustBundle | undefined;
  readonly now: number;
  readonly claimsHidden: boolean;
  readonly onShowQr: (entry: WalletEntry) => void;
  readonly onToggleClaims: () => void;
}

/** A claim's value (as claimRows words it); on a credential that is not valid, a health colour is struck through and said to be no longer valid. */
function claimValueNode(k: string, value: string, ctx: CardContext, valid: boolean): HTMLElement {
  if (valid || k !== "healthStatus") return el("dd", { "data-claim": k }, value);
  return el(
    "dd",
    { "data-claim": k, class: "struck" },
    el("del", {}, value),
    ctx.L.lang === "zh-CN" ? "" : " ",
    el(
      "span",
      {},
      ctx.L.lang === "zh-CN" ? `（${ctx.L.t("wallet.claim.struck")}）` : `(${ctx.L.t("wallet.claim.struck")})`,
    ),
  );
}

function claimList(c: StoredCredential, ctx: CardContext, valid: boolean): HTMLElement {
  if (ctx.claimsHidden) return el("p", { class: "claims-hidden" }, ctx.L.t("wallet.claims.hidden"));
  // Family and given name as one name, in the language's order (李梅; docs/glossary.md).
  const rows = claimRows(credentialClaims(c.jwt), ctx.L.lang);
  return el(
    "dl",
    { class: "claims" },
    ...rows.flatMap((r) => [el("dt", {}, r.label), claimValueNode(r.key, r.value, ctx, valid)]),
  );
}

/** The status: one line when valid; otherwise a banner with the word large, why, and what to do next. */
function statusBlock(s: CitizenStatus): HTMLElement {
  if (s.kind === "valid") return el("p", { class: "status" }, el("strong", {}, s.word), " ", el("span", {}, s.detail));
  return el(
    "div",
    { class: "status status-banner", role: "note" },
    el("strong", { class: "status-word" }, s.word),
    s.detail ? el("span", { class: "as-of" }, s.detail) : null,
    s.why ? el("p", { class: "why" }, s.why) : null,
    s.next ? el("p", { class: "next" }, s.next) : null,
  );
}

function details(c: StoredCredential, ctx: CardContext): HTMLElement {
  const { L, bundle } = ctx;
  const row = (term: string, value: string): HTMLElement[] => [el("dt", {}, term), el("dd", {}, value)];
  return el(
    "details",
    { class: "dev" },
    el("summary", {}, L.t("wallet.details")),
    el(
      "dl",
      {},
      ...row(L.t("wallet.details.id"), c.id),
      ...row(L.t("wallet.details.issuer"), c.issuer.did),
      ...row(L.t("wallet.details.holder"), holderDid(c.jwt)),
      ...row(L.t("wallet.details.received"), dateTimeInWords(c.receivedAt, L.lang)),
      ...(bundle
        ? row(
            L.t("wallet.details.block"),
            L.t("wallet.details.blockValue", {
              block: bundle.block.number,
              time: dateTimeInWords(bundle.block.timestamp, L.lang),
            }),
          )
        : []),
    ),
  );
}

/** What names a card: the credential's id, or for a batch its label (the first copy's id). */
export const cardKey = (c: StoredCredential): string => c.copy?.batch ?? c.id;

/** A batch's copies: how many are left; when none, the holder is told to receive a new batch. */
function copiesLine(entry: WalletEntry, L: PageLanguage): HTMLElement | null {
  if (!entry.credential.copy) return null;
  const n = { unused: entry.unused, copies: entry.copies };
  // The last copy warns first: a holder about to go offline can still receive a new batch.
  const words =
    entry.unused > 1
      ? L.t("wallet.copies.left", n)
      : entry.unused === 1
        ? L.t("wallet.copies.low", n)
        : L.t("wallet.copies.none", n);
  return el(
    "p",
    {
      class: `copies${entry.unused === 0 ? " used-up" : entry.unused === 1 ? " low" : ""}`,
      "data-unused": String(entry.unused),
      "data-copies": String(entry.copies),
    },
    words,
  );
}

export function credentialCard(entry: WalletEntry, ctx: CardContext): HTMLElement {
  const { L, now } = ctx;
  const c = entry.credential;
  // A batch's card keeps its place (and focus target) while its shown copy changes.
  const key = cardKey(c);
  const s = citizenStatus(c, ctx.bundle, now, L);
  // "Valid until" on a credential that is not valid would read better than it is: a neutral expiry date instead.
  const validity =
    c.validUntil <= now
      ? L.t("wallet.expiredOn", { date: dateInWords(c.validUntil, L.lang) })
      : looksValid(s.kind) || s.kind === "unknown"
        ? L.t("wallet.validUntil", {
            date: dateInWords(c.validUntil, L.lang),
            relative: relativeInWords(c.validUntil, now, L.lang),
          })
        : L.t("wallet.expiryDate", { date: dateInWords(c.validUntil, L.lang) });
  const title = typeName(c.type, L.lang);
  const toggle = el(
    "button",
    { type: "button", class: "quiet toggle-claims", "aria-pressed": String(ctx.claimsHidden) },
    L.t(ctx.claimsHidden ? "wallet.claims.show" : "wallet.claims.hide"),
  );
  toggle.addEventListener("click", ctx.onToggleClaims);
  const show = el(
    "button",
    {
      type: "button",
      class: "show-qr",
      "aria-label": `${L.t("wallet.showQr")}: ${title}`,
      ...(entry.unused === 0 ? { disabled: "" } : {}),
    },
    L.t("wallet.showQr"),
  );
  show.addEventListener("click", () => ctx.onShowQr(entry));
  const health = c.type === "HealthCode" ? credentialClaims(c.jwt).healthStatus : undefined;
  // Only a valid credential wears its health colour: a revoked green code must never look green.
  const colour = looksValid(s.kind) && typeof health === "string" ? ` health-${health}` : "";
  return el(
    "article",
    {
      class: `card ${s.tone} status-${s.kind}${colour}`,
      "data-id": key,
      "data-credential": c.id,
      "data-status": s.kind,
      "aria-labelledby": `t-${key}`,
    },
    el("h2", { id: `t-${key}` }, title),
    el(
      "p",
      { class: "issuer" },
      L.t("wallet.issuedBy", {
        agency: agencyName(c.issuer.name ?? c.issuer.did, L.lang),
        region: regionName(c.issuer.region ?? "?", L.lang),
      }),
    ),
    statusBlock(s),
    el("p", { class: "validity" }, validity),
    formatOfCredential(c.jwt).selective ? el("p", { class: "selective" }, L.t("wallet.card.selective")) : null,
    copiesLine(entry, L),
    claimList(c, ctx, looksValid(s.kind)),
    el("div", { class: "card-actions" }, show, toggle),
    details(c, ctx),
  );
}
