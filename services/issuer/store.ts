import { Credentials, CREDENTIALS_SCHEMA } from "./store/credentials.ts";
import { Offers, OFFERS_SCHEMA } from "./store/offers.ts";
import { Operators, OPERATORS_SCHEMA } from "./store/operators.ts";
import { Outbox, OUTBOX_SCHEMA } from "./store/outbox.ts";
import { Sqlite, unixNow } from "./store/sqlite.ts";
import { AUDIT_SCHEMA, AuditLog } from "./store/audit.ts";

export type { StatusAction } from "../../core/index.ts";
export { MAX_COPIES, StoreError, type CredentialRecord, type IssuanceRequest, type StatusSlot } from "./store/credentials.ts";
export type { RedeemableOffer } from "./store/offers.ts";
export type { Operator, Role } from "./store/operators.ts";
export type { BatchPlan, OutboxEntry, SignedBatch } from "./store/outbox.ts";
export { auditEntryHash, checkAuditChain, readAuditRows, AUDIT_GENESIS, type AnchoredAuditHead, type AuditHead, type AuditReport, type AuditRow } from "./store/audit.ts";

const SETTINGS_SCHEMA = `
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

export interface AuditEntry {
  readonly seq: number;
  readonly at: number;
  readonly operator: string;
  readonly action: string;
  readonly subject: string;
  readonly detail: unknown;
}

/**
 * The agency's state in SQLite (node:sqlite, on disk), one part per concern: `operators`
 * (hashed tokens, roles), `credentials` (records without claims, random status indices),
 * `outbox` (status requests and the batches that anchor them), `offers` (OpenID4VCI), and the
 * append-only audit log they all write. The connection itself is private to `store/`.
 */
export class IssuerStore {
  readonly path: string;
  readonly operators: Operators;
  readonly credentials: Credentials;
  readonly outbox: Outbox;
  readonly offers: Offers;
  /** The append-only audit log, a hash chain whose head the anchoring worker puts on chain. */
  readonly auditChain: AuditLog;
  readonly #sql: Sqlite;

  constructor(path: string) {
    this.path = path;
    this.#sql = new Sqlite(path, OPERATORS_SCHEMA + CREDENTIALS_SCHEMA + OUTBOX_SCHEMA + OFFERS_SCHEMA + SETTINGS_SCHEMA + AUDIT_SCHEMA);
    this.auditChain = new AuditLog(this.#sql);
    this.#sql.audit = (operator, action, subject, detail, now) => void this.auditChain.append(operator, action, subject, detail, now);
    this.operators = new Operators(this.#sql);
    this.credentials = new Credentials(this.#sql);
    this.outbox = new Outbox(this.#sql, this.credentials);
    this.offers = new Offers(this.#sql);
  }

  close(): void {
    this.#sql.close();
  }

  /** A value the service learnt once and keeps across restarts (e.g. the agency's lists, to start with the chain down). */
  setting<T>(name: string): T | undefined {
    const row = this.#sql.sql("SELECT value FROM settings WHERE name = ?").get(name) as { value: string } | undefined;
    return row && (JSON.parse(row.value) as T);
  }

  saveSetting(name: string, value: unknown): void {
    this.#sql.sql("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value").run(name, JSON.stringify(value));
  }

  audit(operator: string, action: string, subject: string, detail: unknown, now = unixNow()): void {
    this.#sql.audit(operator, action, subject, detail, now);
  }

  /** The newest entries first. */
  auditLog(limit = 100): AuditEntry[] {
    const rows = this.#sql.sql("SELECT * FROM audit ORDER BY seq DESC LIMIT ?").all(limit) as unknown as (Omit<AuditEntry, "detail"> & { detail: string })[];
    return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as unknown }));
  }
}
