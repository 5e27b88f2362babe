import type { StatusAction } from "../../../core/index.ts";
import type { AuditHead, AuditRow } from "./audit-chain.ts";

/**
 * What the issuer service keeps, as async interfaces with domain names: the seam a storage
 * dialect implements (SQLite is the first, `sqlite/`). A dialect is storage only: the policy —
 * random index allocation, idempotency, token hashing, the audit hash chain, batch planning,
 * group commit — is shared code (`policy.ts`, `audit-chain.ts`, `group-commit.ts`) that every
 * dialect calls, and `store-behaviour.ts` in test/ is the suite every dialect must pass.
 *
 * Atomicity is part of the contract: each method that writes lands all of it (and its audit
 * entry) or none, and its promise resolves only once that is durable.
 */
export interface IssuerStore {
  readonly operators: OperatorStore;
  readonly credentials: CredentialStore;
  readonly outbox: OutboxStore;
  readonly offers: OfferStore;
  /** The append-only audit log, a hash chain whose head the audit anchoring puts on chain. */
  readonly auditChain: AuditLogStore;
  /** A value the service learnt once and keeps across restarts (e.g. the agency's lists, to start with the chain down). */
  setting<T>(name: string): Promise<T | undefined>;
  saveSetting(name: string, value: unknown): Promise<void>;
  /** Appends an audit entry outside any other write. */
  audit(operator: string, action: string, subject: string, detail: unknown, now?: number): Promise<void>;
  /** The newest entries first. */
  auditLog(limit?: number): Promise<AuditEntry[]>;
  /** How many rows each part holds (health, tests: "this request left nothing behind"). */
  census(): Promise<StoreCensus>;
  close(): Promise<void>;
}

export interface StoreCensus {
  readonly operators: number;
  readonly credentials: number;
  /** Status indices allocated (two per credential: revocation and suspension). */
  readonly allocatedIndices: number;
  /** Indices allocated to no recorded credential: a write that half-landed (must be 0). */
  readonly strayIndices: number;
  readonly outbox: number;
  /** Offers whose claims still wait (unredeemed, unexpired or not yet purged). */
  readonly offersWaiting: number;
  readonly offers: number;
  readonly audit: number;
  /** Credentials whose idempotency key and request hash are still kept (within the window). */
  readonly requestHashesKept: number;
}

export type Role = "issue" | "revoke" | "admin";

export interface Operator {
  readonly id: string;
  readonly name: string;
  readonly roles: readonly Role[];
  readonly expiresAt?: number;
}

export interface OperatorStore {
  /**
   * Creates an operator and returns its bearer token: shown once, stored only as a hash.
   * `expiresAt` (unix seconds) bounds a token handed to a temporary clerk or a script.
   */
  create(
    name: string,
    roles: readonly Role[],
    o?: { by?: string; now?: number; expiresAt?: number },
  ): Promise<{ operator: Operator; token: string }>;
  /** Disables an operator's token for good (the row stays: the audit log names it). False if there is no such operator. */
  disable(id: string, by: string, now?: number): Promise<boolean>;
  /** The operator a bearer token belongs to while enabled and unexpired, or undefined. */
  authenticate(token: string, now?: number): Promise<Operator | undefined>;
  count(): Promise<number>;
}

export interface StatusSlot {
  readonly list: number;
  readonly index: number;
}

export interface CredentialRecord {
  readonly id: string;
  readonly type: string;
  readonly holder: string;
  readonly issuedAt: number;
  readonly validUntil: number;
  readonly revocation: StatusSlot;
  readonly suspension: StatusSlot;
  readonly requestHash: string;
}

/** What issuance records: the credential's facts (no claims) and the lists to allocate indices in. */
export type IssuanceRequest = Omit<CredentialRecord, "revocation" | "suspension"> & {
  readonly lists: { revocation: { id: number; size: number }; suspension: { id: number; size: number } };
};

/** One issuance to record: the request, its Idempotency-Key, who asked. */
export interface Recording {
  readonly request: IssuanceRequest;
  readonly idempotencyKey: string | undefined;
  readonly operator: string;
}

