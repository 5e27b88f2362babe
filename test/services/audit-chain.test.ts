import { mkdtempSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { p256 } from "@noble/curves/nist.js";
import type { Signer } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { p256DidKey } from "../../core/did.ts";
import { lastAuditAnchor } from "../../services/chain/audit-anchors.ts";
import { connectLedger, type Ledger } from "../../services/chain/ledger.ts";
import { StatusPublisher, startPublishing } from "../../services/issuer/publish.ts";
import { AuditAnchorer, verifyAuditLog } from "../../services/issuer/audit-anchor.ts";
import { auditEntryHash, AUDIT_GENESIS, SqliteIssuerStore, type AuditRow } from "../../services/issuer/store.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { startIssuerService } from "../helpers/issuer.ts";

/**
 * The tamper-evident audit log (issue 14): a hash chain in SQLite whose head the status writer
 * anchors on chain; the check walks it against the anchored heads and names the first broken
 * entry. The attacker here holds the database file (and drops its append-only triggers).
 */
let chain: SeededChain;
let ledger: Ledger;
let store: SqliteIssuerStore;
let agency: string;
const dir = mkdtempSync(join(tmpdir(), "laissez-audit-"));

beforeAll(async () => {
  chain = await seededChain();
  ledger = connectLedger(chain.deployment, chain.provider);
  agency = chain.agencies[1]!.address;
  store = new SqliteIssuerStore(join(dir, "issuer.db"));
});
afterAll(() => store?.close());

/** A consistent copy of the store's database, opened for tampering (its triggers dropped). */
function copy(name: string): { path: string; db: DatabaseSync } {
  const path = join(dir, `${name}.db`);
  new DatabaseSync(store.path).exec(`VACUUM INTO '${path}'`);
  const db = new DatabaseSync(path);
  db.exec("DROP TRIGGER audit_append_only_u; DROP TRIGGER audit_append_only_d;");
  return { path, db };
}

describe("audit log as a hash chain, anchored on chain", () => {
  let anchoredCount = 0;

  it("chains every entry to the one before; the status writer anchors the head; appended entries are unanchored, not broken", async () => {
    for (const name of ["alice", "bob", "carol", "dave"]) await store.operators.create(name, ["issue"]);
    await store.audit("admin", "settings.change", "rate-limit", { from: 10, to: 20 });
    const rows = new DatabaseSync(store.path)
      .prepare("SELECT * FROM audit ORDER BY seq")
      .all() as unknown as AuditRow[];
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    // The encoding is the documented one: SHA-256 of the JCS of { v, prev, seq, at, operator, action, subject, detail }.
    expect(rows[0]!.hash).toBe(auditEntryHash(AUDIT_GENESIS, rows[0]!));
    expect(rows[1]!.hash).toBe(auditEntryHash(rows[0]!.hash!, rows[1]!));

    const audit = new AuditAnchorer(store, chain.deployment, chain.accounts.writers[1] as Signer, agency, {
      intervalMs: 0,
    });
    expect(await audit.step(true)).toEqual(await store.auditChain.head());
    anchoredCount = (await store.auditChain.head()).count;
    expect(await lastAuditAnchor(ledger, agency)).toEqual({ count: 5, head: rows[4]!.hash });
    expect(await audit.step(true)).toBeNull(); // nothing new: no transaction

    await store.operators.create("erin", ["revoke"]);
    await store.operators.create("frank", ["revoke"]);
    const report = await verifyAuditLog(store.path, ledger, agency);
    expect(report).toMatchObject({ ok: true, entries: 7, unanchored: 2, broken: null, anchored: { count: 5 } });
  });

  it("names an old entry rewritten in the database", async () => {
    const { path, db } = copy("rewritten");
    db.prepare("UPDATE audit SET detail = ? WHERE seq = 2").run(JSON.stringify({ name: "mallory", roles: ["admin"] }));
    expect((await verifyAuditLog(path, ledger, agency)).broken).toMatchObject({ seq: 2, reason: "entry_altered" });
  });

  it("a rewrite that recomputes every later hash still breaks against the anchored head: the range is named", async () => {
    const { path, db } = copy("rehashed");
    db.prepare("UPDATE audit SET operator = 'nobody' WHERE seq = 3").run();
    let prev = AUDIT_GENESIS;
    for (const r of db.prepare("SELECT * FROM audit ORDER BY seq").all() as unknown as AuditRow[]) {
      prev = auditEntryHash(prev, r);
      db.prepare("UPDATE audit SET hash = ? WHERE seq = ?").run(prev, r.seq);
    }
    expect((await verifyAuditLog(path, ledger, agency)).broken).toMatchObject({
      seq: 1,
      through: anchoredCount,
      reason: "anchor_mismatch",
    });
  });

  it("names a deleted entry, and anchored entries cut off the end", async () => {
    const gap = copy("gap");
    gap.db.exec("DELETE FROM audit WHERE seq = 3");
    expect((await verifyAuditLog(gap.path, ledger, agency)).broken).toMatchObject({ seq: 3, reason: "entry_missing" });
    const cut = copy("cut");
    cut.db.exec(`DELETE FROM audit WHERE seq >= ${anchoredCount}`);
    expect((await verifyAuditLog(cut.path, ledger, agency)).broken).toMatchObject({
      seq: anchoredCount,
      through: anchoredCount,
      reason: "entry_missing",
    });
    // The limit: entries after the last anchor are only as safe as the file (hence anchoring after every status batch).
    const tail = copy("tail");
    tail.db.exec(`DELETE FROM audit WHERE seq > ${anchoredCount}`);
    expect(await verifyAuditLog(tail.path, ledger, agency)).toMatchObject({ ok: true, unanchored: 0 });
  });

  it("the store refuses to change or delete a chained entry; two writers never fork the chain", async () => {
    const raw = new DatabaseSync(store.path);
    expect(() => raw.exec("UPDATE audit SET detail = '{}' WHERE seq = 1")).toThrow(/append-only/);
    expect(() => raw.exec("DELETE FROM audit WHERE seq = 1")).toThrow(/append-only/);
    const second = new SqliteIssuerStore(store.path);
    for (let i = 0; i < 5; i++) {
      await second.operators.create(`s${i}`, ["issue"]);
      await store.operators.create(`f${i}`, ["issue"]);
    }
    await second.close();
    const rows = raw.prepare("SELECT * FROM audit ORDER BY seq").all() as unknown as AuditRow[];
    let prev = AUDIT_GENESIS;
    for (const r of rows) expect(r.hash).toBe((prev = auditEntryHash(prev, r)));
  });

  it("the anchoring loop anchors the audit head alongside the status batches", async () => {
    const issuer = await startIssuerService(chain, 0);
    try {
      const token = (await issuer.store.operators.create("ops", ["issue", "revoke"])).token;
      const post = (path: string, body: unknown) =>
        fetch(`${issuer.url}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      const holder = p256DidKey(p256.getPublicKey(p256.utils.randomSecretKey(), false));
      const { id } = (await (
        await post("/credentials", { type: "HealthCode", subject: holder, claims: { healthStatus: "green" } })
      ).json()) as { id: string };
      expect((await post("/credentials/status", { ids: [id], action: "revoke" })).status).toBe(202);
      const writer = chain.accounts.writers[0] as Signer;
      const audit = new AuditAnchorer(issuer.store, chain.deployment, writer, chain.agencies[0]!.address, {
        intervalMs: 300,
      });
      const loop = startPublishing(new StatusPublisher(issuer.store, chain.deployment, writer), issuer.store, {
        intervalMs: 20,
        reconcileMs: 3_600_000,
        log: () => {},
        audit,
      });
      // The status batch lands, its `status.anchored` entry is written, then (within the interval) the head with it goes on chain.
      for (
        let i = 0;
        i < 200 &&
        (await lastAuditAnchor(ledger, chain.agencies[0]!.address)).count <
          (await issuer.store.auditChain.head()).count;
        i++
      )
        await new Promise((r) => setTimeout(r, 50));
      await loop.stop();
      expect((await issuer.store.auditLog(1))[0]!.action).toBe("status.anchored");
      expect(await verifyAuditLog(issuer.store.path, ledger, chain.agencies[0]!.address)).toMatchObject({
        ok: true,
        unanchored: 0,
      });
      expect((await audit.status()).lastAnchored?.count).toBe((await issuer.store.auditChain.head()).count);
    } finally {
      issuer.server.close();
    }
  });
});
