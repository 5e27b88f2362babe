import type { BlockRef, TrustBundle } from "./bundle.ts";
import type { SignatureVerifier } from "./crypto.ts";
import type { JsonValue } from "./json.ts";
import type { ReasonCode } from "./reasons.ts";
import type { CredentialFormat } from "./format-names.ts";

export type VerdictKind = "accept" | "reject" | "unknown";

/** The checks a verdict can record, in the order they run. */
export type CheckCode =
  | "encoding"
  | "format"
  | "typ"
  | "alg"
  | "holder"
  | "signature"
  | "presentation"
  | "clock"
  | "issuer"
  | "key"
  | "validity"
  | "key_validity"
  | "issuer_status"
  | "credential"
  | "accreditation"
  | "recognition"
  | "schema"
  | "status"
  | "freshness"
  | "holder_binding"
  | "bundle"
  | "paper"
  | "disclosure";

/** One check that ran: `code` names the check; `reason` is the stable failure code when !ok. */
export interface Check {
  readonly code: CheckCode;
  readonly ok: boolean;
  readonly reason?: ReasonCode;
  readonly detail: string;
}

export interface Verdict {
  readonly verdict: VerdictKind;
  /** The first failing check's reason (null on accept). */
  readonly reason: ReasonCode | null;
  readonly checks: readonly Check[];
  readonly issuer?: { readonly did: string; readonly name: string; readonly region: string };
  readonly credentialType?: string;
  readonly credentialId?: string;
  readonly holder?: string;
  readonly validUntil?: number;
  /** Only the claims the credential disclosed. */
  readonly claims?: Record<string, JsonValue>;
  /**
   * How the credential was shown: bound to a checkpoint's challenge, static (a region), or on
   * paper (core/paper.ts: no holder key, `audience` empty); `audience` is what it named.
   */
  readonly presentation?: {
    readonly mode: "challenge" | "static" | "paper";
    readonly issuedAt: number;
    readonly audience: string;
  };
  /** The credential's format. */
  readonly format?: CredentialFormat;
  /** SD-JWT VC: how many digests were not disclosed (withheld claims or decoys). */
  readonly withheld?: number;
  readonly bundle: { readonly block: BlockRef; readonly ageSeconds: number };
}

export interface VerifyCredentialParameters {
  readonly bundle: TrustBundle;
  /** The checkpoint's region: its recognition policy applies. */
  readonly region: string;
  /** The checkpoint's clock, unix seconds. */
  readonly now: number;
  readonly verifier: SignatureVerifier;
  /** Clock skew tolerated on nbf/exp/iat, seconds (stated in every verdict's detail). */
  readonly skew?: number;
  /** Public keys recovered for address keys, so each address costs one recovery per process. */
  readonly keyCache?: Map<string, Uint8Array>;
}

export interface VerifyPresentationParameters extends VerifyCredentialParameters {
  /** The checkpoint's challenge. Without one, only a static presentation (no nonce) is accepted. */
  readonly challenge?: {
    readonly audience: string;
    readonly nonce: string;
    /** Claims this checkpoint needs to see (e.g. only `healthStatus`): a presentation that withholds one is refused. */
    readonly claims?: readonly string[];
  };
  /**
   * Spends the challenge's nonce: returns false when this key was seen before (a replayed nonce).
   * Called only for a presentation that passed every other check, so a failed one leaves it usable.
   */
  readonly consumeNonce?: (key: string) => boolean;
  /** How old a presentation's iat may be: short for static QR codes. */
  readonly staticWindow?: number;
  readonly challengeWindow?: number;
}

export const DEFAULT_SKEW = 60;
export const DEFAULT_STATIC_WINDOW = 300;
export const DEFAULT_CHALLENGE_WINDOW = 120;

/** Reasons that make a verdict `unknown` (cannot decide) rather than `reject`. */
const UNDECIDABLE = new Set<ReasonCode>(["clock_before_bundle", "status_stale", "schema_unavailable"]);

/** A check's failure, produced early and reported where its check runs (keeps the verdict's order). */
export interface Problem {
  readonly reason: ReasonCode;
  readonly detail: string;
}

export const isProblem = (v: object): v is Problem => "reason" in v && "detail" in v;

/** The checks of one verification, in the order they ran; the first failure decides. */
export class Run {
  readonly checks: Check[] = [];
  failed: Check | undefined;
  pass(code: CheckCode, detail: string): void {
    this.checks.push({ code, ok: true, detail });
  }
  /** Records a failure; returns false so callers can `return run.fail(...)`. */
  fail(code: CheckCode, reason: ReasonCode, detail: string): false {
    const c = { code, ok: false, reason, detail };
    this.checks.push(c);
    this.failed ??= c;
    return false;
  }
}

/**
 * The verdict when no bundle could be used (bad signature, rollback, none yet): `unknown`, one
 * failed `bundle` check. The caller cannot decide, whatever the token.
 */
export function bundleUnusableVerdict(reason: ReasonCode, detail: string): Verdict {
  return {
    verdict: "unknown",
    reason,
    checks: [{ code: "bundle", ok: false, reason, detail }],
    bundle: { block: { number: 0, hash: "", timestamp: 0 }, ageSeconds: 0 },
  };
}

export function finish(run: Run, p: VerifyCredentialParameters, extra: Partial<Verdict> = {}): Verdict {
  const f = run.failed;
  const verdict: VerdictKind = !f ? "accept" : f.reason && UNDECIDABLE.has(f.reason) ? "unknown" : "reject";
  const bundle = { block: p.bundle.block, ageSeconds: Math.max(0, p.now - p.bundle.block.timestamp) };
  return { ...extra, verdict, reason: f?.reason ?? null, checks: run.checks, bundle };
}
