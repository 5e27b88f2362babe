import { createHash } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { canonicalize } from "../../../core/index.ts";
import type { AnchoredAuditHead } from "../../chain/audit-anchors.ts";
import type { Sqlite } from "./sqlite.ts";

export type { AnchoredAuditHead };

/**
 * The audit log as a hash chain (issue 14). Each entry commits to the one before it:
 *
 *   hash(n) = SHA-256( JCS({ v: 1, prev: hash(n-1), seq, at, operator, action, subject, detail }) )
 *
 * as lowercase hex, with JCS the canonical JSON of RFC 8785 (`core/canonical.ts`), `detail` the
 * stored JSON text as a string, and hash(0) = 64 zeros. Entries are numbered 1, 2, 3, … without
 * gaps; the head is (count = the last seq, its hash). Rewriting, inserting or deleting any entry
 * changes every later hash, so a head anchored on chain (`StatusRegistry.anchorAudit`) pins
 * everything before it.
 */
export const AUDIT_SCHEMA = `
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, operator TEXT NOT NULL,
  action TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL, hash TEXT);
CREATE TRIGGER IF NOT EXISTS audit_append_only_d BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
`;

export const AUDIT_GENESIS = "0".repeat(64);

export interface AuditRow {
  readonly seq: number;
  readonly at: number;
  readonly operator: string;
  readonly action: string;
  readonly subject: string;
  /** The stored JSON text, hashed as it is. */
  readonly detail: string;
  readonly hash: string | null;
}

export interface AuditHead {
  /** Entries so far (the last one's seq). */
  readonly count: number;
  /** The last entry's hash (hex, 64 characters); AUDIT_GENESIS with no entries. */
  readonly head: string;
}

/** One entry's hash, given the previous one's. */
export function auditEntryHash(prev: string, e: Omit<AuditRow, "hash">): string {
  const text = canonicalize({ v: 1, prev, seq: e.seq, at: e.at, operator: e.operator, action: e.action, subject: e.subject, detail: e.detail });
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The audit log's part of the store: appends chained entries; the table refuses UPDATE of a chained row and DELETE. */
export class AuditLog {
  readonly #sql: Sqlite;

  constructor(sql: Sqlite) {
    this.#sql = sql;
    sql.addColumn("audit", "hash", "TEXT");
    // An entry's fields and hash never change; only a row from before the chain (hash NULL) gets its hash, once.
    sql.exec("DROP TRIGGER IF EXISTS audit_append_only_u; CREATE TRIGGER audit_append_only_u BEFORE UPDATE ON audit WHEN OLD.hash IS NOT NULL BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;");
    this.#chainLegacyRows();
  }

  /** Appends one entry, chained to the last (in the caller's transaction, or its own: two writers never fork the chain). */
  append(operator: string, action: string, subject: string, detail: unknown, now: number): AuditHead {
    return this.#sql.transaction(() => {
      const last = this.head();
      const entry = { seq: last.count + 1, at: now, operator, action, subject, detail: JSON.stringify(detail) ?? "null" };
      const hash = auditEntryHash(last.head, entry);
      this.#sql.sql("INSERT INTO audit (seq, at, operator, action, subject, detail, hash) VALUES (?, ?, ?, ?, ?, ?, ?)").run(entry.seq, entry.at, entry.operator, entry.action, entry.subject, entry.detail, hash);
      return { count: entry.seq, head: hash };
    });
  }

  head(): AuditHead {
    const row = this.#sql.sql("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").get() as { seq: number; hash: string } | undefined;
    return row ? { count: Number(row.seq), head: row.hash } : { count: 0, head: AUDIT_GENESIS };
  }

  /** One entry as stored (undefined past the head). */
  entryAt(seq: number): AuditRow | undefined {
    return this.#sql.sql("SELECT seq, at, operator, action, subject, detail, hash FROM audit WHERE seq = ?").get(seq) as AuditRow | undefined;
  }

  /** The entries `from`…`to` (inclusive) as stored, in order: what the anchorer re-hashes before it anchors. */
  entriesBetween(from: number, to: number): AuditRow[] {
    return this.#sql.sql("SELECT seq, at, operator, action, subject, detail, hash FROM audit WHERE seq BETWEEN ? AND ? ORDER BY seq").all(from, to) as unknown as AuditRow[];
  }

  /** Rows written before the chain existed get their hashes once, in order. */
  #chainLegacyRows(): void {
    const first = this.#sql.sql("SELECT min(seq) AS s FROM audit WHERE hash IS NULL").get() as { s: number | null };
    if (first.s === null) return;
    this.#sql.transaction(() => {
      const before = this.#sql.sql("SELECT hash FROM audit WHERE seq < ? ORDER BY seq DESC LIMIT 1").get(first.s) as { hash: string } | undefined;
      let prev = before?.hash ?? AUDIT_GENESIS;
      const set = this.#sql.sql("UPDATE audit SET hash = ? WHERE seq = ?");
      for (const r of this.#sql.sql("SELECT * FROM audit WHERE seq >= ? ORDER BY seq").all(first.s) as unknown as AuditRow[]) {
        prev = auditEntryHash(prev, { ...r, seq: Number(r.seq), at: Number(r.at) });
        set.run(prev, r.seq);
      }
    });
  }
}

