import { AUDIT_SCHEMA, SqliteAuditLog } from "./audit.ts";
import { Sqlite } from "./connection.ts";
import { CREDENTIALS_SCHEMA, SqliteCredentials } from "./credentials.ts";
import { OFFERS_SCHEMA, SqliteOffers } from "./offers.ts";
import { OPERATORS_SCHEMA, SqliteOperators } from "./operators.ts";
import { OUTBOX_SCHEMA, SqliteOutbox } from "./outbox.ts";
import { unixNow } from "../policy.ts";
import type { AuditEntry, IssuerStore, StoreCensus } from "../types.ts";

export { readAuditRows } from "./audit.ts";

const SETTINGS_SCHEMA = `
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/**
 * The issuer store in SQLite (node:sqlite, on disk, WAL, synchronous FULL): the embedded
 * default. One connection, one part per concern; each write is one IMMEDIATE transaction, done
 * (and durable) before its promise resolves.
 */
export class SqliteIssuerStore implements IssuerStore {
  readonly path: string;
  readonly operators: SqliteOperators;
  readonly credentials: SqliteCredentials;
  readonly outbox: SqliteOutbox;
  readonly offers: SqliteOffers;
  readonly auditChain: SqliteAuditLog;
  readonly #sql: Sqlite;

  constructor(path: string) {
    this.path = path;
    this.#sql = new Sqlite(
      path,
      OPERATORS_SCHEMA + CREDENTIALS_SCHEMA + OUTBOX_SCHEMA + OFFERS_SCHEMA + SETTINGS_SCHEMA + AUDIT_SCHEMA,
    );
    this.auditChain = new SqliteAuditLog(this.#sql);
    this.#sql.audit = (operator, action, subject, detail, now) =>
      void this.auditChain.appendNow(operator, action, subject, detail, now);
    this.operators = new SqliteOperators(this.#sql);
    this.credentials = new SqliteCredentials(this.#sql);
    this.outbox = new SqliteOutbox(this.#sql, this.credentials);
    this.offers = new SqliteOffers(this.#sql);
  }

  async close(): Promise<void> {
    this.#sql.close();
  }

  async setting<T>(name: string): Promise<T | undefined> {
    const row = this.#sql.sql("SELECT value FROM settings WHERE name = ?").get(name) as { value: string } | undefined;
    return row && (JSON.parse(row.value) as T);
  }

  async saveSetting(name: string, value: unknown): Promise<void> {
    this.#sql
      .sql("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
      .run(name, JSON.stringify(value));
  }

  async audit(operator: string, action: string, subject: string, detail: unknown, now = unixNow()): Promise<void> {
    this.#sql.audit(operator, action, subject, detail, now);
  }

  async auditLog(limit = 100): Promise<AuditEntry[]> {
    const rows = this.#sql.sql("SELECT * FROM audit ORDER BY seq DESC LIMIT ?").all(limit) as unknown as (Omit<
      AuditEntry,
      "detail"
    > & { detail: string })[];
    return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as unknown }));
  }

  async census(): Promise<StoreCensus> {
    const n = (sql: string): number => Number((this.#sql.sql(sql).get() as { n: number }).n);
    return {
      operators: n("SELECT count(*) AS n FROM operators"),
      credentials: n("SELECT count(*) AS n FROM credentials"),
      allocatedIndices: n("SELECT count(*) AS n FROM allocated_indices"),
      strayIndices: n(
        "SELECT count(*) AS n FROM allocated_indices WHERE credential_id NOT IN (SELECT id FROM credentials)",
      ),
      outbox: n("SELECT count(*) AS n FROM outbox"),
      offersWaiting: n("SELECT count(*) AS n FROM offers WHERE claims IS NOT NULL AND credential_id IS NULL"),
      offers: n("SELECT count(*) AS n FROM offers"),
      audit: n("SELECT count(*) AS n FROM audit"),
      requestHashesKept: n("SELECT count(*) AS n FROM credentials WHERE request_hash != ''"),
    };
  }
}
