import { DatabaseSync } from "node:sqlite";
import { AUDIT_GENESIS, auditEntryHash, nextAuditRow, type AuditHead, type AuditRow } from "../audit-chain.ts";
import type { AuditLogStore } from "../types.ts";
import type { Sqlite } from "./connection.ts";

/** The audit table; the chain itself (what each row's hash commits to) is `audit-chain.ts`. */
export const AUDIT_SCHEMA = `
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, operator TEXT NOT NULL,
  action TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL, hash TEXT);
CREATE TRIGGER IF NOT EXISTS audit_append_only_d BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
`;

/** The audit log's part of the store: appends chained entries; the table refuses UPDATE of a chained row and DELETE. */
export class SqliteAuditLog implements AuditLogStore {
  readonly #sql: Sqlite;

  constructor(sql: Sqlite) {
    this.#sql = sql;
    sql.addColumn("audit", "hash", "TEXT");
    // An entry's fields and hash never change; only a row from before the chain (hash NULL) gets its hash, once.
    sql.exec(
      "DROP TRIGGER IF EXISTS audit_append_only_u; CREATE TRIGGER audit_append_only_u BEFORE UPDATE ON audit WHEN OLD.hash IS NOT NULL BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
    );
    this.#chainLegacyRows();
  }

  /** Appends one entry, chained to the last (in the caller's transaction, or its own: two writers never fork the chain). */
  appendNow(operator: string, action: string, subject: string, detail: unknown, now: number): AuditHead {
    return this.#sql.transaction(() => {
      const row = nextAuditRow(this.headNow(), operator, action, subject, detail, now);
      this.#sql
        .sql("INSERT INTO audit (seq, at, operator, action, subject, detail, hash) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .run(row.seq, row.at, row.operator, row.action, row.subject, row.detail, row.hash);
      return { count: row.seq, head: row.hash };
    });
  }

  async append(operator: string, action: string, subject: string, detail: unknown, now: number): Promise<AuditHead> {
    return this.appendNow(operator, action, subject, detail, now);
  }

  async head(): Promise<AuditHead> {
    return this.headNow();
  }

  async entryAt(seq: number): Promise<AuditRow | undefined> {
    return this.#sql
      .sql("SELECT seq, at, operator, action, subject, detail, hash FROM audit WHERE seq = ?")
      .get(seq) as AuditRow | undefined;
  }

  async entriesBetween(from: number, to: number): Promise<AuditRow[]> {
    return this.#sql
      .sql("SELECT seq, at, operator, action, subject, detail, hash FROM audit WHERE seq BETWEEN ? AND ? ORDER BY seq")
      .all(from, to) as unknown as AuditRow[];
  }

  async *rows(): AsyncIterable<AuditRow> {
    yield* this.#sql.iterate(
      "SELECT seq, at, operator, action, subject, detail, hash FROM audit ORDER BY seq",
    ) as Iterable<AuditRow>;
  }

  headNow(): AuditHead {
    const row = this.#sql.sql("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").get() as
      { seq: number; hash: string } | undefined;
    return row ? { count: Number(row.seq), head: row.hash } : { count: 0, head: AUDIT_GENESIS };
  }

  /** Rows written before the chain existed get their hashes once, in order. */
  #chainLegacyRows(): void {
    const first = this.#sql.sql("SELECT min(seq) AS s FROM audit WHERE hash IS NULL").get() as { s: number | null };
    if (first.s === null) return;
    this.#sql.transaction(() => {
      const before = this.#sql.sql("SELECT hash FROM audit WHERE seq < ? ORDER BY seq DESC LIMIT 1").get(first.s) as
        { hash: string } | undefined;
      let prev = before?.hash ?? AUDIT_GENESIS;
      const set = this.#sql.sql("UPDATE audit SET hash = ? WHERE seq = ?");
      for (const r of this.#sql
        .sql("SELECT * FROM audit WHERE seq >= ? ORDER BY seq")
        .all(first.s) as unknown as AuditRow[]) {
        prev = auditEntryHash(prev, { ...r, seq: Number(r.seq), at: Number(r.at) });
        set.run(prev, r.seq);
      }
    });
  }
}

/** Reads an issuer database's audit rows in order, read-only (what `laissez audit verify` walks). */
export function* readAuditRows(path: string): Generator<AuditRow> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    yield* db
      .prepare("SELECT seq, at, operator, action, subject, detail, hash FROM audit ORDER BY seq")
      .iterate() as IterableIterator<AuditRow>;
  } finally {
    db.close();
  }
}
