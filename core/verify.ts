import { CompactError, COMPACT_PREFIX, expandPresentation } from "./compact.ts";
import { expandSdJwtPresentation, SD_COMPACT_PREFIX } from "./compact-sd-jwt.ts";
import { isSdJwt } from "./sd-jwt.ts";
import { checkKeyBinding, decodeSdJwtVc } from "./sd-jwt-verify.ts";
import { regionAudience, TYP } from "./credential.ts";
import { holderDidProblem, holderPublicKey } from "./did.ts";
import { isObject, type JsonValue } from "./json.ts";
import { decodeJwtHeader } from "./jwt.ts";
import { decodeJwtVc, decodeToken, intClaim } from "./jwt-vc.ts";
import { checkCredential, checkSignature } from "./trust-checks.ts";
import {
  DEFAULT_CHALLENGE_WINDOW,
  DEFAULT_SKEW,
  DEFAULT_STATIC_WINDOW,
  finish,
  Run,
  type Verdict,
  type VerifyCredentialParameters,
  type VerifyPresentationParameters,
} from "./verdict.ts";

export type { Check, CheckCode, Verdict, VerdictKind, VerifyCredentialParameters, VerifyPresentationParameters } from "./verdict.ts";
export { DEFAULT_CHALLENGE_WINDOW, DEFAULT_SKEW, DEFAULT_STATIC_WINDOW } from "./verdict.ts";

/** Verifies a bare credential (no holder binding) against the bundle: never throws for a bad credential. */
export function verifyCredential(token: string, p: VerifyCredentialParameters): Verdict {
  const run = new Run();
  const facts = checkCredential(run, p, token, isSdJwt(token) ? decodeSdJwtVc : decodeJwtVc);
  return finish(run, p, facts ?? {});
}

/**
 * Verifies a holder's presentation: the VP JWT's signature by the holder's P-256 key, the
 * credential inside it, holder = subject, and either the checkpoint's challenge (aud,
 * nonce, once) or, for a static QR, a short iat window. The verdict says which mode.
 * Takes the VP JWT or its compact QR form (`LZ1:`, core/compact.ts), or an SD-JWT VC
 * presentation with its KB-JWT, or that in its compact QR form (`LZ2:`, core/compact-sd-jwt.ts).
 */
export function verifyPresentation(token: string, p: VerifyPresentationParameters): Verdict {
  const run = new Run();
  for (const [prefix, expand] of [[COMPACT_PREFIX, expandPresentation], [SD_COMPACT_PREFIX, expandSdJwtPresentation]] as const) {
    if (typeof token !== "string" || !token.startsWith(prefix)) continue;
    try {
      token = expand(token);
      run.pass("encoding", `compact QR form (${prefix})`);
    } catch (e) {
      run.fail("encoding", e instanceof CompactError ? e.code : "compact_malformed", (e as Error).message);
      return finish(run, p);
    }
  }
  if (isSdJwt(token)) return verifySdJwtPresentation(run, p, token);
  const vp = checkPresentationToken(run, p, token);
  if (!vp) return finish(run, p);
  const facts = checkCredential(run, p, vp.credential, decodeJwtVc);
  if (facts && facts.holder !== vp.holder) run.fail("holder_binding", "holder_mismatch", "the presenting holder is not the credential's subject");
  else if (facts) {
    run.pass("holder_binding", "presented by the credential's subject");
    checkRequestedClaims(run, p, facts.claims);
  }
  spendNonce(run, p, vp.holder);
  return finish(run, p, { ...(facts ?? {}), presentation: { mode: vp.mode, issuedAt: vp.issuedAt, audience: vp.audience } });
}

/**
 * An SD-JWT VC presentation: the KB-JWT (present, typ, signed by the credential's cnf key,
 * sd_hash over exactly what is shown), the same binding as a VP JWT (challenge, or a static QR
 * for this region), then the credential through the same trust checks as a jwt_vc. The verdict
 * carries only the disclosed claims and the count of undisclosed digests.
 */
