import { regionAudience } from "./credential.ts";
import type { JsonValue } from "./json.ts";
import { intClaim } from "./token-checks.ts";
import {
  DEFAULT_CHALLENGE_WINDOW,
  DEFAULT_SKEW,
  DEFAULT_STATIC_WINDOW,
  type Run,
  type VerifyPresentationParameters,
} from "./verdict.ts";

/**
 * The checks every presentation gets, whatever its format: the binding (the checkpoint's
 * challenge, or a static presentation's region and short window) and the claims a challenge
 * asked for. A format's own presentation checks (core/formats/*) hand over the `Binding`.
 */

export interface Binding {
  readonly holder: string;
  readonly mode: "challenge" | "static";
  readonly issuedAt: number | undefined;
  /** The one audience the presentation names ("" for none). */
  readonly audience: string;
  readonly nonce: unknown;
  /** The presentation's own `exp` / `nbf`, when it states them (checked with the stated skew). */
  readonly exp: JsonValue | undefined;
  readonly nbf: JsonValue | undefined;
}

/** The presentation's own `exp` and `nbf` (optional; integers when present), with the stated skew. */
function checkPresentationTimes(run: Run, now: number, skew: number, b: Binding): boolean {
  const exp = b.exp === undefined ? undefined : intClaim(b.exp);
  const nbf = b.nbf === undefined ? undefined : intClaim(b.nbf);
  if ((b.exp !== undefined && exp === undefined) || (b.nbf !== undefined && nbf === undefined))
    return run.fail("presentation", "malformed_presentation", "the presentation's exp and nbf must be integers");
  if (exp !== undefined && now - skew >= exp)
    return run.fail(
      "presentation",
      "presentation_expired",
      `the presentation expired at ${exp} (now ${now}, skew ${skew} s)`,
    );
  if (nbf !== undefined && now + skew < nbf)
    return run.fail(
      "presentation",
      "presentation_not_yet_valid",
      `the presentation is not valid before ${nbf} (now ${now}, skew ${skew} s)`,
    );
  return true;
}

/** Either the checkpoint's challenge (aud, nonce, once), or a static presentation for this region with a short window. */
export function checkBinding(run: Run, p: VerifyPresentationParameters, b: Binding): boolean {
  const skew = p.skew ?? DEFAULT_SKEW;
  const window =
    b.mode === "static" ? (p.staticWindow ?? DEFAULT_STATIC_WINDOW) : (p.challengeWindow ?? DEFAULT_CHALLENGE_WINDOW);
  const iat = b.issuedAt;
  if (iat === undefined || iat > p.now + skew || p.now - iat > window) {
    return run.fail(
      "presentation",
      "presentation_expired",
      `presentation iat ${iat ?? "missing"} outside the ${window} s window`,
    );
  }
  if (!checkPresentationTimes(run, p.now, skew, b)) return false;
  if (p.challenge) {
    if (b.audience !== p.challenge.audience)
      return run.fail("presentation", "wrong_audience", "presentation is not addressed to this checkpoint");
    if (b.nonce === undefined) return run.fail("presentation", "nonce_missing", "this checkpoint asked for a nonce");
    if (b.nonce !== p.challenge.nonce)
      return run.fail("presentation", "wrong_nonce", "nonce does not match this checkpoint's challenge");
  } else if (b.mode === "challenge") {
    return run.fail(
      "presentation",
      "wrong_nonce",
      "presentation carries a nonce, but this checkpoint issued no challenge",
    );
  } else if (b.audience === "") {
    return run.fail("presentation", "audience_missing", "a static presentation must name the region it is for (aud)");
  } else if (b.audience !== regionAudience(p.region)) {
    return run.fail(
      "presentation",
      "wrong_audience",
      `static presentation is for ${b.audience.slice(0, 60)}, not ${regionAudience(p.region)}`,
    );
  }
  run.pass(
    "presentation",
    b.mode === "static"
      ? `static presentation for ${p.region}, iat within ${window} s`
      : "bound to this checkpoint's challenge",
  );
  return true;
}

/** The claims the checkpoint's challenge asked for were all disclosed. */
export function checkRequestedClaims(run: Run, p: VerifyPresentationParameters, claims: Record<string, unknown>): void {
  const wanted = p.challenge?.claims;
  if (!wanted?.length) return;
  const missing = wanted.filter((n) => !Object.hasOwn(claims, n));
  if (missing.length)
    run.fail("disclosure", "claims_not_disclosed", `not disclosed: ${missing.join(", ").slice(0, 120)}`);
  else run.pass("disclosure", `disclosed what this checkpoint asked for: ${wanted.join(", ").slice(0, 120)}`);
}

/**
 * Spends the challenge's nonce, last: only a presentation that passed every other check uses it
 * (issue 22 item 14). Spent at the binding check, a junk answer signed by anyone's key who read
 * the challenge off the screen used it up, and the holder then got nonce_reused. Synchronous with
 * the checks before it, so of racing answers exactly one spends it. Keyed on holder + nonce, never
 * on token bytes (a re-encoded signature would slip past); callers may key on the nonce alone.
 */
export function spendNonce(run: Run, p: VerifyPresentationParameters, holder: string): void {
  if (run.failed || !p.challenge || !p.consumeNonce) return;
  if (!p.consumeNonce(`${holder}|${p.challenge.nonce}`))
    run.fail("presentation", "nonce_reused", "this nonce was already used");
}
