/**
 * The verdict on screen: the word first and big (通过 / ACCEPT, 不通过 / REJECT, 无法确定 /
 * UNKNOWN), then type, issuing agency and region on every verdict (from the verified facts,
 * or as the credential states them when verification stopped before reaching them), the
 * reason in the language, the disclosed claims, and the checks that ran.
 */
import { type Check, FORMATS, isCredentialFormat, type TrustBundle, type Verdict } from "../../../core/index.ts";
import {
  agencyName,
  checkName,
  claimName,
  claimRows,
  dateTimeInWords,
  durationInWords,
  reasonText,
  regionName,
  timesInWords,
  typeName,
} from "../../../web/i18n.ts";
import type { PageLanguage } from "../../../web/language.ts";
import type { StatedFacts } from "../../../web/stated-facts.ts";
import { byId, el, isolated } from "../../../web/ui.ts";

/** Core's verdict, or the page's own before core could be asked (no bundle, no QR in a picture, not a Laissez QR at all). */
export type ShownVerdict =
  Verdict | { verdict: "unknown" | "reject"; reason: string; checks: Check[]; bundle?: undefined };

export interface VerdictOnScreen {
  readonly verdict: ShownVerdict;
  readonly stated: StatedFacts;
  /** The claims this page's challenge asked for when the scan was verified against one ([]: the whole credential). */
  readonly asked?: readonly string[];
  /** This checkpoint's region: a static QR made for another one is answered with what to ask the holder. */
  readonly region?: string;
}

/** Why a challenge-bound check refused what the holder showed: not an answer to this page's challenge. */
const NOT_AN_ANSWER = new Set([
  "presentation_required",
  "wrong_audience",
  "nonce_missing",
  "wrong_nonce",
  "audience_missing",
]);

const claimList = (claims: readonly string[], L: PageLanguage): string =>
  claims.map((c) => claimName(c, L.lang)).join(L.lang === "zh-CN" ? "、" : ", ");

function facts(shown: VerdictOnScreen, L: PageLanguage): HTMLElement[] {
  const { verdict: v, stated } = shown;
  const out: HTMLElement[] = [];
  const fact = (term: string, value: string | (Node | string)[], name: string): void =>
    void out.push(
      el("dt", {}, term),
      el("dd", { "data-fact": name }, ...(typeof value === "string" ? [value] : value)),
    );
  // Holder's and issuer's signatures both verified: what the credential states is the issuer's word, not a guess.
  const onPaper = "presentation" in v && v.presentation?.mode === "paper";
  const signed = v.checks.filter((c) => c.code === "signature" && c.ok).length >= (onPaper ? 1 : 2);
  // Names from the chain or the credential sit in an isolate; "as stated" follows, outside it.
  const stating = (value: string | undefined): (Node | string)[] =>
    value
      ? [
          isolated(value),
          ...(signed ? [] : [" ", el("span", { class: "unverified" }, L.t("checkpoint.fact.unverified"))]),
        ]
      : [L.t("checkpoint.fact.unreadable")];
  const verified = "bundle" in v && v.bundle !== undefined ? v : undefined;
  const type = verified?.credentialType;
  const issuer = verified?.issuer;
  fact(
    L.t("checkpoint.fact.type"),
    type ? [isolated(typeName(type, L.lang))] : stating(stated.type && typeName(stated.type, L.lang)),
    "type",
  );
  fact(
    L.t("checkpoint.fact.issuer"),
    issuer
      ? [isolated(agencyName(issuer.name, L.lang))]
      : stating(stated.issuerName && agencyName(stated.issuerName, L.lang)),
    "issuer",
  );
  fact(
    L.t("checkpoint.fact.region"),
    issuer
      ? [isolated(regionName(issuer.region, L.lang))]
      : stating(stated.region && regionName(stated.region, L.lang)),
    "region",
  );
  if (verified?.validUntil)
    fact(L.t("checkpoint.fact.validUntil"), dateTimeInWords(verified.validUntil, L.lang), "validUntil");
  const mode = verified?.presentation?.mode;
  if (mode) fact(L.t("checkpoint.fact.presented"), L.t(`checkpoint.mode.${mode}`), "mode");
  if (shown.asked)
    fact(
      L.t("checkpoint.fact.asked"),
      shown.asked.length ? claimList(shown.asked, L) : L.t("checkpoint.challenge.whole"),
      "asked",
    );
  // A format with selective disclosure: the holder chose what to show.
  if (verified?.format !== undefined && isCredentialFormat(verified.format) && FORMATS[verified.format].selective) {
    const shownClaims = Object.keys(verified.claims ?? {});
    fact(
      L.t("checkpoint.fact.disclosed"),
      shownClaims.length ? claimList(shownClaims, L) : L.t("checkpoint.fact.disclosedNone"),
      "disclosed",
    );
  }
  // SD-JWT VC: the holder chose what to show; the count of digests not disclosed includes decoys, so it bounds, not counts, the withheld claims.
  if (verified?.withheld !== undefined)
    fact(
      L.t("checkpoint.fact.withheld"),
      L.t("checkpoint.fact.withheldValue", { count: verified.withheld }),
      "withheld",
    );
  if (verified)
    fact(
      L.t("checkpoint.fact.data"),
      L.t("checkpoint.fact.dataValue", { age: durationInWords(verified.bundle.ageSeconds, L.lang) }),
      "data",
    );
  return out;
}