function verifySdJwtPresentation(run: Run, p: VerifyPresentationParameters, token: string): Verdict {
  const kb = checkKeyBinding(run, token, (jwt, publicKey) => checkSignature(run, p, jwt, "ES256", { publicKey }));
  if (!kb) return finish(run, p);
  const aud = Array.isArray(kb.aud) && kb.aud.length === 1 ? kb.aud[0] : kb.aud;
  const audience = typeof aud === "string" ? aud : "";
  if (!checkBinding(run, p, { holder: kb.holder, mode: kb.mode, issuedAt: kb.issuedAt, audience, nonce: kb.nonce, exp: kb.exp, nbf: kb.nbf })) return finish(run, p);
  const facts = checkCredential(run, p, token, decodeSdJwtVc);
  // checkKeyBinding verified the KB-JWT with the very cnf key the credential's holder is derived from.
  if (facts && facts.holder !== kb.holder) run.fail("holder_binding", "holder_mismatch", "the key binding is not by the credential's holder key");
  else if (facts) checkRequestedClaims(run, p, facts.claims);
  spendNonce(run, p, kb.holder);
  return finish(run, p, { ...(facts ?? {}), presentation: { mode: kb.mode, issuedAt: kb.issuedAt as number, audience } });
}

/** The claims the checkpoint's challenge asked for were all disclosed. */
function checkRequestedClaims(run: Run, p: VerifyPresentationParameters, claims: Record<string, unknown>): void {
  const wanted = p.challenge?.claims;
  if (!wanted?.length) return;
  const missing = wanted.filter((n) => !Object.hasOwn(claims, n));
  if (missing.length) run.fail("disclosure", "claims_not_disclosed", `not disclosed: ${missing.join(", ").slice(0, 120)}`);
  else run.pass("disclosure", `disclosed what this checkpoint asked for: ${wanted.join(", ").slice(0, 120)}`);
}

interface CheckedPresentation {
  readonly holder: string;
  readonly credential: string;
  readonly mode: "challenge" | "static";
  readonly issuedAt: number;
  readonly audience: string;
}

/** The VP JWT's own checks: typ, alg, holder key, signature, one credential, binding. */
function checkPresentationToken(run: Run, p: VerifyPresentationParameters, token: string): CheckedPresentation | undefined {
  const jwt = decodeToken(run, token);
  if (!jwt) return undefined;
  const { header, payload } = jwt;
  if (header.typ !== TYP.presentation) return void run.fail("typ", "wrong_typ", `typ ${JSON.stringify(header.typ)} is not ${TYP.presentation}`);
  if (header.alg !== "ES256") return void run.fail("alg", "unsupported_alg", `holder alg ${JSON.stringify(header.alg)} is not ES256`);
  run.pass("typ", TYP.presentation);
  const holder = typeof payload.iss === "string" ? payload.iss : "";
  const holderKey = holderPublicKey(holder);
  if (!holderKey) {
    const problem = holderDidProblem(holder) ?? "holder_did_unsupported";
    return void run.fail("holder", problem, problem === "holder_did_noncanonical" ? "the presenting holder's DID is another spelling of its key: only the canonical one is accepted" : "presentation issuer must be a P-256 did:key or did:jwk");
  }
  if (typeof header.kid === "string" && header.kid.split("#")[0] !== holder) return void run.fail("holder", "kid_mismatch", "kid does not belong to the presenting holder");
  if (!checkSignature(run, p, jwt, "ES256", { publicKey: holderKey })) return undefined;

  const vp = payload.vp;
  const vcs = isObject(vp) && Array.isArray(vp.verifiableCredential) ? vp.verifiableCredential : undefined;
  if (!vcs || vcs.length !== 1 || typeof vcs[0] !== "string") {
    return void run.fail("presentation", "malformed_presentation", "vp.verifiableCredential must hold exactly one credential JWT");
  }
  const issuedAt = intClaim(payload.iat);
  const mode = payload.nonce === undefined ? "static" : "challenge";
  const aud = Array.isArray(payload.aud) && payload.aud.length === 1 ? payload.aud[0] : payload.aud;
  const audience = typeof aud === "string" ? aud : "";
  if (!checkBinding(run, p, { holder, mode, issuedAt, audience, nonce: payload.nonce, exp: payload.exp, nbf: payload.nbf })) return undefined;
  return { holder, credential: vcs[0], mode, issuedAt: issuedAt as number, audience };
}

interface Binding {
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
  if ((b.exp !== undefined && exp === undefined) || (b.nbf !== undefined && nbf === undefined)) return run.fail("presentation", "malformed_presentation", "the presentation's exp and nbf must be integers");
  if (exp !== undefined && now - skew >= exp) return run.fail("presentation", "presentation_expired", `the presentation expired at ${exp} (now ${now}, skew ${skew} s)`);
  if (nbf !== undefined && now + skew < nbf) return run.fail("presentation", "presentation_not_yet_valid", `the presentation is not valid before ${nbf} (now ${now}, skew ${skew} s)`);
  return true;
}

