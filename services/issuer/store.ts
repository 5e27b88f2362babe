import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { CodedError } from "../../core/errors.ts";

/**
 * The agency's state in SQLite (node:sqlite, on disk): operators (hashed tokens), issued-
 * credential records (no claims: only what revocation and audit need), allocated status
 * indices, the revocation outbox and an append-only audit log.
 */
export type Role = "issue" | "revoke" | "admin";
export type StatusAction = "revoke" | "suspend" | "reinstate";

export class StoreError extends CodedError<"index_space_exhausted" | "unknown_credential" | "idempotency_conflict" | "invalid_transition"> {}

export interface Operator {
  readonly id: string;
  readonly name: string;
  readonly roles: readonly Role[];
}

export interface CredentialRecord {
  readonly id: string;
  readonly type: string;
  readonly holder: string;
  readonly issuedAt: number;
  readonly validUntil: number;
  readonly revocation: { readonly list: number; readonly index: number };
  readonly suspension: { readonly list: number; readonly index: number };
  readonly requestHash: string;
}

/** What issuance records: the credential's facts (no claims) and the lists to allocate indices in. */
export type IssuanceRequest = Omit<CredentialRecord, "revocation" | "suspension"> & {
  readonly lists: { revocation: { id: number; size: number }; suspension: { id: number; size: number } };
};

