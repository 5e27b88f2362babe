import { createHash, createHmac, randomBytes, randomInt } from "node:crypto";
import { canonicalize, CodedError, setsBit } from "../../../core/index.ts";
import type { BatchPlan, CredentialRecord, PendingRequest } from "./types.ts";

/**
 * The store's policy, shared by every dialect: what an index, a token, an idempotent replay and
 * a batch are. A dialect calls these and stores what they give; none of it is written in SQL.
 */

export class StoreError extends CodedError<
  "index_space_exhausted" | "unknown_credential" | "idempotency_conflict" | "invalid_transition"
> {}

export const unixNow = (): number => Math.floor(Date.now() / 1000);

/** At most this many copies of one credential in a batch (each costs a signature and two status indices). */
export const MAX_COPIES = 20;

/** How long an Idempotency-Key is honoured: after it, the key and the request's hash are forgotten. */
export const IDEMPOTENCY_WINDOW = 86_400;

/** How many random draws before concluding a list is (nearly) full. */
const ALLOCATION_ATTEMPTS = 64;

/**
 * The indices to try, in order, for a credential's status bit in a list of `size`: uniformly
 * random (a verifier who sees two credentials' indices learns nothing of their order). The
 * dialect takes the first one it can claim under its (list, index) uniqueness.
 */
export function* candidateIndices(size: number): Generator<number> {
  for (let attempt = 0; attempt < ALLOCATION_ATTEMPTS; attempt++) yield randomInt(size);
}

/** What a dialect throws when no candidate index was free. */
export const indexSpaceExhausted = (list: number): StoreError =>
  new StoreError(
    "index_space_exhausted",
    `status list ${list} is too full to allocate a random index: create a new list`,
  );

/**
 * A stored issuance found under the request's Idempotency-Key: the same request (same keyed
 * hash) gets the stored record back; a different one is refused.
 */
export function replayOf<T extends Pick<CredentialRecord, "requestHash">>(
  existing: T,
  requestHash: string | undefined,
): T {
  if (existing.requestHash !== requestHash)
    throw new StoreError("idempotency_conflict", "this Idempotency-Key was used for a different request");
  return existing;
}

/** The request hash under a store's own 32-byte secret: an HMAC, so an enum's few values cannot be tried against it. */
export function keyedRequestHash(key: Uint8Array, request: unknown): string {
  return `hmac:${createHmac("sha256", key).update(canonicalize(request)).digest("base64url")}`;
}

/** A fresh secret for `keyedRequestHash`, made once per store. */
export const newRequestHashKey = (): Buffer => randomBytes(32);

/** Bearer tokens, codes and access tokens are stored as their SHA-256 only (they are 256-bit random: no salt needed). */
export const hashToken = (token: string): Buffer => createHash("sha256").update(token).digest();

/** A new operator's id and bearer token (shown once). */
export const newOperator = (): { id: string; token: string } => ({
  id: `op_${randomBytes(8).toString("hex")}`,
  token: `lz_${randomBytes(32).toString("base64url")}`,
});

/** A one-time pre-authorized code. */
export const newOfferCode = (): string => randomBytes(32).toString("base64url");

/** What a redeemed code gives: an access token and the c_nonce proofs must sign. */
export const newAccessToken = (): { accessToken: string; cNonce: string } => ({
  accessToken: randomBytes(32).toString("base64url"),
  cNonce: randomBytes(16).toString("base64url"),
});

/**
 * How many pending requests of one list to read to plan a batch of `maxBits` distinct bits
 * (repeats of one bit are cheap, so read a few times more).
 */
export const planningWindow = (maxBits: number): number => maxBits * 4;

/**
 * The next batch from the oldest pending requests of one list: those that change bits the same
 * way as the first, stopping before an opposite change (suspend → reinstate of one list stays in
 * order), at most `maxBits` distinct bits.
 */
export function planBatch(listId: number, pending: readonly PendingRequest[], maxBits: number): BatchPlan | undefined {
  if (!pending.length) return undefined;
  const set = setsBit(pending[0]!.action);
  const seqs: number[] = [];
  const indices = new Set<number>();
  for (const r of pending) {
    if (setsBit(r.action) !== set) break;
    if (indices.size >= maxBits && !indices.has(r.index)) break;
    seqs.push(r.seq);
    indices.add(r.index);
  }
  return { listId, set, seqs, indices: [...indices] };
}
