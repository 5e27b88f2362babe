import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventLog, Signer } from "ethers";
import { beforeEach, describe, expect, it } from "vitest";
import { StatusPublisher, classifyRefusal } from "../../services/issuer/publish.ts";
import { SqliteIssuerStore } from "../../services/issuer/store.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";

let chain: SeededChain;
let store: SqliteIssuerStore;
const writer = (): Signer => chain.accounts.writers[0] as Signer;

beforeEach(async () => {
  chain = await seededChain();
  store = new SqliteIssuerStore(join(mkdtempSync(join(tmpdir(), "laissez-anchor-")), "issuer.db"));
});

function issue(n: number): Promise<string[]> {
  const a = chain.agencies[0]!;
  const lists = {
    revocation: { id: a.revocationList, size: 131_072 },
    suspension: { id: a.suspensionList, size: 131_072 },
  };
  return Promise.all(
    Array.from(
      { length: n },
      async (_, i) =>
        (
          await store.credentials.record(
            {
              id: `urn:uuid:c${i}`,
              type: "HealthCode",
              holder: "did:key:z",
              issuedAt: 1,
              validUntil: 2,
              requestHash: "h",
              lists,
            },
            undefined,
            "op",
          )
        ).id,
    ),
  );
}

const isSet = (list: number, index: number) =>
  chain.as(writer()).status.getFunction("isSet")(list, index) as Promise<boolean>;
const statusEvents = async () =>
  (await chain.as(writer()).status.queryFilter("StatusUpdated", 0, "latest")) as EventLog[];

describe("the anchoring worker", () => {
  it("batches pending requests into one transaction per list and marks them anchored from the receipt", async () => {
    const ids = await issue(5);
    await store.outbox.enqueue(ids.slice(0, 3), "revoke", "op");
    await store.outbox.enqueue([ids[3]!], "suspend", "op");
    const before = (await statusEvents()).length;
    expect(await new StatusPublisher(store, chain.deployment, writer()).drain()).toBe(4);
    expect((await statusEvents()).length - before).toBe(2);
    for (const id of ids.slice(0, 3)) {
      const c = (await store.credentials.get(id))!;
      expect(await isSet(c.revocation.list, c.revocation.index)).toBe(true);
      const [entry] = await store.outbox.statusOf(id);
      expect(entry).toMatchObject({ state: "anchored" });
      expect(entry!.transaction).toMatch(/^0x[0-9a-f]{64}$/);
      expect(entry!.block).toBeGreaterThan(0);
    }
    expect(await store.outbox.depth()).toBe(0);
    expect(await store.outbox.lastAnchoredBlock()).toBeGreaterThan(0);
  });

  it("keeps suspend → reinstate in order", async () => {
    const [id] = await issue(1);
    await store.outbox.enqueue([id!], "suspend", "op");
    await store.outbox.enqueue([id!], "reinstate", "op");
    await new StatusPublisher(store, chain.deployment, writer()).drain();
    const c = (await store.credentials.get(id!))!;
    expect(await isSet(c.suspension.list, c.suspension.index)).toBe(false);
    expect((await store.outbox.statusOf(id!)).map((e) => e.state)).toEqual(["anchored", "anchored"]);
  });

  it("after a crash with the transaction in flight, or lost from the mempool, lands it exactly once", async () => {
    const ids = await issue(3);
    await store.outbox.enqueue(ids, "revoke", "op");
    const rpc = chain.connection.provider;
    await rpc.request({ method: "evm_setAutomine", params: [false] });
    // Signed, stored and broadcast, but no receipt before the "crash".
    expect(await new StatusPublisher(store, chain.deployment, writer(), { receiptTimeoutMs: 300 }).step()).toBe(0);
    expect((await store.outbox.statusOf(ids[0]!))[0]!.state).toBe("sending");
    const hash = (await store.outbox.latestBatchOf(ids[0]!))!.txHash;
    // The node loses it (as a restarted node would): the restarted worker sends the same bytes again.
    await rpc.request({ method: "hardhat_dropTransaction", params: [hash] });
    await rpc.request({ method: "evm_setAutomine", params: [true] });
    const before = (await statusEvents()).length;
    expect(await new StatusPublisher(store, chain.deployment, writer()).drain()).toBe(3);
    const after = await statusEvents();
    expect(after.length - before).toBe(1);
    expect(after.at(-1)!.transactionHash).toBe(hash);
    expect(await store.outbox.depth()).toBe(0);
  });

  it("tells a node's permanent refusals of a stored transaction from transient failures", () => {
    expect(classifyRefusal(new Error("Known transaction: 0xab…"))).toBe("known");
    expect(classifyRefusal(Object.assign(new Error("nonce has already been used"), { code: "NONCE_EXPIRED" }))).toBe(
      "nonce_consumed",
    );
    expect(
      classifyRefusal(
        new Error(
          "Nonce too high. Expected nonce to be 3 but got 5. Note that transactions can't be queued when automining.",
        ),
      ),
    ).toBe("nonce_gap");
    expect(
      classifyRefusal(
        Object.assign(new Error("insufficient funds for intrinsic transaction cost"), { code: "INSUFFICIENT_FUNDS" }),
      ),
    ).toBe("insufficient_funds");
    expect(
      classifyRefusal(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), { code: "ECONNREFUSED" })),
    ).toBe("transient");
    expect(classifyRefusal(Object.assign(new Error("request timeout"), { code: "TIMEOUT" }))).toBe("transient");
  });
});
