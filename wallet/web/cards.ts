/**
 * A credential as the citizen sees it: the type's name, the issuing agency and region, the
 * holder's own claims (hideable), the status in plain words as of the last sync, the validity
 * in words, for a batch how many copies are left; the DID, credential id and block behind a
 * "technical details" fold.
 */
import { formatOfCredential, nobleVerifier, type TrustBundle } from "../../core/index.ts";
import { agencyName, claimName, claimValue, dateInWords, dateTimeInWords, reasonText, regionName, relativeInWords, typeName } from "../../web/i18n.ts";
import type { PageLanguage } from "../../web/language.ts";
import type { WalletEntry } from "../copies.ts";
import { credentialClaims } from "../present.ts";
import { credentialHolder } from "../receive.ts";
import type { StoredCredential } from "../store.ts";
import { holderStatus, type StatusKind } from "../status.ts";
import { el } from "../../web/ui.ts";

export type StatusTone = "accept" | "reject" | "unknown";
export interface CitizenStatus {
  /** Stable for tests and styling: valid / suspended / revoked / unknown / invalid. */
  readonly kind: StatusKind;
  readonly tone: StatusTone;
  readonly word: string;
  readonly detail: string;
}

const keyCache = new Map<string, Uint8Array>();

/** The status as the citizen understands it, from the wallet's last synced bundle. */
export function citizenStatus(c: StoredCredential, bundle: TrustBundle | undefined, now: number, L: PageLanguage): CitizenStatus {
  if (!bundle) return { kind: "unknown", tone: "unknown", word: L.t("wallet.status.unknown"), detail: L.t("wallet.status.notSynced") };
  const s = holderStatus(c, bundle, now, nobleVerifier, keyCache);
  const asOf = L.t("wallet.status.asOf", { time: dateTimeInWords(bundle.block.timestamp, L.lang) });
  switch (s.kind) {
    case "valid":
      return { kind: "valid", tone: "accept", word: L.t("wallet.status.valid"), detail: asOf };
    case "revoked":
    case "suspended":
      return { kind: s.kind, tone: "reject", word: L.t(s.kind === "revoked" ? "wallet.status.revoked" : "wallet.status.suspended"), detail: asOf };
    case "unknown":
      return { kind: "unknown", tone: "unknown", word: L.t("wallet.status.unknownSince", { time: dateTimeInWords(bundle.block.timestamp, L.lang) }), detail: reasonText(s.reason, L.lang) };
    default:
      return { kind: "invalid", tone: "reject", word: L.t("wallet.status.invalid"), detail: reasonText(s.reason, L.lang) };
  }
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

function claimList(c: StoredCredential, ctx: CardContext): HTMLElement {
  const claims = Object.entries(credentialClaims(c.jwt));
  if (ctx.claimsHidden) return el("p", { class: "claims-hidden" }, ctx.L.t("wallet.claims.hidden"));
  return el("dl", { class: "claims" }, ...claims.flatMap(([k, v]) => [el("dt", {}, claimName(k, ctx.L.lang)), el("dd", { "data-claim": k }, claimValue(k, v, ctx.L.lang))]));
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
      ...(bundle ? row(L.t("wallet.details.block"), L.t("wallet.details.blockValue", { block: bundle.block.number, time: dateTimeInWords(bundle.block.timestamp, L.lang) })) : []),
    ),
  );
}

/** What names a card: the credential's id, or for a batch its label (the first copy's id). */
export const cardKey = (c: StoredCredential): string => c.copy?.batch ?? c.id;

/** A batch's copies: how many are left; when none, the holder is told to receive a new batch. */
function copiesLine(entry: WalletEntry, L: PageLanguage): HTMLElement | null {
  if (!entry.credential.copy) return null;
  const words = entry.unused > 0 ? L.t("wallet.copies.left", { unused: entry.unused, copies: entry.copies }) : L.t("wallet.copies.none", { copies: entry.copies });
  return el("p", { class: `copies${entry.unused === 0 ? " used-up" : ""}`, "data-unused": String(entry.unused), "data-copies": String(entry.copies) }, words);
}

export function credentialCard(entry: WalletEntry, ctx: CardContext): HTMLElement {
  const { L, now } = ctx;
  const c = entry.credential;
  // A batch's card keeps its place (and focus target) while its shown copy changes.
  const key = cardKey(c);
  const s = citizenStatus(c, ctx.bundle, now, L);
  const validity = c.validUntil > now ? L.t("wallet.validUntil", { date: dateInWords(c.validUntil, L.lang), relative: relativeInWords(c.validUntil, now, L.lang) }) : L.t("wallet.expiredOn", { date: dateInWords(c.validUntil, L.lang) });
  const title = typeName(c.type, L.lang);
  const toggle = el("button", { type: "button", class: "quiet toggle-claims", "aria-pressed": String(ctx.claimsHidden) }, L.t(ctx.claimsHidden ? "wallet.claims.show" : "wallet.claims.hide"));
  toggle.addEventListener("click", ctx.onToggleClaims);
  const show = el("button", { type: "button", class: "show-qr", "aria-label": `${L.t("wallet.showQr")}: ${title}`, ...(entry.unused === 0 ? { disabled: "" } : {}) }, L.t("wallet.showQr"));
  show.addEventListener("click", () => ctx.onShowQr(entry));
  const health = c.type === "HealthCode" ? credentialClaims(c.jwt).healthStatus : undefined;
  return el(
    "article",
    { class: `card ${s.tone}${typeof health === "string" ? ` health-${health}` : ""}`, "data-id": key, "data-credential": c.id, "data-status": s.kind, "aria-labelledby": `t-${key}` },
    el("h2", { id: `t-${key}` }, title),
    el("p", { class: "issuer" }, L.t("wallet.issuedBy", { agency: agencyName(c.issuer.name ?? c.issuer.did, L.lang), region: regionName(c.issuer.region ?? "?", L.lang) })),
    el("p", { class: "status" }, el("strong", {}, s.word), " ", el("span", {}, s.detail)),
    el("p", { class: "validity" }, validity),
    formatOfCredential(c.jwt).selective ? el("p", { class: "selective" }, L.t("wallet.card.selective")) : null,
    copiesLine(entry, L),
    claimList(c, ctx),
    el("div", { class: "card-actions" }, show, toggle),
    details(c, ctx),
  );
}
