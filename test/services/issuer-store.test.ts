import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IssuerStore } from "../../services/issuer/store.ts";

const lists = { revocation: { id: 0, size: 131_072 }, suspension: { id: 1, size: 131_072 } };
const fresh = () => new IssuerStore(join(mkdtempSync(join(tmpdir(), "laissez-store-")), "issuer.db"));
const record = (id: string, requestHash = "h") => ({ id, type: "HealthCode", holder: "did:key:z", issuedAt: 1, validUntil: 2, requestHash, lists });

describe("the issuer store (SQLite on disk)", () => {
  it("stores tokens hashed and authenticates only the exact token", () => {
    const store = fresh();
    const { operator, token } = store.createOperator("alice", ["issue", "revoke"]);
    expect(store.authenticate(token)).toEqual(operator);
    expect(store.authenticate(`${token}x`)).toBeUndefined();
    const stored = store.db.prepare("SELECT token_hash FROM operators").get() as { token_hash: Uint8Array };
    expect(Buffer.from(stored.token_hash).toString()).not.toContain(token.slice(3, 20));
  });

  it("allocates distinct random indices, never two credentials on one index", () => {
    const store = fresh();
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(store.recordIssuance(record(`c${i}`), undefined, "op").revocation.index);
    expect(seen.size).toBe(2000);
    expect(() => store.db.prepare("INSERT INTO allocated_indices VALUES (0, ?, 'x')").run([...seen][0]!)).toThrow(/UNIQUE|PRIMARY/);
  });

  it("returns the same record for a repeated Idempotency-Key, refuses it for another request", () => {
    const store = fresh();
    const a = store.recordIssuance(record("c1"), "key-1", "op");
    expect(store.recordIssuance(record("c2"), "key-1", "op")).toEqual(a);
    expect(() => store.recordIssuance(record("c3", "other"), "key-1", "op")).toThrow(/different request/);
    expect(store.db.prepare("SELECT count(*) AS n FROM credentials").get()).toEqual({ n: 1 });
  });

  it("queues status changes as pending, and keeps an append-only audit log", () => {
    const store = fresh();
    store.recordIssuance(record("c1"), undefined, "op");
    const [entry] = store.enqueueStatus(["c1"], "revoke", "op");
    expect(entry).toMatchObject({ state: "pending", list: 0, transaction: null });
    expect(store.outboxDepth()).toBe(1);
    expect(() => store.enqueueStatus(["c1", "nope"], "revoke", "op")).toThrow(/no credential nope/);
    expect(store.outboxDepth()).toBe(1); // the failed request left nothing behind
    expect(store.auditLog().map((a) => a.action)).toEqual(["credential.revoke", "credential.issue"]);
    expect(() => store.db.exec("DELETE FROM audit")).toThrow(/append-only/);
    expect(() => store.db.exec("UPDATE audit SET operator = 'x'")).toThrow(/append-only/);
  });

  it("group commit: requests arriving together share a transaction, and one failure fails only itself", async () => {
    const store = fresh();
    store.recordIssuance(record("c0"), "taken", "op");
    const results = await Promise.allSettled([
      store.recordIssuanceGrouped(record("g1"), undefined, "op"),
      store.recordIssuanceGrouped(record("g2", "different"), "taken", "op"),
      store.recordIssuanceGrouped(record("g3"), "fresh-key", "op"),
      store.recordIssuanceGrouped(record("g4"), "fresh-key", "op"),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect((results[3] as PromiseFulfilledResult<{ id: string }>).value.id).toBe("g3"); // same key in one group: the first wins
    expect(store.getCredential("g2")).toBeUndefined();
    expect(store.db.prepare("SELECT count(*) AS n FROM credentials").get()).toEqual({ n: 3 });
    expect(store.db.prepare("SELECT count(*) AS n FROM allocated_indices").get()).toEqual({ n: 6 });
  });
});
