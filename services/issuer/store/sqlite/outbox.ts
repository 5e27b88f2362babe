import { purposeOf, type StatusAction } from "../../../../core/index.ts";
import { StoreError, unixNow } from "../policy.ts";
import type { BatchPlan, OutboxEntry, OutboxStore, PendingRequest, SignedBatch, StoredBatch } from "../types.ts";
import type { SqliteCredentials } from "./credentials.ts";
import type { Sqlite } from "./connection.ts";

export const OUTBOX_SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, credential_id TEXT NOT NULL REFERENCES credentials(id),
  action TEXT NOT NULL, list_id INTEGER NOT NULL, idx INTEGER NOT NULL, state TEXT NOT NULL,
  batch_id INTEGER, requested_at INTEGER NOT NULL, requested_by TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state, list_id);
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY AUTOINCREMENT, list_id INTEGER NOT NULL, set_bits INTEGER NOT NULL,
  raw_tx TEXT, tx_hash TEXT, state TEXT NOT NULL, block INTEGER, created_at INTEGER NOT NULL);
`;

/** The revocation outbox's tables: requests and the batches that publish them (states: `../types.ts`). */
export class SqliteOutbox implements OutboxStore {
  readonly #sql: Sqlite;
  readonly #credentials: SqliteCredentials;

  constructor(sql: Sqlite, credentials: SqliteCredentials) {
    this.#sql = sql;
    this.#credentials = credentials;
  }

  /** Queues status changes as `pending`, all or none; nothing is reported done until anchored. */
  async enqueue(
    credentialIds: readonly string[],
    action: StatusAction,
    operator: string,
    now = unixNow(),
  ): Promise<OutboxEntry[]> {
    return this.#sql.transaction(() =>
      credentialIds.map((id) => {
        const c = this.#credentials.getNow(id);
        if (!c) throw new StoreError("unknown_credential", `no credential ${id} issued here`);
        const { list, index } = c[purposeOf(action)];
        const insert =
          "INSERT INTO outbox (credential_id, action, list_id, idx, state, requested_at, requested_by) VALUES (?, ?, ?, ?, 'pending', ?, ?)";
        const seq = Number(this.#sql.sql(insert).run(id, action, list, index, now, operator).lastInsertRowid);
        this.#sql.audit(operator, `credential.${action}`, id, { seq }, now);
        return {
          seq,
          credentialId: id,
          action,
          list,
          index,
          state: "pending" as const,
          transaction: null,
          block: null,
        };
      }),
    );
  }

  /** The status requests of a credential, oldest first. */
  async statusOf(credentialId: string): Promise<OutboxEntry[]> {
    const rows = this.#sql
      .sql(
        "SELECT o.seq, o.credential_id, o.action, o.list_id, o.idx, o.state, b.tx_hash, b.block FROM outbox o LEFT JOIN batches b ON b.id = o.batch_id WHERE o.credential_id = ? ORDER BY o.seq",
      )
      .all(credentialId) as unknown as OutboxRow[];
    return rows.map(toEntry);
  }

  /** Requests not yet anchored. */
  async depth(): Promise<number> {
    return Number(
      (this.#sql.sql("SELECT count(*) AS n FROM outbox WHERE state != 'anchored'").get() as { n: number }).n,
    );
  }

  async lastAnchoredBlock(): Promise<number | null> {
    const row = this.#sql.sql("SELECT max(block) AS b FROM batches WHERE state = 'anchored'").get() as {
      b: number | null;
    };
    return row.b === null ? null : Number(row.b);
  }

  async pendingOfOldestList(limit: number): Promise<{ listId: number; requests: PendingRequest[] } | undefined> {
    const first = this.#sql.sql("SELECT list_id FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1").get() as
      { list_id: number } | undefined;
    if (!first) return undefined;
    const listId = Number(first.list_id);
    const rows = this.#sql
      .sql("SELECT seq, idx, action FROM outbox WHERE state = 'pending' AND list_id = ? ORDER BY seq LIMIT ?")
      .all(listId, limit) as unknown as { seq: number; idx: number; action: StatusAction }[];
    return { listId, requests: rows.map((r) => ({ seq: Number(r.seq), index: Number(r.idx), action: r.action })) };
  }

  /** Records a batch's signed transaction and moves its requests to `sending`, before anything is broadcast. */
  async recordSigned(plan: BatchPlan, rawTx: string, txHash: string, now: number): Promise<SignedBatch> {
    return this.#sql.transaction(() => {
      const insert =
        "INSERT INTO batches (list_id, set_bits, raw_tx, tx_hash, state, created_at) VALUES (?, ?, ?, ?, 'signed', ?)";
      const id = Number(this.#sql.sql(insert).run(plan.listId, plan.set ? 1 : 0, rawTx, txHash, now).lastInsertRowid);
      const mark = this.#sql.sql(
        "UPDATE outbox SET state = 'sending', batch_id = ? WHERE seq = ? AND state = 'pending'",
      );
      for (const seq of plan.seqs) mark.run(id, seq);
      return { id, rawTx, txHash };
    });
  }

  /** Batches signed and not yet settled (possibly broadcast before a crash), oldest first. */
  async signedBatches(): Promise<SignedBatch[]> {
    const rows = this.#sql
      .sql("SELECT id, raw_tx, tx_hash FROM batches WHERE state = 'signed' ORDER BY id")
      .all() as unknown as { id: number; raw_tx: string; tx_hash: string }[];
    return rows.map((r) => ({ id: Number(r.id), rawTx: r.raw_tx, txHash: r.tx_hash }));
  }

  /** A receipt says the batch's transaction succeeded in `block`: its requests are anchored. Returns how many. */
  async markAnchored(batch: SignedBatch, block: number, now: number): Promise<number> {
    return this.#sql.transaction(() => {
      this.#sql.sql("UPDATE batches SET state = 'anchored', block = ? WHERE id = ?").run(block, batch.id);
      const changes = Number(
        this.#sql.sql("UPDATE outbox SET state = 'anchored' WHERE batch_id = ?").run(batch.id).changes,
      );
      this.#sql.audit(
        "anchorer",
        "status.anchored",
        `batch:${batch.id}`,
        { transaction: batch.txHash, block, requests: changes },
        now,
      );
      return changes;
    });
  }

  /** The most recently anchored batches (what reconciliation checks against the chain). */
  async anchoredBatches(limit: number): Promise<(SignedBatch & { readonly block: number })[]> {
    const rows = this.#sql
      .sql("SELECT id, raw_tx, tx_hash, block FROM batches WHERE state = 'anchored' ORDER BY id DESC LIMIT ?")
      .all(limit) as unknown as { id: number; raw_tx: string; tx_hash: string; block: number }[];
    return rows.map((r) => ({ id: Number(r.id), rawTx: r.raw_tx, txHash: r.tx_hash, block: Number(r.block) }));
  }

  /**
   * The batch will never land as signed, or the chain no longer has it (`why`: replaced,
   * reverted, nonce_gap, lost, …): its requests go back to pending, in their original order.
   */
  async requeue(batch: SignedBatch, why: string, now: number): Promise<void> {
    this.#sql.transaction(() => {
      this.#sql.sql("UPDATE batches SET state = ? WHERE id = ?").run(why, batch.id);
      this.#sql.sql("UPDATE outbox SET state = 'pending', batch_id = NULL WHERE batch_id = ?").run(batch.id);
      this.#sql.audit("anchorer", "status.requeued", `batch:${batch.id}`, { transaction: batch.txHash, why }, now);
    });
  }

  async latestBatchOf(credentialId: string): Promise<StoredBatch | undefined> {
    const row = this.#sql
      .sql(
        "SELECT b.* FROM outbox o JOIN batches b ON b.id = o.batch_id WHERE o.credential_id = ? ORDER BY o.seq DESC LIMIT 1",
      )
      .get(credentialId) as BatchRow | undefined;
    return row && toBatch(row);
  }

  async batches(state: string): Promise<StoredBatch[]> {
    return (this.#sql.sql("SELECT * FROM batches WHERE state = ? ORDER BY id").all(state) as unknown as BatchRow[]).map(
      toBatch,
    );
  }

  async countRequests(action: StatusAction, state: OutboxEntry["state"]): Promise<number> {
    return Number(
      (
        this.#sql.sql("SELECT count(*) AS n FROM outbox WHERE action = ? AND state = ?").get(action, state) as {
          n: number;
        }
      ).n,
    );
  }
}

interface BatchRow {
  id: number;
  raw_tx: string;
  tx_hash: string;
  state: string;
  block: number | null;
}

const toBatch = (r: BatchRow): StoredBatch => ({
  id: Number(r.id),
  rawTx: r.raw_tx,
  txHash: r.tx_hash,
  state: r.state,
  block: r.block === null ? null : Number(r.block),
});

interface OutboxRow {
  seq: number;
  credential_id: string;
  action: StatusAction;
  list_id: number;
  idx: number;
  state: OutboxEntry["state"];
  tx_hash: string | null;
  block: number | null;
}

function toEntry(r: OutboxRow): OutboxEntry {
  return {
    seq: Number(r.seq),
    credentialId: r.credential_id,
    action: r.action,
    list: Number(r.list_id),
    index: Number(r.idx),
    state: r.state,
    transaction: r.tx_hash,
    block: r.block === null ? null : Number(r.block),
  };
}
