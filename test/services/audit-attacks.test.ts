import { DatabaseSync } from "node:sqlite";
import type { Server } from "node:http";
import type { Signer } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditAnchors, lastAuditAnchor } from "../../services/chain/audit-anchors.ts";
import { connectLedger, type Ledger } from "../../services/chain/ledger.ts";
import { AuditAnchorer, verifyAuditLog } from "../../services/issuer/audit-anchor.ts";
import { loadIssuerConfig } from "../../services/issuer/config.ts";
import { auditEntryHash, AUDIT_GENESIS, SqliteIssuerStore, type AuditRow } from "../../services/issuer/store.ts";
import { expectRevert, seededChain, type SeededChain } from "../helpers/chain.ts";
import { startIssuerService } from "../helpers/issuer.ts";

/**
 * Issue 22 items 5 and 6, through the chain and the service: the audit log's tamper evidence
 * survives one stolen status-writer key (the count it can forge is bounded, /health says so,
 * the identity owner resets it) and one written database file (a rewritten anchored prefix is
 * refused, never anchored over; the unanchored window is shown with its age).
 */
let chain: SeededChain;
let ledger: Ledger;

beforeAll(async () => {
  chain = await seededChain();
  ledger = connectLedger(chain.deployment, chain.provider);
});

/** An issuer service of demo agency `n` whose /health shows `audit`'s state, with a few audit entries. */
async function service(n: number) {
  const agency = chain.agencies[n]!.address;
  const shown: { audit?: AuditAnchorer } = {};
  const issuer = await startIssuerService(chain, n, {
    anchoring: async () => ({ lastError: null, requeued: {}, lastReconcile: null, audit: await shown.audit!.status() }),
  });
  const audit = (shown.audit = new AuditAnchorer(
    issuer.store,
    chain.deployment,
    chain.accounts.writers[n] as Signer,
    agency,
    { intervalMs: 0 },
  ));
  for (const name of ["alice", "bob", "carol"]) await issuer.store.operators.create(name, ["issue"]);
  const health = async () => {
    const res = await fetch(`${issuer.url}/health`);
    return {
      status: res.status,
      body: (await res.json()) as {
        status: string;
        anchoring: { audit: Awaited<ReturnType<AuditAnchorer["status"]>> };
      },
    };
  };
  return { ...issuer, agency, audit, shown, health };
}
const closeAll: Server[] = [];
afterAll(() => closeAll.forEach((s) => s.close()));

describe("a stolen status-writer key (issue 22 item 5)", () => {
  it("cannot push the audit count out of reach; the service reports the chain ahead on /health; the identity owner's reset lets the genuine log anchor again", async () => {
    const s = await service(2);
    closeAll.push(s.server);
    expect(await s.audit.step(true)).toEqual(await s.store.auditChain.head());
    const genuine = await s.store.auditChain.head();
    const thief = connectLedger(chain.deployment, chain.accounts.writers[2] as Signer).status;
    // The attack of the second pass: count 2^64-1, after which no anchor could ever pass it.
    const max = (await thief.getFunction("MAX_AUDIT_STEP")()) as bigint;
    await expectRevert(
      thief.getFunction("anchorAudit")(s.agency, 2n ** 64n - 1n, `0x${"ab".repeat(32)}`),
      "AuditStepTooLarge",
      [s.agency, 2n ** 64n - 1n, BigInt(genuine.count), max],
    );
    // What a thief still can do: one largest step. The service notices as soon as its log grows.
    await (
      await thief.getFunction("anchorAudit")(s.agency, BigInt(genuine.count) + max, `0x${"ab".repeat(32)}`)
    ).wait();
    await s.store.operators.create("dave", ["issue"]);
    expect(await s.audit.step(true)).toBeNull();
    const ahead = await s.health();
    expect(ahead.status).toBe(503);
    expect(ahead.body.status).toBe("degraded");
    expect(ahead.body.anchoring.audit.lastError).toMatchObject({ code: "audit_chain_ahead" });
    expect((await verifyAuditLog(s.store.path, ledger, s.agency)).broken).toMatchObject({ reason: "entry_missing" });
    // The writer cannot undo it; the agency's identity owner (its offline key) resets to the last genuine head.
    await expectRevert(
      thief.getFunction("resetAuditHead")(s.agency, genuine.count, `0x${genuine.head}`),
      "NotIdentityOwner",
    );
    const owner = connectLedger(chain.deployment, chain.accounts.controllers[2] as Signer).status;
    await (await owner.getFunction("resetAuditHead")(s.agency, genuine.count, `0x${genuine.head}`)).wait();
    expect(await s.audit.step(true)).toEqual(await s.store.auditChain.head());
    const healed = await s.health();
    expect([healed.status, healed.body.anchoring.audit.lastError, healed.body.anchoring.audit.unanchored]).toEqual([
      200,
      null,
      0,
    ]);
    // The forged head is void for the auditor too: the log verifies against the heads in force.
    expect(await verifyAuditLog(s.store.path, ledger, s.agency)).toMatchObject({
      ok: true,
      unanchored: 0,
      broken: null,
    });
    // The reset replaced the heads at or above its count (the forged one, and the genuine one it restates).
    expect((await auditAnchors(ledger, s.agency)).map((a) => a.count)).toEqual([
      genuine.count,
      (await s.store.auditChain.head()).count,
    ]);
  });
});

