/**
 * A credential's status as the holder understands it, from a trust bundle: what the web wallet's
 * card and `laissez wallet list` say (valid / suspended / revoked / unknown / invalid), with the
 * core reason code kept for the words each surface chooses.
 */
import { type SignatureVerifier, type TrustBundle, verifyCredential } from "../core/index.ts";
import type { StoredCredential } from "./store.ts";

export type StatusKind = "valid" | "suspended" | "revoked" | "unknown" | "invalid";

export interface HolderStatus {
  readonly kind: StatusKind;
  /** Core's reason code (null when valid). */
  readonly reason: string | null;
}

export function holderStatus(c: StoredCredential, bundle: TrustBundle, now: number, verifier: SignatureVerifier, keyCache?: Map<string, Uint8Array>): HolderStatus {
  const v = verifyCredential(c.jwt, { bundle, region: c.issuer.region ?? "", now, verifier, ...(keyCache ? { keyCache } : {}) });
  if (v.verdict === "accept") return { kind: "valid", reason: null };
  if (v.reason === "revoked" || v.reason === "suspended") return { kind: v.reason, reason: v.reason };
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
