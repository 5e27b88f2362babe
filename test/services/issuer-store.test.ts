import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IssuerStore } from "../../services/issuer/store.ts";
import { rawDb } from "../helpers/issuer.ts";

const lists = { revocation: { id: 0, size: 131_072 }, suspension: { id: 1, size: 131_072 } };
const fresh = () => new IssuerStore(join(mkdtempSync(join(tmpdir(), "laissez-store-")), "issuer.db"));
const record = (id: string, requestHash = "h") => ({ id, type: "HealthCode", holder: "did:key:z", issuedAt: 1, validUntil: 2, requestHash, lists });

describe("the issuer store (SQLite on disk)", () => {
  it("stores tokens hashed and authenticates only the exact token", () => {
    const store = fresh();
    const { operator, token } = store.operators.create("alice", ["issue", "revoke"]);
    expect(store.operators.authenticate(token)).toEqual(operator);
    expect(store.operators.authenticate(`${token}x`)).toBeUndefined();
    const stored = rawDb(store).prepare("SELECT token_hash FROM operators").get() as { token_hash: Uint8Array };
    expect(Buffer.from(stored.token_hash).toString()).not.toContain(token.slice(3, 20));
  });

  it("allocates distinct random indices, never two credentials on one index", () => {
    const store = fresh();
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(store.credentials.record(record(`c${i}`), undefined, "op").revocation.index);
    expect(seen.size).toBe(2000);
    expect(() => rawDb(store).prepare("INSERT INTO allocated_indices VALUES (0, ?, 'x')").run([...seen][0]!)).toThrow(/UNIQUE|PRIMARY/);
  });

  it("returns the same record for a repeated Idempotency-Key, refuses it for another request", () => {
    const store = fresh();
    const a = store.credentials.record(record("c1"), "key-1", "op");
    expect(store.credentials.record(record("c2"), "key-1", "op")).toEqual(a);
    expect(() => store.credentials.record(record("c3", "other"), "key-1", "op")).toThrow(/different request/);
    expect(rawDb(store).prepare("SELECT count(*) AS n FROM credentials").get()).toEqual({ n: 1 });
  });

  it("queues status changes as pending, and keeps an append-only audit log", () => {
    const store = fresh();
    store.credentials.record(record("c1"), undefined, "op");
    const [entry] = store.outbox.enqueue(["c1"], "revoke", "op");
    expect(entry).toMatchObject({ state: "pending", list: 0, transaction: null });
    expect(store.outbox.depth()).toBe(1);
    expect(() => store.outbox.enqueue(["c1", "nope"], "revoke", "op")).toThrow(/no credential nope/);
    expect(store.outbox.depth()).toBe(1); // the failed request left nothing behind
    expect(store.auditLog().map((a) => a.action)).toEqual(["credential.revoke", "credential.issue"]);
    expect(() => rawDb(store).exec("DELETE FROM audit")).toThrow(/append-only/);
    expect(() => rawDb(store).exec("UPDATE audit SET operator = 'x'")).toThrow(/append-only/);
  });

  it("group commit: requests arriving together share a transaction, and one failure fails only itself", async () => {
    const store = fresh();
    store.credentials.record(record("c0"), "taken", "op");
    const results = await Promise.allSettled([
      store.credentials.recordGrouped(record("g1"), undefined, "op"),
      store.credentials.recordGrouped(record("g2", "different"), "taken", "op"),
      store.credentials.recordGrouped(record("g3"), "fresh-key", "op"),
      store.credentials.recordGrouped(record("g4"), "fresh-key", "op"),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect((results[3] as PromiseFulfilledResult<{ id: string }>).value.id).toBe("g3"); // same key in one group: the first wins
    expect(store.credentials.get("g2")).toBeUndefined();
    expect(rawDb(store).prepare("SELECT count(*) AS n FROM credentials").get()).toEqual({ n: 3 });
    expect(rawDb(store).prepare("SELECT count(*) AS n FROM allocated_indices").get()).toEqual({ n: 6 });
  });
});
