import type { JsonValue } from "./json.ts";
import type { StatusPurpose } from "./ledger-events.ts";
import type { Problem, Run } from "./verdict.ts";

/**
 * The seam between a credential format and the trust checks. A format's decoder (jwt_vc in
 * core/jwt-vc.ts, SD-JWT VC in core/sd-jwt-verify.ts) parses its token, runs its format checks (`format`, `typ`,
 * `alg`), and hands over this neutral shape; core/trust-checks.ts then runs the checks every
 * format shares (issuer, key, signature, key validity, accreditation, recognition, validity,
 * schema, status, freshness), unchanged.
 *
 * What the decoder finds wrong in the payload it does not report itself: it returns a
 * `Problem` in the field, and the trust checks report it at the check it belongs to, after the
 * signature has been verified (so the verdict's order is the same for every format).
 */
export interface DecodedCredential {
  /** The format's name, for details: "jwt_vc", "sd_jwt_vc". */
  readonly format: string;
  /** The issuer's DID as the token states it (`iss`). */
  readonly issuer: string;
  /** The header's key id, "" when absent. */
  readonly kid: string;
  /** The issuer's algorithm: the key's type pins it. */
  readonly alg: "ES256K" | "EdDSA";
  /** The bytes the issuer's signature covers, and the raw signature (r‖s or Ed25519). */
  readonly signingInput: Uint8Array;
  readonly signature: Uint8Array;
  /** iat, nbf (defaults to iat), exp; undefined when iat or exp is missing. */
  readonly times: CredentialTimes | undefined;
  readonly content: CredentialContent | Problem;
}

export interface CredentialTimes {
  readonly issuedAt: number;
  readonly validFrom: number;
  readonly validUntil: number;
}

export interface CredentialContent {
  /** The credential's id (`jti`). */
  readonly id: string;
  /** The holder's DID: what a presentation's signer must be. */
  readonly holder: string;
  readonly credentialType: string;
  /** The claims disclosed (without the subject id): what the schema checks and the verdict shows. */
  readonly claims: Record<string, JsonValue>;
  /**
   * Selective disclosure only: digests without a disclosure (withheld claims and decoys, which
   * no verifier can tell apart). The schema then checks the disclosed claims without `required`.
   */
  readonly withheld?: number;
  /** Status references in the token's order; a malformed one is a Problem reported at `status`. */
  readonly status: readonly (StatusClaim | Problem)[];
}

/** A reference to one bit of a status list on chain. */
export interface StatusClaim {
  readonly purpose: StatusPurpose;
  /** The list's URL as the credential gives it (for messages). */
  readonly listUrl: string;
  /** The chain and list the URL names, or null when it names none. */
  readonly list: { readonly chainId: number; readonly listId: number } | null;
  /** The index as written: the trust checks accept only canonical decimal digits. */
  readonly index: string;
}

/** A format's decoder: records its own checks on `run`; returns undefined once one failed. */
export type CredentialDecoder = (run: Run, token: string) => DecodedCredential | undefined;