export function renderVerdict(shown: VerdictOnScreen | undefined, L: PageLanguage): void {
  const section = byId("verdict");
  if (!shown) {
    section.className = "verdict idle";
    section.dataset.verdict = "idle";
    byId("verdict-word").textContent = L.t("checkpoint.ready");
    byId("verdict-reason").textContent = L.t("checkpoint.scanPrompt");
    byId("verdict-hint").hidden = true;
    for (const id of ["verdict-facts", "verdict-claims", "verdict-checks"]) byId(id).replaceChildren();
    return;
  }
  const v = shown.verdict;
  section.className = `verdict ${v.verdict}`;
  section.dataset.verdict = v.verdict;
  section.dataset.reason = v.reason ?? "";
  byId("verdict-word").textContent = L.t(`checkpoint.verdict.${v.verdict}`);
  byId("verdict-facts").replaceChildren(...facts(shown, L));
  byId("verdict-reason").textContent = reasonText(v.reason, L.lang);
  const hint = byId("verdict-hint");
  const text = shown.asked
    ? v.reason && NOT_AN_ANSWER.has(v.reason)
      ? L.t("checkpoint.challenge.hint")
      : ""
    : v.reason === "wrong_audience" && shown.region
      ? L.t("checkpoint.hint.region", { region: regionName(shown.region, L.lang) })
      : "";
  hint.hidden = text === "";
  hint.textContent = text;
  // Family and given name as one name, in the language's order (李梅).
  const claims = "claims" in v && v.claims ? claimRows(v.claims, L.lang) : [];
  byId("verdict-claims").replaceChildren(
    ...claims.flatMap((c) => [el("dt", {}, c.label), el("dd", { "data-claim": c.key }, isolated(c.value))]),
  );
  // Each check by name in the language, a failed one with its reason in words; core's own words (English) below, for whoever looks further.
  const check = (c: ShownVerdict["checks"][number]): string =>
    c.ok || !c.reason
      ? checkName(c.code, L.lang)
      : L.t("checkpoint.checks.failed", { check: checkName(c.code, L.lang), reason: reasonText(c.reason, L.lang) });
  byId("verdict-checks").replaceChildren(
    ...v.checks.map((c) =>
      el(
        "li",
        { class: c.ok ? "ok" : "failed", "data-check": c.code },
        `${c.ok ? "✓" : "✗"} ${check(c)}`,
        el("span", { class: "detail", lang: "en" }, timesInWords(c.detail, L.lang)),
      ),
    ),
  );
}

/** How fresh the bundle is for the strictest type it carries: ok, amber (past 3/4 of it), or stale. */
export function freshness(
  bundle: TrustBundle,
  now: number,
): { level: "ok" | "amber" | "stale"; type: string; max: number } {
  let strictest: [string, number] = ["", Infinity];
  for (const [type, entry] of Object.entries(bundle.credentialTypes))
    if (entry.maxStatusAge < strictest[1]) strictest = [type, entry.maxStatusAge];
  const age = now - bundle.block.timestamp;
  const [type, max] = strictest;
  return { level: age > max ? "stale" : age > 0.75 * max ? "amber" : "ok", type, max };
}

export function bundleLine(
  bundle: TrustBundle | undefined,
  now: number,
  L: PageLanguage,
): { text: string; level: string; warning: string | undefined } {
  if (!bundle) return { text: L.t("checkpoint.bundle.none"), level: "stale", warning: undefined };
  const f = freshness(bundle, now);
  const text = L.t("checkpoint.bundle.age", {
    age: durationInWords(now - bundle.block.timestamp, L.lang),
    time: dateTimeInWords(bundle.block.timestamp, L.lang),
  });
  const args = { type: typeName(f.type, L.lang), max: durationInWords(f.max, L.lang) };
  const warning =
    f.level === "amber"
      ? L.t("checkpoint.bundle.amber", args)
      : f.level === "stale"
        ? L.t("checkpoint.bundle.stale", args)
        : undefined;
  return { text, level: f.level, warning };
}
