import {
  candidateIndices,
  IDEMPOTENCY_WINDOW,
  indexSpaceExhausted,
  keyedRequestHash,
  newRequestHashKey,
  replayOf,
  StoreError,
} from "../policy.ts";
import type { CredentialRecord, CredentialStore, IssuanceRequest, Outcome, Recording } from "../types.ts";
import type { Sqlite } from "./connection.ts";

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

/**
 * Issued-credential records (no claims: only what revocation and audit need) and their status
 * indices, claimed under a (list, index) primary key from the random candidates policy draws.
 */
export class SqliteCredentials implements CredentialStore {
  readonly #sql: Sqlite;
  readonly #hashKey: Buffer;

  constructor(sql: Sqlite) {
    this.#sql = sql;
    sql.sql("INSERT OR IGNORE INTO service_secrets (name, secret) VALUES ('request_hash', ?)").run(newRequestHashKey());
    this.#hashKey = Buffer.from(
      (sql.sql("SELECT secret FROM service_secrets WHERE name = 'request_hash'").get() as { secret: Uint8Array })
        .secret,
    );
  }

  requestHash(request: unknown): string {
    return keyedRequestHash(this.#hashKey, request);
  }

  async forgetRequestHashes(now: number): Promise<number> {
    const sql =
      "UPDATE credentials SET request_hash = '', idempotency_key = NULL WHERE issued_at < ? AND request_hash != ''";
    return Number(this.#sql.sql(sql).run(now - IDEMPOTENCY_WINDOW).changes);
  }

  async byIdempotencyKey(key: string): Promise<CredentialRecord | undefined> {
    return this.#byIdempotencyKey(key);
  }

  async get(id: string): Promise<CredentialRecord | undefined> {
    return this.getNow(id);
  }

  /** `get` for the other parts of this dialect, inside their transactions. */
  getNow(id: string): CredentialRecord | undefined {
    const row = this.#sql.sql("SELECT * FROM credentials WHERE id = ?").get(id) as CredentialRow | undefined;
    return row && toRecord(row);
  }

  async copiesOf(id: string): Promise<string[]> {
    return this.#copiesOf(id);
  }

  async batchOf(id: string): Promise<string | undefined> {
    return this.#batchOf(id);
  }

  #batchOf(id: string): string | undefined {
    return (
      this.#sql.sql("SELECT batch_id FROM credential_copies WHERE credential_id = ?").get(id) as
        { batch_id: string } | undefined
    )?.batch_id;
  }

  async recordBatch(
    batchId: string,
    copies: readonly IssuanceRequest[],
    idempotencyKey: string | undefined,
    operator: string,
  ): Promise<CredentialRecord[]> {
    return this.#recordBatchIn(batchId, copies, idempotencyKey, operator);
  }

  #recordBatchIn(
    batchId: string,
    copies: readonly IssuanceRequest[],
    idempotencyKey: string | undefined,
    operator: string,
  ): CredentialRecord[] {
    return this.#sql.transaction(() => {
      const existing = idempotencyKey ? this.#byIdempotencyKey(idempotencyKey) : undefined;
      if (existing)
        return this.#copiesOf(replayOf(existing, copies[0]?.requestHash).id).map(
          (id) => this.getNow(id) as CredentialRecord,
        );
      const link = this.#sql.sql("INSERT INTO credential_copies (credential_id, batch_id, copy) VALUES (?, ?, ?)");
      return copies.map((r, i) => {
        const record = this.#recordIn(r, i === 0 ? idempotencyKey : undefined, operator);
        link.run(record.id, batchId, i);
        return record;
      });
    });
  }

  async recordForOffer(
    offerKey: string,
    copies: readonly IssuanceRequest[],
    operator: string,
    batchId: string | undefined,
  ): Promise<CredentialRecord[]> {
    return this.#sql.transaction(() => {
      const existing = this.#byIdempotencyKey(offerKey);
      if (!existing)
        return batchId
          ? this.#recordBatchIn(batchId, copies, offerKey, operator)
          : [this.#recordIn(copies[0]!, offerKey, operator)];
      const ids = this.#copiesOf(existing.id);
      const batch = this.#batchOf(existing.id);
      if (ids.length !== copies.length || (batchId === undefined) !== (batch === undefined)) {
        throw new StoreError(
          "idempotency_conflict",
          `this offer was redeemed for ${ids.length} holder key(s) ${batch ? "as a batch (proofs)" : "(proof)"}: retry the same way`,
        );
      }
      const rebind = this.#sql.sql("UPDATE credentials SET holder = ? WHERE id = ? AND holder != ?");
      const records = ids.map((id, i) => {
        rebind.run(copies[i]!.holder, id, copies[i]!.holder);
        return this.getNow(id) as CredentialRecord;
      });
      this.#sql.audit(operator, "offer.retry", existing.id, { copies: ids.length }, copies[0]!.issuedAt);
      return records;
    });
  }

  async count(): Promise<number> {
    return Number((this.#sql.sql("SELECT count(*) AS n FROM credentials").get() as { n: number }).n);
  }

  async ids(limit: number): Promise<string[]> {
    return (this.#sql.sql("SELECT id FROM credentials LIMIT ?").all(limit) as { id: string }[]).map((r) => r.id);
  }

  async record(r: IssuanceRequest, idempotencyKey: string | undefined, operator: string): Promise<CredentialRecord> {
    return this.#sql.transaction(() => this.#recordIn(r, idempotencyKey, operator));
  }

  /** One transaction, each item in its own savepoint (one failure fails only itself), one commit. */
  async recordAll(items: readonly Recording[]): Promise<Outcome<CredentialRecord>[]> {
    return this.#sql.transaction(() =>
      items.map((item): Outcome<CredentialRecord> => {
        this.#sql.exec("SAVEPOINT issuance");
        try {
          const value = this.#recordIn(item.request, item.idempotencyKey, item.operator);
          this.#sql.exec("RELEASE issuance");
          return { ok: true, value };
        } catch (error) {
          this.#sql.exec("ROLLBACK TO issuance; RELEASE issuance");
          return { ok: false, error };
        }
      }),
    );
  }

  #byIdempotencyKey(key: string): CredentialRecord | undefined {
    const row = this.#sql.sql("SELECT * FROM credentials WHERE idempotency_key = ?").get(key) as
      CredentialRow | undefined;
    return row && toRecord(row);
  }

  #copiesOf(id: string): string[] {
    const rows = this.#sql
      .sql(
        "SELECT credential_id FROM credential_copies WHERE batch_id = coalesce((SELECT batch_id FROM credential_copies WHERE credential_id = ?), ?) ORDER BY copy",
      )
      .all(id, id) as { credential_id: string }[];
    if (rows.length) return rows.map((r) => r.credential_id);
    return this.getNow(id) ? [id] : [];
  }

  #recordIn(r: IssuanceRequest, idempotencyKey: string | undefined, operator: string): CredentialRecord {
    const existing = idempotencyKey ? this.#byIdempotencyKey(idempotencyKey) : undefined;
    if (existing) return replayOf(existing, r.requestHash);
    const revocation = {
      list: r.lists.revocation.id,
      index: this.#allocate(r.lists.revocation.id, r.lists.revocation.size, r.id),
    };
    const suspension = {
      list: r.lists.suspension.id,
      index: this.#allocate(r.lists.suspension.id, r.lists.suspension.size, r.id),
    };
    this.#sql
      .sql(
        `INSERT INTO credentials (id, type, holder, issued_at, valid_until, revocation_list, revocation_index,
         suspension_list, suspension_index, idempotency_key, request_hash, operator) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
      )
      .run(
        r.id,
        r.type,
        r.holder,
        r.issuedAt,
        r.validUntil,
        revocation.list,
        revocation.index,
        suspension.list,
        suspension.index,
        idempotencyKey ?? null,
        r.requestHash,
        operator,
      );
    this.#sql.audit(operator, "credential.issue", r.id, { type: r.type, revocation, suspension }, r.issuedAt);
    return {
      id: r.id,
      type: r.type,
      holder: r.holder,
      issuedAt: r.issuedAt,
      validUntil: r.validUntil,
      revocation,
      suspension,
      requestHash: r.requestHash,
    };
  }

  #allocate(list: number, size: number, credentialId: string): number {
    const insert = this.#sql.sql(
      "INSERT OR IGNORE INTO allocated_indices (list_id, idx, credential_id) VALUES (?, ?, ?)",
    );
    for (const index of candidateIndices(size))
      if (Number(insert.run(list, index, credentialId).changes) === 1) return index;
    throw indexSpaceExhausted(list);
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
