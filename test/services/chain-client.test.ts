/**
 * What the product asks of a JSON-RPC node, checked through the Besu guard
 * (test/helpers/besu-guard.ts) in front of Hardhat's in-process EDR, where mining thousands of
 * blocks is instant: sync pages eth_getLogs within Besu's 5,000-block range.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    await (await chain.as(chain.accounts.writers[0]!).status.getFunction("updateStatus")(chain.agencies[0]!.revocationList, [3], [1n << 7n], true)).wait();
    await chain.networkHelpers.mine(6_000);
    const latest = await chain.provider.getBlockNumber();
    const direct = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas, toBlock: latest });

    const provider = connectRpc(guard.url);
    try {
      // One request over the whole chain is what Besu refuses…
      await expect(provider.getLogs({ fromBlock: 0, toBlock: latest })).rejects.toThrow(/exceeds maximum RPC range limit/);
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
