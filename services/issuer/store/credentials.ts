import { createHmac, randomBytes, randomInt } from "node:crypto";
import { canonicalize, CodedError } from "../../../core/index.ts";
import type { Sqlite } from "./sqlite.ts";

export class StoreError extends CodedError<"index_space_exhausted" | "unknown_credential" | "idempotency_conflict" | "invalid_transition"> {}

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

export const CREDENTIALS_SCHEMA = `
CREATE TABLE IF NOT EXISTS credentials (
  id TEXT PRIMARY KEY, type TEXT NOT NULL, holder TEXT NOT NULL, issued_at INTEGER NOT NULL,
  valid_until INTEGER NOT NULL, revocation_list INTEGER NOT NULL, revocation_index INTEGER NOT NULL,
  suspension_list INTEGER NOT NULL, suspension_index INTEGER NOT NULL,
  idempotency_key TEXT UNIQUE, request_hash TEXT NOT NULL, operator TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS allocated_indices (
  list_id INTEGER NOT NULL, idx INTEGER NOT NULL, credential_id TEXT NOT NULL,
  PRIMARY KEY (list_id, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS service_secrets (name TEXT PRIMARY KEY, secret BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS credential_copies (
  credential_id TEXT PRIMARY KEY REFERENCES credentials(id), batch_id TEXT NOT NULL, copy INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS credential_copies_batch ON credential_copies (batch_id);
`;

/** At most this many copies of one credential in a batch (each costs a signature and two status indices). */
export const MAX_COPIES = 20;

/** How long an Idempotency-Key is honoured: after it, the key and the request's hash are forgotten. */
export const IDEMPOTENCY_WINDOW = 86_400;

/** How many random draws before concluding a list is (nearly) full. */
const ALLOCATION_ATTEMPTS = 64;

interface Pending {
  args: [IssuanceRequest, string | undefined, string];
  resolve: (r: CredentialRecord) => void;
  reject: (e: unknown) => void;
}

/**
 * Issued-credential records (no claims: only what revocation and audit need) and their status
 * indices, allocated at random under a (list, index) primary key.
 */
export class Credentials {
  readonly #sql: Sqlite;
  readonly #hashKey: Buffer;
  #pending: Pending[] = [];

  constructor(sql: Sqlite) {
    this.#sql = sql;
    sql.sql("INSERT OR IGNORE INTO service_secrets (name, secret) VALUES ('request_hash', ?)").run(randomBytes(32));
    this.#hashKey = Buffer.from((sql.sql("SELECT secret FROM service_secrets WHERE name = 'request_hash'").get() as { secret: Uint8Array }).secret);
  }

  /**
   * What tells a retried Idempotency-Key from a different request: an HMAC under this store's
   * own secret, so the few values a claim can take cannot be tried against it (an unkeyed hash
   * of an enum gives the claim away).
   */
  requestHash(request: unknown): string {
    return `hmac:${createHmac("sha256", this.#hashKey).update(canonicalize(request)).digest("base64url")}`;
  }

