/**
 * What the product asks of a JSON-RPC node, checked through the Besu guard
 * (test/helpers/besu-guard.ts) in front of Hardhat's in-process EDR, where mining thousands of
 * blocks is instant: sync pages eth_getLogs within Besu's 5,000-block range; the anchoring worker
 * sizes its batches by gas on a chain with a small block gas limit.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventLog } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatusPublisher } from "../../services/issuer/publish.ts";
import { SqliteIssuerStore } from "../../services/issuer/store.ts";
import { connectRpc } from "../../services/chain/rpc.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { demoSchemas } from "../../scripts/context.ts";
import { startBesuGuard, type BesuGuard } from "../helpers/besu-guard.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";

let chain: SeededChain;
let guard: BesuGuard;

beforeAll(async () => {
  chain = await seededChain();
  guard = await startBesuGuard(chain.connection.provider);
});
afterAll(async () => {
  await guard.close();
});

describe("sync through a Besu-like node", () => {
  it("pages eth_getLogs within 5,000 blocks over a 12,000-block chain, and builds the same bundle", async () => {
    await chain.networkHelpers.mine(6_000);
    await (
      await chain.as(chain.accounts.writers[0]!).status.getFunction("updateStatus")(
        chain.agencies[0]!.revocationList,
        [3],
        [1n << 7n],
        true,
      )
    ).wait();
    await chain.networkHelpers.mine(6_000);
    const latest = await chain.provider.getBlockNumber();
    const direct = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas, toBlock: latest });

    const provider = connectRpc(guard.url);
    try {
      // One request over the whole chain is what Besu refuses…
      await expect(provider.getLogs({ fromBlock: 0, toBlock: latest })).rejects.toThrow(
        /exceeds maximum RPC range limit/,
      );
      const refusedBefore = guard.refused.length;
      // …and sync never asks for it.
      const viaGuard = await syncBundle(provider, chain.deployment, { schemas: demoSchemas, toBlock: latest });
      expect(guard.refused.slice(refusedBefore)).toEqual([]);
      expect(guard.forwarded.filter((m) => m === "eth_getLogs").length).toBeGreaterThanOrEqual(3);
      expect(viaGuard.bundle).toEqual(direct.bundle);
      expect(viaGuard.delta.events.some((e) => e.kind === "StatusUpdated")).toBe(true);
    } finally {
      provider.destroy();
    }
  });
});

describe("the anchoring worker on a chain with a small block gas limit", () => {
  it("splits 1,000 scattered revocations (about 10 M gas) into batches within half of an 8 M block, and anchors every one", async () => {
    const small = await seededChain({ blockGasLimit: 8_000_000n });
    const store = new SqliteIssuerStore(join(mkdtempSync(join(tmpdir(), "laissez-gas-")), "issuer.db"));
    const a = small.agencies[0]!;
    const lists = {
      revocation: { id: a.revocationList, size: 131_072 },
      suspension: { id: a.suspensionList, size: 131_072 },
    };
    const ids = await Promise.all(
      Array.from(
        { length: 1000 },
        async (_, i) =>
          (
            await store.credentials.record(
              {
                id: `urn:uuid:g${i}`,
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
    await store.outbox.enqueue(ids, "revoke", "op");
    const writer = small.accounts.writers[0]!;
    const status = small.as(writer).status;
    const before = await small.provider.getBlockNumber();
    expect(await new StatusPublisher(store, small.deployment, writer).drain()).toBe(1000);

    const events = (await status.queryFilter("StatusUpdated", before + 1, "latest")) as EventLog[];
    expect(events.length).toBeGreaterThanOrEqual(3);
    for (const e of events) expect((await e.getTransactionReceipt()).gasUsed).toBeLessThanOrEqual(4_000_000n);
    expect(await store.outbox.depth()).toBe(0);
    for (const id of ids.filter((_, i) => i % 97 === 0)) {
      const c = (await store.credentials.get(id))!;
      expect(await status.getFunction("isSet")(c.revocation.list, c.revocation.index)).toBe(true);
    }
    await store.close();
  });
});