describe("a written database file (issue 22 item 6)", () => {
  it("a history whose anchored prefix was rewritten and re-hashed is refused after restart, not anchored; /health names why", async () => {
    const s = await service(3);
    closeAll.push(s.server);
    await s.audit.step(true);
    const anchored = await lastAuditAnchor(ledger, s.agency);
    await s.store.operators.create("erin", ["issue"]);
    // The owner of the file drops the triggers, rewrites entry 2 and re-hashes everything after it.
    const db = new DatabaseSync(s.store.path);
    db.exec("DROP TRIGGER audit_append_only_u; DROP TRIGGER audit_append_only_d;");
    db.prepare("UPDATE audit SET subject = 'mallory' WHERE seq = 2").run();
    let prev = AUDIT_GENESIS;
    for (const r of db.prepare("SELECT * FROM audit ORDER BY seq").all() as unknown as AuditRow[]) {
      prev = auditEntryHash(prev, r);
      db.prepare("UPDATE audit SET hash = ? WHERE seq = ?").run(prev, r.seq);
    }
    db.close();
    // The service restarts on the forged file: it refuses to anchor over the anchored head.
    const restarted = new SqliteIssuerStore(s.store.path);
    const audit = new AuditAnchorer(restarted, chain.deployment, chain.accounts.writers[3] as Signer, s.agency, {
      intervalMs: 0,
    });
    restarted.operators.create("frank", ["issue"]);
    expect(await audit.step(true)).toBeNull();
    expect((await audit.status()).lastError).toMatchObject({ code: "audit_prefix_mismatch" });
    expect(await lastAuditAnchor(ledger, s.agency)).toEqual(anchored);
    s.shown.audit = audit; // the service's /health shows the restarted anchorer
    const health = await s.health();
    expect([health.status, health.body.anchoring.audit.lastError?.code]).toEqual([503, "audit_prefix_mismatch"]);
    expect((await verifyAuditLog(s.store.path, ledger, s.agency)).broken).toMatchObject({
      reason: "anchor_mismatch",
      through: anchored.count,
    });
    restarted.close();
  });

  it("shows the unanchored entries and the oldest one's age on /health and in the check", async () => {
    const s = await service(4);
    closeAll.push(s.server);
    await s.audit.step(true);
    s.store.audit("admin", "settings.change", "rate-limit", { to: 5 }, Math.floor(Date.now() / 1000) - 42);
    await s.store.operators.create("grace", ["issue"]);
    const { body } = await s.health();
    expect(body.anchoring.audit).toMatchObject({ entries: 5, unanchored: 2 });
    expect(body.anchoring.audit.oldestUnanchoredAgeS).toBeGreaterThanOrEqual(42);
    const report = await verifyAuditLog(s.store.path, ledger, s.agency);
    expect(report).toMatchObject({
      ok: true,
      entries: 5,
      unanchored: 2,
      oldestUnanchoredAt: body.anchoring.audit.oldestUnanchoredAt,
    });
    await s.audit.step(true);
    expect((await s.health()).body.anchoring.audit).toMatchObject({
      unanchored: 0,
      oldestUnanchoredAt: null,
      oldestUnanchoredAgeS: null,
    });
  });

  it("an entry waits at most about a minute for its anchor by default (the window stays small)", () => {
    const config = loadIssuerConfig({
      LAISSEZ_DB: "x.db",
      LAISSEZ_AGENCY: chain.agencies[0]!.address,
      LAISSEZ_STATUS_WRITER_KEY: `0x${"11".repeat(32)}`,
      LAISSEZ_SIGNING_KEY: `0x${"22".repeat(32)}`,
    });
    // The interval plus a block and its receipt (2 s on QBFT) stays within the 60 s goal.
    expect(config.LAISSEZ_AUDIT_ANCHOR_MS + 2_000 + 5_000).toBeLessThanOrEqual(60_000);
    expect(() =>
      loadIssuerConfig({
        LAISSEZ_DB: "x.db",
        LAISSEZ_AGENCY: chain.agencies[0]!.address,
        LAISSEZ_STATUS_WRITER_KEY: `0x${"11".repeat(32)}`,
        LAISSEZ_SIGNING_KEY: `0x${"22".repeat(32)}`,
        LAISSEZ_AUDIT_ANCHOR_MS: "600000",
      }),
    ).toThrow();
  });
});