/** Either the checkpoint's challenge (aud, nonce, once), or a static presentation for this region with a short window. */
function checkBinding(run: Run, p: VerifyPresentationParameters, b: Binding): boolean {
  const skew = p.skew ?? DEFAULT_SKEW;
  const window = b.mode === "static" ? (p.staticWindow ?? DEFAULT_STATIC_WINDOW) : (p.challengeWindow ?? DEFAULT_CHALLENGE_WINDOW);
  const iat = b.issuedAt;
  if (iat === undefined || iat > p.now + skew || p.now - iat > window) {
    return run.fail("presentation", "presentation_expired", `presentation iat ${iat ?? "missing"} outside the ${window} s window`);
  }
  if (!checkPresentationTimes(run, p.now, skew, b)) return false;
  if (p.challenge) {
    if (b.audience !== p.challenge.audience) return run.fail("presentation", "wrong_audience", "presentation is not addressed to this checkpoint");
    if (b.nonce === undefined) return run.fail("presentation", "nonce_missing", "this checkpoint asked for a nonce");
    if (b.nonce !== p.challenge.nonce) return run.fail("presentation", "wrong_nonce", "nonce does not match this checkpoint's challenge");
  } else if (b.mode === "challenge") {
    return run.fail("presentation", "wrong_nonce", "presentation carries a nonce, but this checkpoint issued no challenge");
  } else if (b.audience === "") {
    return run.fail("presentation", "audience_missing", "a static presentation must name the region it is for (aud)");
  } else if (b.audience !== regionAudience(p.region)) {
    return run.fail("presentation", "wrong_audience", `static presentation is for ${b.audience.slice(0, 60)}, not ${regionAudience(p.region)}`);
  }
  run.pass("presentation", b.mode === "static" ? `static presentation for ${p.region}, iat within ${window} s` : "bound to this checkpoint's challenge");
  return true;
}

/**
 * Spends the challenge's nonce, last: only a presentation that passed every other check uses it
 * (issue 22 item 14). Spent at the binding check, a junk answer signed by anyone's key who read
 * the challenge off the screen used it up, and the holder then got nonce_reused. Synchronous with
 * the checks before it, so of racing answers exactly one spends it. Keyed on holder + nonce, never
 * on token bytes (a re-encoded signature would slip past); callers may key on the nonce alone.
 */
function spendNonce(run: Run, p: VerifyPresentationParameters, holder: string): void {
  if (run.failed || !p.challenge || !p.consumeNonce) return;
  if (!p.consumeNonce(`${holder}|${p.challenge.nonce}`)) run.fail("presentation", "nonce_reused", "this nonce was already used");
}

/**
 * Is this token a presentation (VP JWT, an SD-JWT with its KB-JWT, or their QR forms), rather
 * than a bare credential? An SD-JWT ending in `~` carries no key binding: a bare credential.
 */
export function isPresentation(token: string): boolean {
  if (typeof token !== "string") return false;
  if (token.startsWith(COMPACT_PREFIX) || token.startsWith(SD_COMPACT_PREFIX)) return true;
  if (isSdJwt(token)) return !token.endsWith("~");
  try {
    return decodeJwtHeader(token).typ === TYP.presentation;
  } catch {
    return false;
  }
}

export interface VerifyTokenParameters extends VerifyPresentationParameters {
  /** Refuse a bare credential even without a challenge (a checkpoint always wants holder binding). */
  readonly requirePresentation?: boolean;
}

/**
 * The one entry point for a token of unknown kind (what a scanner or a pasted file gives): a
 * presentation (VP JWT, SD-JWT + KB-JWT, `LZ1:`/`LZ2:` QR text) is verified as one; anything else as a bare credential —
 * unless a challenge was demanded or a presentation is required: a bare credential carries no
 * holder binding, so it cannot answer a challenge (`presentation_required`).
 */
export function verifyToken(token: string, p: VerifyTokenParameters): Verdict {
  if (isPresentation(token)) return verifyPresentation(token, p);
  if (p.challenge || p.requirePresentation) {
    const run = new Run();
    run.fail("presentation", "presentation_required", p.challenge ? "a challenge was demanded: only a presentation bound to it answers, not a bare credential" : "a presentation (holder binding) is required, not a bare credential");
    return finish(run, p);
  }
  return verifyCredential(token, p);
}
