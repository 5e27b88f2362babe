import { mkdtempSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GroupCommit, SqliteIssuerStore } from "../../services/issuer/store.ts";
import { shouldBehaveLikeAnIssuerStore } from "../helpers/store-behaviour.ts";

const lists = { revocation: { id: 0, size: 131_072 }, suspension: { id: 1, size: 131_072 } };
const fresh = () => new SqliteIssuerStore(join(mkdtempSync(join(tmpdir(), "laissez-store-")), "issuer.db"));
const record = (id: string, requestHash = "h") => ({
  id,
  type: "HealthCode",
  holder: "did:key:z",
  issuedAt: 1,
  validUntil: 2,
  requestHash,
  lists,
});

shouldBehaveLikeAnIssuerStore("SQLite", async () => fresh());

/** What only the SQLite file shows: what lies at rest, and what its schema refuses. */
describe("the SQLite store's file", () => {
  it("stores tokens hashed", async () => {
    const store = fresh();
    const { token } = await store.operators.create("alice", ["issue", "revoke"]);
    const stored = new DatabaseSync(store.path).prepare("SELECT token_hash FROM operators").get() as {
      token_hash: Uint8Array;
    };
    expect(Buffer.from(stored.token_hash).toString()).not.toContain(token.slice(3, 20));
  });

  it("refuses a second credential on one index, and any change to the audit log", async () => {
    const store = fresh();
    const r = await store.credentials.record(record("c1"), undefined, "op");
    const raw = new DatabaseSync(store.path);
    expect(() => raw.prepare("INSERT INTO allocated_indices VALUES (0, ?, 'x')").run(r.revocation.index)).toThrow(
      /UNIQUE|PRIMARY/,
    );
    expect(() => raw.exec("DELETE FROM audit")).toThrow(/append-only/);
    expect(() => raw.exec("UPDATE audit SET operator = 'x'")).toThrow(/append-only/);
  });
});

describe("group commit over the SQLite store", () => {
  it("requests arriving together share a transaction, and one failure fails only itself", async () => {
    const store = fresh();
    const grouped = new GroupCommit(store.credentials);
    await store.credentials.record(record("c0"), "taken", "op");
    const results = await Promise.allSettled([
      grouped.record(record("g1"), undefined, "op"),
      grouped.record(record("g2", "different"), "taken", "op"),
      grouped.record(record("g3"), "fresh-key", "op"),
      grouped.record(record("g4"), "fresh-key", "op"),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect((results[3] as PromiseFulfilledResult<{ id: string }>).value.id).toBe("g3"); // same key in one group: the first wins
    expect(await store.credentials.get("g2")).toBeUndefined();
    expect(await store.census()).toMatchObject({ credentials: 3, allocatedIndices: 6 });
  });

  it("groups: many concurrent issuances commit in few transactions", async () => {
    const store = fresh();
    const grouped = new GroupCommit(store.credentials);
    let calls = 0;
    const recordAll = store.credentials.recordAll.bind(store.credentials);
    store.credentials.recordAll = (items) => (calls++, recordAll(items));
    await Promise.all(Array.from({ length: 50 }, (_, i) => grouped.record(record(`p${i}`), undefined, "op")));
    expect(calls).toBe(1);
    expect(await store.credentials.count()).toBe(50);
  });
});