  /** Forgets the idempotency keys and request hashes of issuances older than the window. */
  forgetRequestHashes(now: number): number {
    const sql = "UPDATE credentials SET request_hash = '', idempotency_key = NULL WHERE issued_at < ? AND request_hash != ''";
    return Number(this.#sql.sql(sql).run(now - IDEMPOTENCY_WINDOW).changes);
  }

  /** A previous issuance under this idempotency key, if any. */
  byIdempotencyKey(key: string): CredentialRecord | undefined {
    const row = this.#sql.sql("SELECT * FROM credentials WHERE idempotency_key = ?").get(key) as CredentialRow | undefined;
    return row && toRecord(row);
  }

  get(id: string): CredentialRecord | undefined {
    const row = this.#sql.sql("SELECT * FROM credentials WHERE id = ?").get(id) as CredentialRow | undefined;
    return row && toRecord(row);
  }

  /**
   * Every copy of the credential `id` names (a copy's id or the batch's id), oldest first; a
   * credential issued alone is its own only copy; nothing when unknown.
   */
  copiesOf(id: string): string[] {
    const rows = this.#sql
      .sql("SELECT credential_id FROM credential_copies WHERE batch_id = coalesce((SELECT batch_id FROM credential_copies WHERE credential_id = ?), ?) ORDER BY copy")
      .all(id, id) as { credential_id: string }[];
    if (rows.length) return rows.map((r) => r.credential_id);
    return this.get(id) ? [id] : [];
  }

  /** The batch a copy belongs to, if it was issued as one of several copies. */
  batchOf(id: string): string | undefined {
    return (this.#sql.sql("SELECT batch_id FROM credential_copies WHERE credential_id = ?").get(id) as { batch_id: string } | undefined)?.batch_id;
  }

  /**
   * Records several copies of one credential under one batch id, in one transaction (all or
   * none), each with its own random indices. The Idempotency-Key sits on the first copy: a replay
   * (same request hash) returns the whole stored batch.
   */
  recordBatch(batchId: string, copies: readonly IssuanceRequest[], idempotencyKey: string | undefined, operator: string): CredentialRecord[] {
    return this.#sql.transaction(() => {
      const existing = idempotencyKey ? this.byIdempotencyKey(idempotencyKey) : undefined;
      if (existing) {
        if (existing.requestHash !== copies[0]?.requestHash) throw new StoreError("idempotency_conflict", "this Idempotency-Key was used for a different request");
        return this.copiesOf(existing.id).map((id) => this.get(id) as CredentialRecord);
      }
      const link = this.#sql.sql("INSERT INTO credential_copies (credential_id, batch_id, copy) VALUES (?, ?, ?)");
      return copies.map((r, i) => {
        const record = this.#recordIn(r, i === 0 ? idempotencyKey : undefined, operator);
        link.run(record.id, batchId, i);
        return record;
      });
    });
  }