export interface OutboxEntry {
  readonly seq: number;
  readonly credentialId: string;
  readonly action: StatusAction;
  readonly list: number;
  readonly index: number;
  readonly state: "pending" | "sending" | "anchored";
  readonly transaction: string | null;
  readonly block: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS operators (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, token_hash BLOB NOT NULL UNIQUE, roles TEXT NOT NULL,
  created_at INTEGER NOT NULL, disabled INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS credentials (
  id TEXT PRIMARY KEY, type TEXT NOT NULL, holder TEXT NOT NULL, issued_at INTEGER NOT NULL,
  valid_until INTEGER NOT NULL, revocation_list INTEGER NOT NULL, revocation_index INTEGER NOT NULL,
  suspension_list INTEGER NOT NULL, suspension_index INTEGER NOT NULL,
  idempotency_key TEXT UNIQUE, request_hash TEXT NOT NULL, operator TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS allocated_indices (
  list_id INTEGER NOT NULL, idx INTEGER NOT NULL, credential_id TEXT NOT NULL,
  PRIMARY KEY (list_id, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, credential_id TEXT NOT NULL REFERENCES credentials(id),
  action TEXT NOT NULL, list_id INTEGER NOT NULL, idx INTEGER NOT NULL, state TEXT NOT NULL,
  batch_id INTEGER, requested_at INTEGER NOT NULL, requested_by TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state, list_id);
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY AUTOINCREMENT, list_id INTEGER NOT NULL, set_bits INTEGER NOT NULL,
  raw_tx TEXT, tx_hash TEXT, state TEXT NOT NULL, block INTEGER, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS offers (
  code_hash BLOB PRIMARY KEY, type TEXT NOT NULL, claims TEXT, valid_for INTEGER NOT NULL,
  operator TEXT NOT NULL, expires_at INTEGER NOT NULL, token_hash BLOB UNIQUE, c_nonce TEXT,
  credential_id TEXT);
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, operator TEXT NOT NULL,
  action TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_append_only_u BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_append_only_d BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
`;

const hashToken = (token: string): Buffer => createHash("sha256").update(token).digest();

/** How many random draws before concluding a list is (nearly) full. */
const ALLOCATION_ATTEMPTS = 64;

export class IssuerStore {
  readonly db: DatabaseSync;

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    // WAL + FULL: an answered request survives a crash or power loss; readers never block the writer.
    this.db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;");
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  /** Runs `fn` in one IMMEDIATE transaction: all of it lands, or none. */
  transaction<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const result = fn();
      this.db.exec("COMMIT");
      return result;
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
  }

  // ----- operators -----

  /** Creates an operator and returns its bearer token: shown once, stored only as a hash. */
  createOperator(name: string, roles: readonly Role[], by = "bootstrap", now = Math.floor(Date.now() / 1000)): { operator: Operator; token: string } {
    const id = `op_${randomBytes(8).toString("hex")}`;
    const token = `lz_${randomBytes(32).toString("base64url")}`;
    this.transaction(() => {
      this.db.prepare("INSERT INTO operators (id, name, token_hash, roles, created_at) VALUES (?, ?, ?, ?, ?)").run(id, name, hashToken(token), roles.join(","), now);
      this.audit(by, "operator.create", id, { name, roles }, now);
    });
    return { operator: { id, name, roles }, token };
  }

  /** The operator a bearer token belongs to, or undefined. The hash comparison is constant-time. */
  authenticate(token: string): Operator | undefined {
    const hash = hashToken(token);
    const row = this.db.prepare("SELECT id, name, roles, token_hash FROM operators WHERE token_hash = ? AND disabled = 0").get(hash) as
      | { id: string; name: string; roles: string; token_hash: Uint8Array }
      | undefined;
    if (!row || !timingSafeEqual(Buffer.from(row.token_hash), hash)) return undefined;
    return { id: row.id, name: row.name, roles: row.roles.split(",") as Role[] };
  }

  operatorCount(): number {
    return Number((this.db.prepare("SELECT count(*) AS n FROM operators").get() as { n: number }).n);
  }

  // ----- issuance -----

  /** A previous issuance under this idempotency key, if any. */
  findByIdempotencyKey(key: string): CredentialRecord | undefined {
    const row = this.db.prepare("SELECT * FROM credentials WHERE idempotency_key = ?").get(key) as CredentialRow | undefined;
    return row && toRecord(row);
  }

  getCredential(id: string): CredentialRecord | undefined {
    const row = this.db.prepare("SELECT * FROM credentials WHERE id = ?").get(id) as CredentialRow | undefined;
    return row && toRecord(row);
  }

  /**
   * Allocates a random free index in each list and records the credential, in one
   * transaction: after a crash, either both indices and the record exist, or neither. The
   * (list, index) primary key makes a second credential on one index impossible.
   */
  recordIssuance(r: IssuanceRequest, idempotencyKey: string | undefined, operator: string): CredentialRecord {
    return this.transaction(() => this.recordIssuanceIn(r, idempotencyKey, operator));
  }

  private pendingIssuances: { args: [IssuanceRequest, string | undefined, string]; resolve: (r: CredentialRecord) => void; reject: (e: unknown) => void }[] = [];

  /**
   * recordIssuance with group commit: requests arriving together share one transaction (each
   * in its own savepoint, so one failure fails only itself) and one fsync. Each promise
   * resolves only after that commit is durable: the same guarantee, far fewer disk syncs.
   */
  recordIssuanceGrouped(r: IssuanceRequest, idempotencyKey: string | undefined, operator: string): Promise<CredentialRecord> {
    return new Promise((resolve, reject) => {
      if (this.pendingIssuances.push({ args: [r, idempotencyKey, operator], resolve, reject }) === 1) setImmediate(() => this.flushIssuances());
    });
  }

  private flushIssuances(): void {
    const group = this.pendingIssuances;
    this.pendingIssuances = [];
    const outcomes: ({ ok: true; value: CredentialRecord } | { ok: false; error: unknown })[] = [];
    try {
      this.transaction(() => {
        for (const item of group) {
          this.db.exec("SAVEPOINT issuance");
          try {
            outcomes.push({ ok: true, value: this.recordIssuanceIn(...item.args) });
            this.db.exec("RELEASE issuance");
          } catch (error) {
            this.db.exec("ROLLBACK TO issuance; RELEASE issuance");
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

  private recordIssuanceIn(r: IssuanceRequest, idempotencyKey: string | undefined, operator: string): CredentialRecord {
    if (idempotencyKey) {
      const existing = this.findByIdempotencyKey(idempotencyKey);
      if (existing) {
        if (existing.requestHash !== r.requestHash) throw new StoreError("idempotency_conflict", "this Idempotency-Key was used for a different request");
        return existing;
      }
    }
    const revocation = { list: r.lists.revocation.id, index: this.allocate(r.lists.revocation.id, r.lists.revocation.size, r.id) };
    const suspension = { list: r.lists.suspension.id, index: this.allocate(r.lists.suspension.id, r.lists.suspension.size, r.id) };
    this.db
      .prepare(
        `INSERT INTO credentials (id, type, holder, issued_at, valid_until, revocation_list, revocation_index,
         suspension_list, suspension_index, idempotency_key, request_hash, operator) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
      )
      .run(r.id, r.type, r.holder, r.issuedAt, r.validUntil, revocation.list, revocation.index, suspension.list, suspension.index, idempotencyKey ?? null, r.requestHash, operator);
    this.audit(operator, "credential.issue", r.id, { type: r.type, revocation, suspension }, r.issuedAt);
    return { id: r.id, type: r.type, holder: r.holder, issuedAt: r.issuedAt, validUntil: r.validUntil, revocation, suspension, requestHash: r.requestHash };
  }

  private allocate(list: number, size: number, credentialId: string): number {
    const insert = this.db.prepare("INSERT OR IGNORE INTO allocated_indices (list_id, idx, credential_id) VALUES (?, ?, ?)");
    for (let attempt = 0; attempt < ALLOCATION_ATTEMPTS; attempt++) {
      const index = randomInt(size);
      if (Number(insert.run(list, index, credentialId).changes) === 1) return index;
    }
    throw new StoreError("index_space_exhausted", `status list ${list} is too full to allocate a random index: create a new list`);
  }

  // ----- revocation outbox -----

  /** Queues status changes as `pending`; nothing is reported done until a receipt marks it anchored. */
  enqueueStatus(credentialIds: readonly string[], action: StatusAction, operator: string, now = Math.floor(Date.now() / 1000)): OutboxEntry[] {
    return this.transaction(() => {
      const entries: OutboxEntry[] = [];
      for (const id of credentialIds) {
        const c = this.getCredential(id);
        if (!c) throw new StoreError("unknown_credential", `no credential ${id} issued here`);
        const { list, index } = action === "revoke" ? c.revocation : c.suspension;
        const seq = Number(
          this.db.prepare("INSERT INTO outbox (credential_id, action, list_id, idx, state, requested_at, requested_by) VALUES (?, ?, ?, ?, 'pending', ?, ?)").run(id, action, list, index, now, operator)
            .lastInsertRowid,
        );
        this.audit(operator, `credential.${action}`, id, { seq }, now);
        entries.push({ seq, credentialId: id, action, list, index, state: "pending", transaction: null, block: null });
      }
      return entries;
    });
  }

  /** The status requests of a credential, oldest first. */
  statusOf(credentialId: string): OutboxEntry[] {
    const rows = this.db
      .prepare("SELECT o.seq, o.credential_id, o.action, o.list_id, o.idx, o.state, b.tx_hash, b.block FROM outbox o LEFT JOIN batches b ON b.id = o.batch_id WHERE o.credential_id = ? ORDER BY o.seq")
      .all(credentialId) as unknown as OutboxRow[];
    return rows.map(toEntry);
  }

  outboxDepth(): number {
    return Number((this.db.prepare("SELECT count(*) AS n FROM outbox WHERE state != 'anchored'").get() as { n: number }).n);
  }

  lastAnchoredBlock(): number | null {
    const row = this.db.prepare("SELECT max(block) AS b FROM batches WHERE state = 'anchored'").get() as { b: number | null };
    return row.b === null ? null : Number(row.b);
  }

  // ----- credential offers (OpenID4VCI pre-authorized code) -----

  /**
   * Records an offer; returns its one-time pre-authorized code. The claims wait here until the
   * wallet redeems the offer or it expires, and are erased then (purgeOffers).
   */
  createOffer(o: { type: string; claims: unknown; validFor: number; operator: string; expiresAt: number }): string {
    const code = randomBytes(32).toString("base64url");
    this.transaction(() => {
      this.db.prepare("INSERT INTO offers (code_hash, type, claims, valid_for, operator, expires_at) VALUES (?, ?, ?, ?, ?, ?)").run(hashToken(code), o.type, JSON.stringify(o.claims), o.validFor, o.operator, o.expiresAt);
      this.audit(o.operator, "offer.create", o.type, { expiresAt: o.expiresAt });
    });
    return code;
  }

  /** Exchanges a pre-authorized code (once, before expiry) for an access token and a c_nonce. */
  redeemOfferCode(code: string, now: number): { accessToken: string; cNonce: string } | undefined {
    return this.transaction(() => {
      const row = this.db.prepare("SELECT expires_at, token_hash FROM offers WHERE code_hash = ?").get(hashToken(code)) as { expires_at: number; token_hash: Uint8Array | null } | undefined;
      if (!row || row.token_hash !== null || Number(row.expires_at) < now) return undefined;
      const accessToken = randomBytes(32).toString("base64url");
      const cNonce = randomBytes(16).toString("base64url");
      this.db.prepare("UPDATE offers SET token_hash = ?, c_nonce = ? WHERE code_hash = ?").run(hashToken(accessToken), cNonce, hashToken(code));
      return { accessToken, cNonce };
    });
  }

  /** The offer an access token was issued for, while it is unredeemed and unexpired. */
  offerForToken(accessToken: string, now: number): { codeHash: Uint8Array; type: string; claims: unknown; validFor: number; operator: string; cNonce: string } | undefined {
    const row = this.db.prepare("SELECT code_hash, type, claims, valid_for, operator, c_nonce, expires_at FROM offers WHERE token_hash = ? AND credential_id IS NULL").get(hashToken(accessToken)) as
      | { code_hash: Uint8Array; type: string; claims: string; valid_for: number; operator: string; c_nonce: string; expires_at: number }
      | undefined;
    if (!row || Number(row.expires_at) < now) return undefined;
    return { codeHash: row.code_hash, type: row.type, claims: JSON.parse(row.claims) as unknown, validFor: Number(row.valid_for), operator: row.operator, cNonce: row.c_nonce };
  }

  /** Marks an offer redeemed and erases its claims: they now live only in the holder's credential. */
  completeOffer(codeHash: Uint8Array, credentialId: string): void {
    this.db.prepare("UPDATE offers SET credential_id = ?, claims = NULL WHERE code_hash = ?").run(credentialId, codeHash);
  }

  /** Erases the claims of offers that expired unredeemed. */
  purgeOffers(now: number): number {
    return Number(this.db.prepare("UPDATE offers SET claims = NULL WHERE expires_at < ? AND claims IS NOT NULL").run(now).changes);
  }

  // ----- audit -----

  audit(operator: string, action: string, subject: string, detail: unknown, now = Math.floor(Date.now() / 1000)): void {
    this.db.prepare("INSERT INTO audit (at, operator, action, subject, detail) VALUES (?, ?, ?, ?, ?)").run(now, operator, action, subject, JSON.stringify(detail));
  }

  auditLog(limit = 100): { seq: number; at: number; operator: string; action: string; subject: string; detail: unknown }[] {
    return (this.db.prepare("SELECT * FROM audit ORDER BY seq DESC LIMIT ?").all(limit) as unknown as { seq: number; at: number; operator: string; action: string; subject: string; detail: string }[]).map((r) => ({
      ...r,
      detail: JSON.parse(r.detail) as unknown,
    }));
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