/** One item's outcome in a group: recorded, or failed alone. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export interface CredentialStore {
  /**
   * What tells a retried Idempotency-Key from a different request: an HMAC under the store's
   * own secret (`keyedRequestHash`), so the few values a claim can take cannot be tried against it.
   */
  requestHash(request: unknown): string;
  /**
   * Allocates a random free index in each list (`candidateIndices`) and records the credential
   * and its audit entry, all or none; a repeated Idempotency-Key answers `replayOf`.
   */
  record(r: IssuanceRequest, idempotencyKey: string | undefined, operator: string): Promise<CredentialRecord>;
  /**
   * Records several independent issuances in one commit (what group commit hands over): each
   * lands or fails on its own (in order: a key repeated in the group replays the first), the
   * whole is durable once before any promise resolves.
   */
  recordAll(items: readonly Recording[]): Promise<Outcome<CredentialRecord>[]>;
  /**
   * Records several copies of one credential under one batch id, all or none, each with its
   * own random indices. The Idempotency-Key sits on the first copy: a replay (same request
   * hash) returns the whole stored batch.
   */
  recordBatch(
    batchId: string,
    copies: readonly IssuanceRequest[],
    idempotencyKey: string | undefined,
    operator: string,
  ): Promise<CredentialRecord[]>;
  /**
   * The records of one offer's redemption, kept under the offer's own key: recorded once, all
   * copies in one transaction (as a batch when `batchId` is given, else the one credential); a
   * retry after a failure gets the same records again, bound to the holder keys the retry proves
   * (audited `offer.retry`); a retry of another shape is `idempotency_conflict`.
   */
  recordForOffer(
    offerKey: string,
    copies: readonly IssuanceRequest[],
    operator: string,
    batchId: string | undefined,
  ): Promise<CredentialRecord[]>;
  get(id: string): Promise<CredentialRecord | undefined>;
  byIdempotencyKey(key: string): Promise<CredentialRecord | undefined>;
  /** Every copy of the credential `id` names (a copy's id or the batch's id), oldest first; a credential issued alone is its own only copy; nothing when unknown. */
  copiesOf(id: string): Promise<string[]>;
  /** The batch a copy belongs to, if it was issued as one of several copies. */
  batchOf(id: string): Promise<string | undefined>;
  /** Forgets the idempotency keys and request hashes of issuances older than the window (`IDEMPOTENCY_WINDOW`). Returns how many. */
  forgetRequestHashes(now: number): Promise<number>;
  count(): Promise<number>;
  /** The ids of the first `limit` credentials recorded (in no promised order beyond that). */
  ids(limit: number): Promise<string[]>;
}

export interface OutboxEntry {
  readonly seq: number;
  readonly credentialId: string;
  readonly action: StatusAction;
  readonly list: number;
  readonly index: number;
  readonly state: "pending" | "sending" | "anchored";
  readonly transaction: string | null;
  readonly block: number | null;
}

/** A pending status request, as batch planning (`planBatch`) reads it. */
export interface PendingRequest {
  readonly seq: number;
  readonly index: number;
  readonly action: StatusAction;
}

/** The next status changes to put in one transaction: one list, one direction. */
export interface BatchPlan {
  readonly listId: number;
  readonly set: boolean;
  readonly seqs: readonly number[];
  /** Distinct indices (a repeated request for one bit costs nothing more). */
  readonly indices: readonly number[];
}

/** A batch's signed transaction, stored before it is broadcast. */
export interface SignedBatch {
  readonly id: number;
  readonly rawTx: string;
  readonly txHash: string;
}

/** A batch as stored: `signed` until settled, then `anchored` or the reason it was requeued. */
export interface StoredBatch extends SignedBatch {
  readonly state: string;
  readonly block: number | null;
}

/**
 * The revocation outbox: status requests wait as `pending`, go `sending` in a signed batch,
 * and turn `anchored` only from a receipt. The status publisher moves them through these
 * states with these methods only.
 */
