import { describe, expect, it } from "vitest";
import {
  AUDIT_GENESIS,
  auditEntryHash,
  checkAuditChain,
  IDEMPOTENCY_WINDOW,
  type AuditRow,
  type IssuerStore,
} from "../../services/issuer/store.ts";

const lists = { revocation: { id: 0, size: 131_072 }, suspension: { id: 1, size: 131_072 } };
const record = (id: string, requestHash = "h", issuedAt = 1) => ({
  id,
  type: "HealthCode",
  holder: "did:key:z",
  issuedAt,
  validUntil: issuedAt + 1,
  requestHash,
  lists,
});

async function rowsOf(store: IssuerStore): Promise<AuditRow[]> {
  const rows: AuditRow[] = [];
  for await (const r of store.auditChain.rows()) rows.push(r);
  return rows;
}

/**
 * What every issuer store must do, whatever it stores in (as OpenZeppelin's shouldBehaveLike…
 * suites): `open` gives a fresh, empty store. A new dialect runs this from its own test file
 * (`shouldBehaveLikeAnIssuerStore("PostgreSQL", () => …)`); SQLite runs it in
 * test/services/issuer-store.test.ts.
 */
export function shouldBehaveLikeAnIssuerStore(dialect: string, open: () => Promise<IssuerStore>): void {
  describe(`an issuer store (${dialect})`, () => {
    it("authenticates only the exact token, while enabled and unexpired", async () => {
      const store = await open();
      const { operator, token } = await store.operators.create("alice", ["issue", "revoke"]);
      expect(await store.operators.authenticate(token)).toEqual(operator);
      expect(await store.operators.authenticate(`${token}x`)).toBeUndefined();
      const temp = await store.operators.create("clerk", ["issue"], { now: 100, expiresAt: 200 });
      expect((await store.operators.authenticate(temp.token, 199))?.id).toBe(temp.operator.id);
      expect(await store.operators.authenticate(temp.token, 200)).toBeUndefined();
      expect(await store.operators.disable(operator.id, "admin")).toBe(true);
      expect(await store.operators.disable("op_nobody", "admin")).toBe(false);
      expect(await store.operators.authenticate(token)).toBeUndefined();
      expect(await store.operators.count()).toBe(2);
      await store.close();
    });

    it("allocates distinct random indices, never two credentials on one index", async () => {
      const store = await open();
      const seen = new Set<number>();
      for (let i = 0; i < 2000; i++)
        seen.add((await store.credentials.record(record(`c${i}`), undefined, "op")).revocation.index);
      expect(seen.size).toBe(2000);
      // Random, not sequential: 2,000 draws from 131,072 do not fit in the first 4,000.
      expect(Math.max(...seen)).toBeGreaterThan(4000);
      expect(await store.census()).toMatchObject({ credentials: 2000, allocatedIndices: 4000, strayIndices: 0 });
      await store.close();
    });

    it("refuses a full list with index_space_exhausted, recording nothing", async () => {
      const store = await open();
      const tiny = { revocation: { id: 7, size: 1 }, suspension: { id: 8, size: 1 } };
      await store.credentials.record({ ...record("first"), lists: tiny }, undefined, "op");
      await expect(
        store.credentials.record({ ...record("second"), lists: tiny }, undefined, "op"),
      ).rejects.toMatchObject({ code: "index_space_exhausted" });
      expect(await store.census()).toMatchObject({ credentials: 1, allocatedIndices: 2 });
      await store.close();
    });

    it("returns the same record for a repeated Idempotency-Key, refuses it for another request", async () => {
      const store = await open();
      const a = await store.credentials.record(record("c1"), "key-1", "op");
      expect(await store.credentials.record(record("c2"), "key-1", "op")).toEqual(a);
      await expect(store.credentials.record(record("c3", "other"), "key-1", "op")).rejects.toThrow(/different request/);
      expect(await store.credentials.count()).toBe(1);
      expect(await store.credentials.byIdempotencyKey("key-1")).toEqual(a);
      await store.close();
    });

    it("forgets idempotency keys and request hashes after the window", async () => {
      const store = await open();
      await store.credentials.record(record("old", "h", 1000), "k-old", "op");
      await store.credentials.record(record("new", "h", 1000 + IDEMPOTENCY_WINDOW), "k-new", "op");
      expect(await store.credentials.forgetRequestHashes(1001 + IDEMPOTENCY_WINDOW)).toBe(1);
      expect(await store.credentials.byIdempotencyKey("k-old")).toBeUndefined();
      expect((await store.credentials.get("old"))?.requestHash).toBe("");
      expect((await store.credentials.byIdempotencyKey("k-new"))?.id).toBe("new");
      await store.close();
    });

    it("keys request hashes under its own secret: the same request, the same hash; another, another", async () => {
      const store = await open();
      const h = store.credentials.requestHash({ type: "HealthCode", claims: { healthStatus: "red" } });
      expect(h).toMatch(/^hmac:/);
      expect(store.credentials.requestHash({ claims: { healthStatus: "red" }, type: "HealthCode" })).toBe(h);
      expect(store.credentials.requestHash({ type: "HealthCode", claims: { healthStatus: "green" } })).not.toBe(h);
      await store.close();
    });

    it("records copies as one batch, all or none, and replays the whole batch", async () => {
      const store = await open();
      const copies = ["a", "b", "c"].map((id) => record(id, "batch-hash"));
      const first = await store.credentials.recordBatch("batch-1", copies, "bk", "op");
      expect(first.map((r) => r.id)).toEqual(["a", "b", "c"]);
      expect(await store.credentials.copiesOf("b")).toEqual(["a", "b", "c"]);
      expect(await store.credentials.copiesOf("batch-1")).toEqual(["a", "b", "c"]);
      expect(await store.credentials.batchOf("c")).toBe("batch-1");
      expect(
        await store.credentials.recordBatch(
          "batch-2",
          ["x", "y"].map((id) => record(id, "batch-hash")),
          "bk",
          "op",
        ),
      ).toEqual(first);
      await expect(store.credentials.recordBatch("batch-3", [record("z", "other")], "bk", "op")).rejects.toMatchObject({
        code: "idempotency_conflict",
      });
      // A copy that cannot be recorded (its id taken) takes the whole batch with it.
      await expect(
        store.credentials.recordBatch("batch-4", [record("fresh"), record("a")], undefined, "op"),
      ).rejects.toThrow();
      expect(await store.credentials.get("fresh")).toBeUndefined();
      expect(await store.credentials.copiesOf("solo")).toEqual([]);
      await store.credentials.record(record("solo"), undefined, "op");
      expect(await store.credentials.copiesOf("solo")).toEqual(["solo"]);
      expect(await store.credentials.batchOf("solo")).toBeUndefined();
      await store.close();
    });

    it("records an offer's redemption once: a retry gets the same records, bound to the keys it names; another shape is refused", async () => {
      const store = await open();
      const as = (holder: string) => (id: string) => ({ ...record(id), holder });
      const first = await store.credentials.recordForOffer(
        "offer:1",
        ["o1", "o2"].map(as("did:key:a")),
        "op",
        "offer-batch",
      );
      expect(first.map((r) => [r.id, r.holder])).toEqual([
        ["o1", "did:key:a"],
        ["o2", "did:key:a"],
      ]);
      const retry = await store.credentials.recordForOffer(
        "offer:1",
        ["p1", "p2"].map(as("did:key:b")),
        "op",
        "another-batch",
      );
      expect(retry.map((r) => [r.id, r.holder, r.revocation])).toEqual(
        first.map((r) => [r.id, "did:key:b", r.revocation]),
      );
      expect(await store.credentials.copiesOf("offer-batch")).toEqual(["o1", "o2"]);
      expect(await store.credentials.get("p1")).toBeUndefined();
      await expect(
        store.credentials.recordForOffer("offer:1", ["q1"].map(as("did:key:c")), "op", "b"),
      ).rejects.toMatchObject({ code: "idempotency_conflict" });
      await expect(
        store.credentials.recordForOffer("offer:1", ["q1", "q2"].map(as("did:key:c")), "op", undefined),
      ).rejects.toMatchObject({ code: "idempotency_conflict" });
      const single = await store.credentials.recordForOffer("offer:2", [as("did:key:a")("s1")], "op", undefined);
      expect(
        (await store.credentials.recordForOffer("offer:2", [as("did:key:d")("s2")], "op", undefined)).map((r) => [
          r.id,
          r.holder,
        ]),
      ).toEqual([[single[0]!.id, "did:key:d"]]);
      expect(await store.credentials.batchOf("s1")).toBeUndefined();
      expect((await store.census()).credentials).toBe(3);
      await store.close();
    });

    it("recordAll: one commit, each item on its own (a key repeated in the group replays the first)", async () => {
      const store = await open();
      await store.credentials.record(record("c0"), "taken", "op");
      const item = (id: string, key: string | undefined, hash = "h") => ({
        request: record(id, hash),
        idempotencyKey: key,
        operator: "op",
      });
      const outcomes = await store.credentials.recordAll([
        item("g1", undefined),
        item("g2", "taken", "different"),
        item("g3", "fresh-key"),
        item("g4", "fresh-key"),
      ]);
      expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, true]);
      expect(outcomes[3]).toMatchObject({ ok: true, value: { id: "g3" } });
      expect(await store.credentials.get("g2")).toBeUndefined();
      expect(await store.census()).toMatchObject({ credentials: 3, allocatedIndices: 6 });
      await store.close();
    });

    it("queues status changes as pending, all or none, and moves batches through their states", async () => {
      const store = await open();
      await store.credentials.record(record("c1"), undefined, "op");
      await store.credentials.record(record("c2"), undefined, "op");
      const [entry] = await store.outbox.enqueue(["c1"], "revoke", "op");
      expect(entry).toMatchObject({ state: "pending", list: 0, transaction: null });
      await expect(store.outbox.enqueue(["c2", "nope"], "revoke", "op")).rejects.toMatchObject({
        code: "unknown_credential",
      });
      expect(await store.outbox.depth()).toBe(1); // the failed request left nothing behind
      await store.outbox.enqueue(["c2"], "suspend", "op");
      const pending = await store.outbox.pendingOfOldestList(10);
      expect(pending).toMatchObject({ listId: 0, requests: [{ seq: entry!.seq, action: "revoke" }] });
      const plan = { listId: 0, set: true, seqs: [entry!.seq], indices: [entry!.index] };
      const signed = await store.outbox.recordSigned(plan, "0xraw", "0xhash", 10);
      expect((await store.outbox.statusOf("c1"))[0]!.state).toBe("sending");
      expect(await store.outbox.signedBatches()).toEqual([signed]);
      expect(await store.outbox.latestBatchOf("c1")).toMatchObject({
        id: signed.id,
        state: "signed",
        rawTx: "0xraw",
        txHash: "0xhash",
      });
      await store.outbox.requeue(signed, "replaced", 11);
      expect((await store.outbox.statusOf("c1"))[0]!.state).toBe("pending");
      const again = await store.outbox.recordSigned(plan, "0xraw2", "0xhash2", 12);
      expect(await store.outbox.markAnchored(again, 42, 13)).toBe(1);
      expect((await store.outbox.statusOf("c1"))[0]).toMatchObject({
        state: "anchored",
        transaction: "0xhash2",
        block: 42,
      });
      expect(await store.outbox.lastAnchoredBlock()).toBe(42);
      expect(await store.outbox.anchoredBatches(10)).toEqual([{ ...again, block: 42 }]);
      expect((await store.outbox.batches("replaced")).map((b) => b.id)).toEqual([signed.id]);
      expect(await store.outbox.countRequests("revoke", "anchored")).toBe(1);
      expect(await store.outbox.depth()).toBe(1); // the suspension still waits
      await store.close();
    });

    it("hands out an offer once: code for a token once, one claim of racing ones, claims erased when done or expired", async () => {
      const store = await open();
      const code = await store.offers.create(
        { type: "HealthCode", claims: { healthStatus: "green" }, validFor: 60, operator: "op", expiresAt: 1000 },
        1,
      );
      const redeemed = await store.offers.redeemCode(code, 2);
      expect(redeemed).toBeDefined();
      expect(await store.offers.redeemCode(code, 3)).toBeUndefined();
      const offer = await store.offers.forToken(redeemed!.accessToken, 4);
      expect(offer).toMatchObject({
        type: "HealthCode",
        claims: { healthStatus: "green" },
        cNonce: redeemed!.cNonce,
        format: null,
      });
      const claims = await Promise.all(Array.from({ length: 5 }, () => store.offers.claim(redeemed!.accessToken, 5)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      await store.offers.release(offer!.codeHash);
      expect(await store.offers.claim(redeemed!.accessToken, 6)).toBeDefined();
      // A service killed while it held the claim: at its next start the offer is redeemable again.
      expect(await store.offers.releaseAbandonedClaims()).toBe(1);
      expect(await store.offers.claim(redeemed!.accessToken, 6)).toBeDefined();
      await store.offers.complete(offer!.codeHash, "urn:uuid:done");
      expect(await store.offers.forToken(redeemed!.accessToken, 7)).toBeUndefined();
      await store.offers.create(
        { type: "HealthCode", claims: { healthStatus: "red" }, validFor: 60, operator: "op", expiresAt: 10 },
        1,
      );
      expect((await store.census()).offersWaiting).toBe(1);
      expect(await store.offers.purgeExpired(11)).toBe(1);
      expect(await store.census()).toMatchObject({ offers: 2, offersWaiting: 0 });
      await store.close();
    });

    it("keeps an audit log as a hash chain that every write appends to", async () => {
      const store = await open();
      await store.credentials.record(record("c1"), undefined, "op");
      await store.outbox.enqueue(["c1"], "revoke", "op");
      await store.audit("admin", "settings.change", "rate-limit", { from: 10, to: 20 });
      expect((await store.auditLog()).map((a) => a.action)).toEqual([
        "settings.change",
        "credential.revoke",
        "credential.issue",
      ]);
      expect((await store.auditLog(1))[0]).toMatchObject({ seq: 3, operator: "admin", detail: { from: 10, to: 20 } });
      const rows = await rowsOf(store);
      expect(rows[0]!.hash).toBe(auditEntryHash(AUDIT_GENESIS, rows[0]!));
      expect(await store.auditChain.head()).toEqual({ count: 3, head: rows[2]!.hash });
      expect(checkAuditChain(rows, [])).toMatchObject({ ok: true, entries: 3, unanchored: 3 });
      await store.close();
    });

    it("never forks the chain under concurrent appends", async () => {
      const store = await open();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          i % 2 ? store.operators.create(`o${i}`, ["issue"]) : store.audit("admin", "note", `n${i}`, {}),
        ),
      );
      const rows = await rowsOf(store);
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(checkAuditChain(rows, []).ok).toBe(true);
      await store.close();
    });

    it("remembers settings", async () => {
      const store = await open();
      expect(await store.setting("agency_lists")).toBeUndefined();
      await store.saveSetting("agency_lists", { a: 1 });
      await store.saveSetting("agency_lists", { a: 2 });
      expect(await store.setting("agency_lists")).toEqual({ a: 2 });
      await store.close();
    });
  });
}
