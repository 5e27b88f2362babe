import { timingSafeEqual } from "node:crypto";
import { hashToken, newOperator, unixNow } from "../policy.ts";
import type { Operator, OperatorStore, Role } from "../types.ts";
import type { Sqlite } from "./connection.ts";

export const OPERATORS_SCHEMA = `
CREATE TABLE IF NOT EXISTS operators (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, token_hash BLOB NOT NULL UNIQUE, roles TEXT NOT NULL,
  created_at INTEGER NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, expires_at INTEGER);
`;

/** The agency's operators: who may issue, revoke, administer. */
export class SqliteOperators implements OperatorStore {
  readonly #sql: Sqlite;

  constructor(sql: Sqlite) {
    this.#sql = sql;
    sql.addColumn("operators", "expires_at", "INTEGER");
  }

  async create(
    name: string,
    roles: readonly Role[],
    o: { by?: string; now?: number; expiresAt?: number } = {},
  ): Promise<{ operator: Operator; token: string }> {
    const { by = "bootstrap", now = unixNow(), expiresAt = null } = o;
    const { id, token } = newOperator();
    this.#sql.transaction(() => {
      this.#sql
        .sql("INSERT INTO operators (id, name, token_hash, roles, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
        .run(id, name, hashToken(token), roles.join(","), now, expiresAt);
      this.#sql.audit(by, "operator.create", id, { name, roles, expiresAt }, now);
    });
    return { operator: { id, name, roles, ...(expiresAt === null ? {} : { expiresAt }) }, token };
  }

  async disable(id: string, by: string, now = unixNow()): Promise<boolean> {
    return this.#sql.transaction(() => {
      const changed = Number(this.#sql.sql("UPDATE operators SET disabled = 1 WHERE id = ?").run(id).changes) === 1;
      if (changed) this.#sql.audit(by, "operator.disable", id, {}, now);
      return changed;
    });
  }

  /** The hash comparison is constant-time. */
  async authenticate(token: string, now = unixNow()): Promise<Operator | undefined> {
    const hash = hashToken(token);
    const row = this.#sql
      .sql(
        "SELECT id, name, roles, token_hash FROM operators WHERE token_hash = ? AND disabled = 0 AND (expires_at IS NULL OR expires_at > ?)",
      )
      .get(hash, now) as { id: string; name: string; roles: string; token_hash: Uint8Array } | undefined;
    if (!row || !timingSafeEqual(Buffer.from(row.token_hash), hash)) return undefined;
    return { id: row.id, name: row.name, roles: row.roles.split(",") as Role[] };
  }

  async count(): Promise<number> {
    return Number((this.#sql.sql("SELECT count(*) AS n FROM operators").get() as { n: number }).n);
  }
}