export interface OutboxStore {
  /** Queues status changes as `pending`, all or none (`unknown_credential` for an id not issued here). */
  enqueue(
    credentialIds: readonly string[],
    action: StatusAction,
    operator: string,
    now?: number,
  ): Promise<OutboxEntry[]>;
  /** The status requests of a credential, oldest first. */
  statusOf(credentialId: string): Promise<OutboxEntry[]>;
  /** Requests not yet anchored. */
  depth(): Promise<number>;
  lastAnchoredBlock(): Promise<number | null>;
  /** The oldest pending requests (at most `limit`) of the list the oldest pending request is on, oldest first. */
  pendingOfOldestList(limit: number): Promise<{ listId: number; requests: PendingRequest[] } | undefined>;
  /** Records a batch's signed transaction and moves its (still pending) requests to `sending`, before anything is broadcast. */
  recordSigned(plan: BatchPlan, rawTx: string, txHash: string, now: number): Promise<SignedBatch>;
  /** Batches signed and not yet settled (possibly broadcast before a crash), oldest first. */
  signedBatches(): Promise<SignedBatch[]>;
  /** A receipt says the batch's transaction succeeded in `block`: its requests are anchored (audited). Returns how many. */
  markAnchored(batch: SignedBatch, block: number, now: number): Promise<number>;
  /** The most recently anchored batches, newest first (what reconciliation checks against the chain). */
  anchoredBatches(limit: number): Promise<(SignedBatch & { readonly block: number })[]>;
  /** The batch will never land as signed, or the chain no longer has it (`why`): its requests go back to pending, in order (audited). */
  requeue(batch: SignedBatch, why: string, now: number): Promise<void>;
  /** The batch a credential's latest request is in, as stored (what a restarted worker finds). */
  latestBatchOf(credentialId: string): Promise<StoredBatch | undefined>;
  /** Batches in a state, oldest first. */
  batches(state: string): Promise<StoredBatch[]>;
  /** How many requests of an action are in a state. */
  countRequests(action: StatusAction, state: OutboxEntry["state"]): Promise<number>;
}

export interface RedeemableOffer {
  readonly codeHash: Uint8Array;
  readonly type: string;
  readonly claims: unknown;
  readonly validFor: number;
  readonly operator: string;
  readonly cNonce: string;
  /** The one format the offer names (jwt_vc, sd_jwt_vc), or null: the wallet chooses. */
  readonly format: string | null;
}

/**
 * Credential offers (OpenID4VCI pre-authorized code). The claims wait until the wallet redeems
 * the offer or it expires, and are erased then; codes and tokens are stored hashed.
 */
export interface OfferStore {
  /** Records an offer (audited); returns its one-time pre-authorized code. */
  create(
    o: { type: string; claims: unknown; validFor: number; operator: string; expiresAt: number; format?: string },
    now?: number,
  ): Promise<string>;
  /** Exchanges a pre-authorized code (once, before expiry) for an access token and a c_nonce. */
  redeemCode(code: string, now: number): Promise<{ accessToken: string; cNonce: string } | undefined>;
  /** The offer an access token was issued for, while it is unredeemed, unclaimed and unexpired. */
  forToken(accessToken: string, now: number): Promise<RedeemableOffer | undefined>;
  /** Takes the offer for one redemption, atomically: of racing redemptions exactly one gets it. */
  claim(accessToken: string, now: number): Promise<RedeemableOffer | undefined>;
  /** Gives a claimed, unredeemed offer back (issuing failed before anything was recorded). */
  release(codeHash: Uint8Array): Promise<void>;
  /** Gives back every claim (at start: a killed service's requests answer no more). Returns how many. */
  releaseAbandonedClaims(): Promise<number>;
  /** Marks an offer redeemed and erases its claims. */
  complete(codeHash: Uint8Array, credentialId: string): Promise<void>;
  /** Erases the claims of offers that expired unredeemed. Returns how many. */
  purgeExpired(now: number): Promise<number>;
}

export interface AuditEntry {
  readonly seq: number;
  readonly at: number;
  readonly operator: string;
  readonly action: string;
  readonly subject: string;
  readonly detail: unknown;
}

export interface AuditLogStore {
  /** Appends one entry chained to the last (`nextAuditRow`), atomically: two writers never fork the chain. */
  append(operator: string, action: string, subject: string, detail: unknown, now: number): Promise<AuditHead>;
  head(): Promise<AuditHead>;
  /** One entry as stored (undefined past the head). */
  entryAt(seq: number): Promise<AuditRow | undefined>;
  /** The entries `from`…`to` (inclusive) as stored, in order: what audit anchoring re-hashes before it anchors. */
  entriesBetween(from: number, to: number): Promise<AuditRow[]>;
  /** Every entry as stored, in seq order (what `checkAuditChain` walks). */
  rows(): AsyncIterable<AuditRow>;
}
