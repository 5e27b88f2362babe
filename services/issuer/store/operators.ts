import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { unixNow, type Sqlite } from "./sqlite.ts";

export type Role = "issue" | "revoke" | "admin";

export interface Operator {
  readonly id: string;
  readonly name: string;
  readonly roles: readonly Role[];
  readonly expiresAt?: number;
}

export const OPERATORS_SCHEMA = `
CREATE TABLE IF NOT EXISTS operators (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, token_hash BLOB NOT NULL UNIQUE, roles TEXT NOT NULL,
  created_at INTEGER NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, expires_at INTEGER);
`;

/** Bearer tokens are stored as their SHA-256 only (they are 256-bit random: no salt needed). */
export const hashToken = (token: string): Buffer => createHash("sha256").update(token).digest();

/** The agency's operators: who may issue, revoke, administer. */
export class Operators {
  readonly #sql: Sqlite;

  constructor(sql: Sqlite) {
    this.#sql = sql;
    sql.addColumn("operators", "expires_at", "INTEGER");
  }

  /**
   * Creates an operator and returns its bearer token: shown once, stored only as a hash.
   * `expiresAt` (unix seconds) bounds a token handed to a temporary clerk or a script.
   */
  create(name: string, roles: readonly Role[], o: { by?: string; now?: number; expiresAt?: number } = {}): { operator: Operator; token: string } {
    const { by = "bootstrap", now = unixNow(), expiresAt = null } = o;
    const id = `op_${randomBytes(8).toString("hex")}`;
    const token = `lz_${randomBytes(32).toString("base64url")}`;
    this.#sql.transaction(() => {
      this.#sql.sql("INSERT INTO operators (id, name, token_hash, roles, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)").run(id, name, hashToken(token), roles.join(","), now, expiresAt);
      this.#sql.audit(by, "operator.create", id, { name, roles, expiresAt }, now);
    });
    return { operator: { id, name, roles, ...(expiresAt === null ? {} : { expiresAt }) }, token };
  }

  /** Disables an operator's token for good (the row stays: the audit log names it). False if there is no such operator. */
  disable(id: string, by: string, now = unixNow()): boolean {
    return this.#sql.transaction(() => {
      const changed = Number(this.#sql.sql("UPDATE operators SET disabled = 1 WHERE id = ?").run(id).changes) === 1;
      if (changed) this.#sql.audit(by, "operator.disable", id, {}, now);
      return changed;
    });
  }

  /** The operator a bearer token belongs to while enabled and unexpired, or undefined. The hash comparison is constant-time. */
  authenticate(token: string, now = unixNow()): Operator | undefined {
    const hash = hashToken(token);
    const row = this.#sql.sql("SELECT id, name, roles, token_hash FROM operators WHERE token_hash = ? AND disabled = 0 AND (expires_at IS NULL OR expires_at > ?)").get(hash, now) as
      | { id: string; name: string; roles: string; token_hash: Uint8Array }
      | undefined;
    if (!row || !timingSafeEqual(Buffer.from(row.token_hash), hash)) return undefined;
    return { id: row.id, name: row.name, roles: row.roles.split(",") as Role[] };
  }

  count(): number {
    return Number((this.#sql.sql("SELECT count(*) AS n FROM operators").get() as { n: number }).n);
  }
}