  /**
   * The records of one offer's redemption (issue 22 item 7: one redemption, one outcome), kept
   * under the offer's own key: recorded once, all copies in one transaction (as a batch when
   * `batchId` is given, else the one credential); a retry after a failure (the signer down, the
   * service killed before the wallet had its answer) gets the same records again, bound to the
   * holder keys the retry proves — none of them was delivered, so no holder had them yet.
   */
  recordForOffer(offerKey: string, copies: readonly IssuanceRequest[], operator: string, batchId: string | undefined): CredentialRecord[] {
    return this.#sql.transaction(() => {
      const existing = this.byIdempotencyKey(offerKey);
      if (!existing) return batchId ? this.recordBatch(batchId, copies, offerKey, operator) : [this.#recordIn(copies[0]!, offerKey, operator)];
      const ids = this.copiesOf(existing.id);
      if (ids.length !== copies.length || (batchId === undefined) !== (this.batchOf(existing.id) === undefined)) {
        throw new StoreError("idempotency_conflict", `this offer was redeemed for ${ids.length} holder key(s) ${this.batchOf(existing.id) ? "as a batch (proofs)" : "(proof)"}: retry the same way`);
      }
      const rebind = this.#sql.sql("UPDATE credentials SET holder = ? WHERE id = ? AND holder != ?");
      const records = ids.map((id, i) => {
        rebind.run(copies[i]!.holder, id, copies[i]!.holder);
        return this.get(id) as CredentialRecord;
      });
      this.#sql.audit(operator, "offer.retry", existing.id, { copies: ids.length }, copies[0]!.issuedAt);
      return records;
    });
  }

  count(): number {
    return Number((this.#sql.sql("SELECT count(*) AS n FROM credentials").get() as { n: number }).n);
  }

  /**
   * Allocates a random free index in each list and records the credential, in one
   * transaction: after a crash, either both indices and the record exist, or neither. The
   * (list, index) primary key makes a second credential on one index impossible.
   */
  record(r: IssuanceRequest, idempotencyKey: string | undefined, operator: string): CredentialRecord {
    return this.#sql.transaction(() => this.#recordIn(r, idempotencyKey, operator));
  }

  /**
   * `record` with group commit: requests arriving together share one transaction (each in its
   * own savepoint, so one failure fails only itself) and one fsync. Each promise resolves only
   * after that commit is durable: the same guarantee, far fewer disk syncs.
   */
  recordGrouped(r: IssuanceRequest, idempotencyKey: string | undefined, operator: string): Promise<CredentialRecord> {
    return new Promise((resolve, reject) => {
      if (this.#pending.push({ args: [r, idempotencyKey, operator], resolve, reject }) === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const group = this.#pending;
    this.#pending = [];
    const outcomes: ({ ok: true; value: CredentialRecord } | { ok: false; error: unknown })[] = [];
    try {
      this.#sql.transaction(() => {
        for (const item of group) {
          this.#sql.exec("SAVEPOINT issuance");
          try {
            outcomes.push({ ok: true, value: this.#recordIn(...item.args) });
            this.#sql.exec("RELEASE issuance");
          } catch (error) {
            this.#sql.exec("ROLLBACK TO issuance; RELEASE issuance");
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const item of group) item.reject(error);
      return;
    }
    group.forEach((item, i) => {
      const o = outcomes[i]!;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.error);
    });
  }

  #recordIn(r: IssuanceRequest, idempotencyKey: string | undefined, operator: string): CredentialRecord {
    if (idempotencyKey) {
      const existing = this.byIdempotencyKey(idempotencyKey);
      if (existing) {
        if (existing.requestHash !== r.requestHash) throw new StoreError("idempotency_conflict", "this Idempotency-Key was used for a different request");
        return existing;
      }
    }
    const revocation = { list: r.lists.revocation.id, index: this.#allocate(r.lists.revocation.id, r.lists.revocation.size, r.id) };
    const suspension = { list: r.lists.suspension.id, index: this.#allocate(r.lists.suspension.id, r.lists.suspension.size, r.id) };
    this.#sql
      .sql(
        `INSERT INTO credentials (id, type, holder, issued_at, valid_until, revocation_list, revocation_index,
         suspension_list, suspension_index, idempotency_key, request_hash, operator) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
      )
      .run(r.id, r.type, r.holder, r.issuedAt, r.validUntil, revocation.list, revocation.index, suspension.list, suspension.index, idempotencyKey ?? null, r.requestHash, operator);
    this.#sql.audit(operator, "credential.issue", r.id, { type: r.type, revocation, suspension }, r.issuedAt);
    return { id: r.id, type: r.type, holder: r.holder, issuedAt: r.issuedAt, validUntil: r.validUntil, revocation, suspension, requestHash: r.requestHash };
  }

  #allocate(list: number, size: number, credentialId: string): number {
    const insert = this.#sql.sql("INSERT OR IGNORE INTO allocated_indices (list_id, idx, credential_id) VALUES (?, ?, ?)");
    for (let attempt = 0; attempt < ALLOCATION_ATTEMPTS; attempt++) {
      const index = randomInt(size);
      if (Number(insert.run(list, index, credentialId).changes) === 1) return index;
    }
    throw new StoreError("index_space_exhausted", `status list ${list} is too full to allocate a random index: create a new list`);
  }
}

interface CredentialRow {
  id: string;
  type: string;
  holder: string;
  issued_at: number;
  valid_until: number;
  revocation_list: number;
  revocation_index: number;
  suspension_list: number;
  suspension_index: number;
  request_hash: string;
}

function toRecord(r: CredentialRow): CredentialRecord {
  return {
    id: r.id,
    type: r.type,
    holder: r.holder,
    issuedAt: Number(r.issued_at),
    validUntil: Number(r.valid_until),
    revocation: { list: Number(r.revocation_list), index: Number(r.revocation_index) },
    suspension: { list: Number(r.suspension_list), index: Number(r.suspension_index) },
    requestHash: r.request_hash,
  };
}