/** What `checkAuditChain` found. */
export interface AuditReport {
  /** No entry is broken (entries after the last anchor may still be unanchored). */
  readonly ok: boolean;
  readonly entries: number;
  /** The newest anchored head the log matches. */
  readonly anchored: AnchoredAuditHead | null;
  /** Entries after the newest anchor: chained, but not yet pinned on chain (whoever can write the file can rewrite them undetected). */
  readonly unanchored: number;
  /** When the oldest unanchored entry was written (unix seconds; null: none). */
  readonly oldestUnanchoredAt: number | null;
  /**
   * The first broken entry: `entry_altered` (its stored hash is not the hash of its fields and
   * the previous entry's), `entry_missing` (a gap, or the log ends before an anchored count),
   * `anchor_mismatch` (the log was rewritten and re-hashed: it disagrees with the head anchored
   * at `through`; the first entry that can have changed is `seq`).
   */
  readonly broken: { readonly seq: number; readonly through?: number; readonly reason: "entry_altered" | "entry_missing" | "anchor_mismatch"; readonly message: string } | null;
}

/**
 * Walks the log against the heads anchored on chain and names the first broken entry. Rows
 * must come in seq order; anchors in any order.
 */
export function checkAuditChain(rows: Iterable<AuditRow>, anchors: readonly AnchoredAuditHead[]): AuditReport {
  const pending = [...anchors].sort((a, b) => a.count - b.count);
  let next = 0;
  let anchored: AnchoredAuditHead | null = null;
  let prev = AUDIT_GENESIS;
  let expected = 1;
  let firstUnanchoredAt: number | null = null;
  const result = (broken: AuditReport["broken"]): AuditReport => {
    const unanchored = broken ? 0 : expected - 1 - (anchored?.count ?? 0);
    return { ok: broken === null, entries: expected - 1, anchored, unanchored, oldestUnanchoredAt: unanchored > 0 ? firstUnanchoredAt : null, broken };
  };
  for (const row of rows) {
    const seq = Number(row.seq);
    if (seq === (anchored?.count ?? 0) + 1) firstUnanchoredAt = Number(row.at);
    if (seq !== expected) return result({ seq: expected, reason: "entry_missing", message: `entries ${expected}…${seq - 1} are missing (deleted)` });
    const hash = auditEntryHash(prev, { ...row, seq, at: Number(row.at) });
    if (row.hash !== hash) return result({ seq, reason: "entry_altered", message: `entry ${seq} does not hash to its stored hash: it, or its predecessor's hash, was changed` });
    for (; next < pending.length && pending[next]!.count === seq; next++) {
      const a = pending[next]!;
      if (a.head !== hash) {
        const from = (anchored?.count ?? 0) + 1;
        return result({ seq: from, through: seq, reason: "anchor_mismatch", message: `entries ${from}…${seq} were rewritten: the head anchored in block ${a.block} (transaction ${a.transaction}) does not match` });
      }
      anchored = a;
    }
    prev = hash;
    expected = seq + 1;
  }
  const beyond = pending[next];
  if (beyond) return result({ seq: expected, through: beyond.count, reason: "entry_missing", message: `the log ends at entry ${expected - 1}, but ${beyond.count} entries were anchored in block ${beyond.block}: entries ${expected}…${beyond.count} are missing` });
  return result(null);
}

/** Reads an issuer database's audit rows in order, read-only (what `laissez audit verify` walks). */
export function* readAuditRows(path: string): Generator<AuditRow> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    yield* db.prepare("SELECT seq, at, operator, action, subject, detail, hash FROM audit ORDER BY seq").iterate() as IterableIterator<AuditRow>;
  } finally {
    db.close();
  }
}
