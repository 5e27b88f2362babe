/**
 * A credential's status as the holder understands it, from a trust bundle: what the web wallet's
 * card and `laissez wallet list` say (valid / suspended / revoked / expired / issuer no longer
 * accredited / unknown / invalid), with the
 * core reason code kept for the words each surface chooses.
 */
import { type SignatureVerifier, type TrustBundle, verifyCredential } from "../core/index.ts";
import type { StoredCredential } from "./store.ts";

export type StatusKind = "valid" | "suspended" | "revoked" | "expired" | "not_accredited" | "unknown" | "invalid";

/** Core reasons that say the issuing agency may no longer issue this (the holder did nothing wrong). */
const ISSUER_NO_LONGER = new Set([
  "issuer_not_accredited",
  "accreditation_expired",
  "accreditation_withdrawn",
  "issuer_suspended",
  "issuer_removed",
]);

/** Only a valid credential may look valid: every other kind is shown without the credential's colours. */
export const looksValid = (kind: StatusKind): boolean => kind === "valid";

export interface HolderStatus {
  readonly kind: StatusKind;
  /** Core's reason code (null when valid). */
  readonly reason: string | null;
}

export function holderStatus(
  c: StoredCredential,
  bundle: TrustBundle,
  now: number,
  verifier: SignatureVerifier,
  keyCache?: Map<string, Uint8Array>,
): HolderStatus {
  const v = verifyCredential(c.jwt, {
    bundle,
    region: c.issuer.region ?? "",
    now,
    verifier,
    ...(keyCache ? { keyCache } : {}),
  });
  if (v.verdict === "accept") return { kind: "valid", reason: null };
  if (v.reason === "revoked" || v.reason === "suspended" || v.reason === "expired")
    return { kind: v.reason, reason: v.reason };
  if (v.reason && ISSUER_NO_LONGER.has(v.reason)) return { kind: "not_accredited", reason: v.reason };
  return { kind: v.verdict === "unknown" ? "unknown" : "invalid", reason: v.reason };
}

/** What the wallet remembers of its last sync: the bundle's block, the regions it names, each credential's status then. */
export interface WalletSync {
  /** Where the bundle came from (a file or a checkpoint's /bundle URL), used again by a bare `sync`. */
  readonly source: string;
  /** The region whose authority signed it. */
  readonly region: string;
  readonly block: number;
  readonly blockTime: number;
  readonly syncedAt: number;
  readonly regions: readonly string[];
  readonly statuses: Readonly<Record<string, HolderStatus>>;
}
