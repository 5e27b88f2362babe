import { createHash } from "node:crypto";
import { canonicalize } from "../../../core/index.ts";
import type { AnchoredAuditHead } from "../../chain/audit-anchors.ts";

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
 *
 * This is shared policy: every store dialect appends with `nextAuditRow` and stores the row as
 * it is.
 */
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
  const text = canonicalize({
    v: 1,
    prev,
    seq: e.seq,
    at: e.at,
    operator: e.operator,
    action: e.action,
    subject: e.subject,
    detail: e.detail,
  });
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The next entry after `last`, with its hash: what a dialect appends, atomically with reading `last`. */
export function nextAuditRow(
  last: AuditHead,
  operator: string,
  action: string,
  subject: string,
  detail: unknown,
  now: number,
): AuditRow & { readonly hash: string } {
  const entry = { seq: last.count + 1, at: now, operator, action, subject, detail: JSON.stringify(detail) ?? "null" };
  return { ...entry, hash: auditEntryHash(last.head, entry) };
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
  readonly broken: {
    readonly seq: number;
    readonly through?: number;
    readonly reason: "entry_altered" | "entry_missing" | "anchor_mismatch";
    readonly message: string;
  } | null;
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
    return {
      ok: broken === null,
      entries: expected - 1,
      anchored,
      unanchored,
      oldestUnanchoredAt: unanchored > 0 ? firstUnanchoredAt : null,
      broken,
    };
  };
  for (const row of rows) {
    const seq = Number(row.seq);
    if (seq === (anchored?.count ?? 0) + 1) firstUnanchoredAt = Number(row.at);
    if (seq !== expected)
      return result({
        seq: expected,
        reason: "entry_missing",
        message: `entries ${expected}…${seq - 1} are missing (deleted)`,
      });
    const hash = auditEntryHash(prev, { ...row, seq, at: Number(row.at) });
    if (row.hash !== hash)
      return result({
        seq,
        reason: "entry_altered",
        message: `entry ${seq} does not hash to its stored hash: it, or its predecessor's hash, was changed`,
      });
    for (; next < pending.length && pending[next]!.count === seq; next++) {
      const a = pending[next]!;
      if (a.head !== hash) {
        const from = (anchored?.count ?? 0) + 1;
        return result({
          seq: from,
          through: seq,
          reason: "anchor_mismatch",
          message: `entries ${from}…${seq} were rewritten: the head anchored in block ${a.block} (transaction ${a.transaction}) does not match`,
        });
      }
      anchored = a;
    }
    prev = hash;
    expected = seq + 1;
  }
  const beyond = pending[next];
  if (beyond)
    return result({
      seq: expected,
      through: beyond.count,
      reason: "entry_missing",
      message: `the log ends at entry ${expected - 1}, but ${beyond.count} entries were anchored in block ${beyond.block}: entries ${expected}…${beyond.count} are missing`,
    });
  return result(null);
}
