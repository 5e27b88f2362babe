import { hashToken, newAccessToken, newOfferCode, unixNow } from "../policy.ts";
import type { OfferStore, RedeemableOffer } from "../types.ts";
import type { Sqlite } from "./connection.ts";

export const OFFERS_SCHEMA = `
CREATE TABLE IF NOT EXISTS offers (
  code_hash BLOB PRIMARY KEY, type TEXT NOT NULL, claims TEXT, valid_for INTEGER NOT NULL,
  operator TEXT NOT NULL, expires_at INTEGER NOT NULL, token_hash BLOB UNIQUE, c_nonce TEXT,
  credential_id TEXT, claimed_at INTEGER);
`;

/**
 * Credential offers (OpenID4VCI pre-authorized code). The claims wait here until the wallet
 * redeems the offer or it expires, and are erased then; codes and tokens are stored hashed.
 */
export class SqliteOffers implements OfferStore {
  readonly #sql: Sqlite;

  constructor(sql: Sqlite) {
    this.#sql = sql;
    sql.addColumn("offers", "claimed_at", "INTEGER");
    sql.addColumn("offers", "format", "TEXT");
  }

  /** Records an offer; returns its one-time pre-authorized code. */
  async create(
    o: { type: string; claims: unknown; validFor: number; operator: string; expiresAt: number; format?: string },
    now = unixNow(),
  ): Promise<string> {
    const code = newOfferCode();
    this.#sql.transaction(() => {
      this.#sql
        .sql(
          "INSERT INTO offers (code_hash, type, claims, valid_for, operator, expires_at, format) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .run(hashToken(code), o.type, JSON.stringify(o.claims), o.validFor, o.operator, o.expiresAt, o.format ?? null);
      this.#sql.audit(o.operator, "offer.create", o.type, { expiresAt: o.expiresAt }, now);
    });
    return code;
  }

  /** Exchanges a pre-authorized code (once, before expiry) for an access token and a c_nonce. */
  async redeemCode(code: string, now: number): Promise<{ accessToken: string; cNonce: string } | undefined> {
    return this.#sql.transaction(() => {
      const row = this.#sql
        .sql("SELECT expires_at, token_hash FROM offers WHERE code_hash = ?")
        .get(hashToken(code)) as { expires_at: number; token_hash: Uint8Array | null } | undefined;
      if (!row || row.token_hash !== null || Number(row.expires_at) < now) return undefined;
      const { accessToken, cNonce } = newAccessToken();
      this.#sql
        .sql("UPDATE offers SET token_hash = ?, c_nonce = ? WHERE code_hash = ?")
        .run(hashToken(accessToken), cNonce, hashToken(code));
      return { accessToken, cNonce };
    });
  }

  /** The offer an access token was issued for, while it is unredeemed, unclaimed and unexpired. */
  async forToken(accessToken: string, now: number): Promise<RedeemableOffer | undefined> {
    const sql =
      "SELECT code_hash, type, claims, valid_for, operator, c_nonce, format FROM offers WHERE token_hash = ? AND credential_id IS NULL AND claimed_at IS NULL AND expires_at >= ?";
    return toOffer(this.#sql.sql(sql).get(hashToken(accessToken), now) as OfferRow | undefined);
  }

  /**
   * Takes the offer for one redemption, atomically (one UPDATE): of racing redemptions exactly
   * one gets it, the others undefined. Call `complete` once the credential is recorded, or
   * `release` if issuing failed so the wallet may retry.
   */
  async claim(accessToken: string, now: number): Promise<RedeemableOffer | undefined> {
    const sql = `UPDATE offers SET claimed_at = ? WHERE token_hash = ? AND credential_id IS NULL AND claimed_at IS NULL AND expires_at >= ?
      RETURNING code_hash, type, claims, valid_for, operator, c_nonce, format`;
    return toOffer(this.#sql.sql(sql).get(now, hashToken(accessToken), now) as OfferRow | undefined);
  }

  /** Gives a claimed, unredeemed offer back (issuing failed before anything was recorded). */
  async release(codeHash: Uint8Array): Promise<void> {
    this.#sql.sql("UPDATE offers SET claimed_at = NULL WHERE code_hash = ? AND credential_id IS NULL").run(codeHash);
  }

  /**
   * Gives back every claim (at start: a claim belongs to a request of a running service, and a
   * killed one answers no more). The offer is redeemable again; its records, if any were made,
   * wait under its key for the retry (Credentials.recordForOffer).
   */
  async releaseAbandonedClaims(): Promise<number> {
    return Number(
      this.#sql.sql("UPDATE offers SET claimed_at = NULL WHERE claimed_at IS NOT NULL AND credential_id IS NULL").run()
        .changes,
    );
  }

  /** Marks an offer redeemed and erases its claims: they now live only in the holder's credential. */
  async complete(codeHash: Uint8Array, credentialId: string): Promise<void> {
    this.#sql.sql("UPDATE offers SET credential_id = ?, claims = NULL WHERE code_hash = ?").run(credentialId, codeHash);
  }

  /** Erases the claims of offers that expired unredeemed. */
  async purgeExpired(now: number): Promise<number> {
    return Number(
      this.#sql.sql("UPDATE offers SET claims = NULL WHERE expires_at < ? AND claims IS NOT NULL").run(now).changes,
    );
  }
}

interface OfferRow {
  code_hash: Uint8Array;
  type: string;
  claims: string | null;
  valid_for: number;
  operator: string;
  c_nonce: string;
  format: string | null;
}

function toOffer(row: OfferRow | undefined): RedeemableOffer | undefined {
  if (!row || row.claims === null) return undefined;
  return {
    codeHash: row.code_hash,
    type: row.type,
    claims: JSON.parse(row.claims) as unknown,
    validFor: Number(row.valid_for),
    operator: row.operator,
    cNonce: row.c_nonce,
    format: row.format ?? null,
  };
}
