/**
 * The whole flow on a second, independent EVM client — Foundry's anvil as its own process —
 * behind a guard that enforces the consortium's Besu constraints (test/helpers/besu-guard.ts).
 * The same deployment, seeding, issuer service, sync and offline verification as on `hardhat node`;
 * nothing here is specific to anvil except starting it.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { p256 } from "@noble/curves/nist.js";
import { getBytes, JsonRpcProvider, Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { p256DidKey } from "../../core/did.ts";
import type { TrustBundle } from "../../core/bundle.ts";
import { verifyCredential } from "../../core/verify.ts";
import { softwareSigner } from "../../core/signer.ts";
import { readDeployment } from "../../services/chain/deployments.ts";
import { credentialTypeId, regionId } from "../../services/chain/ids.ts";
import { connectLedger } from "../../services/chain/ledger.ts";
import { BundleKeeper } from "../../services/checkpoint/keeper.ts";
import { StatusPublisher } from "../../services/issuer/publish.ts";
import { connectRpc } from "../../services/chain/rpc.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import { loadIssuerConfig } from "../../services/issuer/config.ts";
import { startIssuer } from "../../services/issuer/main.ts";
import { SqliteIssuerStore } from "../../services/issuer/store.ts";
import { deployTo, seedDemo } from "../../scripts/dev-chain.ts";
import { DEMO_SCHEMAS_DIR, demoSchemas } from "../../scripts/context.ts";
import {
  agencyControllerKey,
  agencySigningKey,
  agencyStatusWriterKey,
  demoAuthorityKey,
} from "../../scripts/demo/consortium.ts";
import { startAnvil, type AnvilNode } from "../helpers/anvil.ts";
import { startBesuGuard, type BesuGuard } from "../helpers/besu-guard.ts";

process.env.LAISSEZ_LOG ??= "off";
const dir = mkdtempSync(join(tmpdir(), "laissez-anvil-"));
const deployments = join(dir, "deployments");
let anvil: AnvilNode;
let guard: BesuGuard;
let issuer: Awaited<ReturnType<typeof startIssuer>> | undefined;

async function until(what: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  anvil = await startAnvil();
  guard = await startBesuGuard(anvil.url);
}, 60_000);

afterAll(async () => {
  await issuer?.stop();
  await guard?.close();
  await anvil?.stop();
});

describe("the Besu guard in front of anvil", () => {
  it("refuses what a Besu node refuses and serves standard JSON-RPC", async () => {
    const call = async (method: string, params: unknown[] = []) =>
      (await (
        await fetch(guard.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
        })
      ).json()) as { result?: unknown; error?: { code: number } };
    for (const method of [
      "anvil_mine",
      "evm_snapshot",
      "hardhat_mine",
      "eth_sendTransaction",
      "eth_sign",
      "personal_unlockAccount",
      "debug_traceTransaction",
    ]) {
      expect((await call(method)).error?.code, method).toBe(-32601);
    }
    expect((await call("eth_accounts")).result).toEqual([]);
    expect((await call("eth_getLogs", [{ fromBlock: "0x0", toBlock: "0x1388" }])).error?.code).toBe(-32005); // 5,001 blocks
    expect((await call("eth_getLogs", [{ fromBlock: "0x0", toBlock: "0x1387" }])).result).toEqual([]); // 5,000
    expect((await call("eth_chainId")).result).toBe("0x7a69");
  });

  it("ethers' own fee choice is refused on a zero-base-fee chain; the product's provider pays nothing and is served", async () => {
    const who = agencyControllerKey(5); // holds no ether, like every account on the kit's chain
    const plain = new JsonRpcProvider(guard.url, undefined, { staticNetwork: true });
    await expect(new Wallet(who.privateKey, plain).sendTransaction({ to: who.address, value: 0 })).rejects.toThrow(
      /Upfront cost exceeds account balance/,
    );
    plain.destroy();
    const provider = connectRpc(guard.url);
    const receipt = await (
      await new Wallet(who.privateKey, provider).sendTransaction({ to: who.address, value: 0 })
    ).wait();
    expect(receipt?.status).toBe(1);
    expect(receipt?.gasPrice).toBe(0n);
    provider.destroy();
  });
});

describe("deploy, seed, issue, revoke through the outbox, sync, verify offline — on anvil through the guard", () => {
  it("accepts, then rejects after the revocation is anchored and re-synced", async () => {
    const refusedBefore = guard.refused.length;
    // What `laissez deploy`, `laissez seed` and `laissez issuer serve --agency 0` run.
    await deployTo(guard.url, deployments);
    await seedDemo(guard.url, deployments);
    const db = join(dir, "issuer.db");
    const store = new SqliteIssuerStore(db);
    const { token } = await store.operators.create("e2e", ["admin", "issue", "revoke"]);
    await store.close();
    issuer = await startIssuer(
      loadIssuerConfig({
        LAISSEZ_RPC_URL: guard.url,
        LAISSEZ_DEPLOYMENTS: deployments,
        LAISSEZ_DB: db,
        LAISSEZ_PORT: "0",
        LAISSEZ_AGENCY: agencyControllerKey(0).address,
        LAISSEZ_STATUS_WRITER_KEY: agencyStatusWriterKey(0).privateKey,
        LAISSEZ_SIGNING_KEY: agencySigningKey(0).privateKey,
        LAISSEZ_ANCHOR_INTERVAL_MS: "50",
      }),
      DEMO_SCHEMAS_DIR,
    );
    // The service learns the agency's lists from the chain after it starts; /health says when.
    for (const deadline = Date.now() + 30_000; (await fetch(`${issuer.url}/health`)).status !== 200;) {
      if (Date.now() > deadline) throw new Error("issuer never became healthy on anvil");
      await new Promise((r) => setTimeout(r, 100));
    }
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${issuer!.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const holder = p256DidKey(p256.getPublicKey(p256.utils.randomSecretKey(), false));
    const issued = await post("/credentials", {
      type: "HealthCode",
      subject: holder,
      claims: { healthStatus: "green" },
    });
    expect(issued.status, JSON.stringify(issued.json)).toBe(201);
    const vc = String(issued.json.credential);

    // What `laissez sync` and `laissez verify` run: a bundle from the chain through the guard, then offline.
    const provider = connectRpc(guard.url);
    const deployment = readDeployment(31337, deployments);
    const first = await syncBundle(provider, deployment, { schemas: demoSchemas });
    const verify = (bundle: TrustBundle) =>
      verifyCredential(vc, { bundle, region: "CN-ZJ", now: Math.floor(Date.now() / 1000), verifier: nativeVerifier });
    expect(verify(first.bundle)).toMatchObject({ verdict: "accept" });

    const id = String(issued.json.id);
    expect((await post("/credentials/status", { action: "revoke", ids: [id] })).status).toBe(202);
    await until(async () => {
      const res = await fetch(`${issuer!.url}/credentials/${encodeURIComponent(id)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return ((await res.json()) as { requests: { state: string }[] }).requests[0]?.state === "anchored";
    });

    const next = await syncBundle(provider, deployment, { base: first.bundle, schemas: demoSchemas });
    provider.destroy();
    expect(next.delta.events.map((e) => e.kind)).toContain("StatusUpdated");
    expect(verify(next.bundle)).toMatchObject({ verdict: "reject", reason: "revoked" });

    // Everything the product sent passed the guard: paged logs, locally signed zero-fee transactions.
    expect(guard.refused.slice(refusedBefore)).toEqual([]);
    expect(guard.forwarded).toContain("eth_sendRawTransaction");
    expect(guard.forwarded).toContain("eth_getLogs");
  });
});

describe("a block that disappears (anvil's snapshot and revert, sent to anvil directly)", () => {
  it("the anchoring worker waits for its confirmations and, when the block is gone, lands the same transaction once", async () => {
    const provider = connectRpc(guard.url);
    const deployment = readDeployment(31337, deployments);
    const store = new SqliteIssuerStore(join(dir, "reorg.db"));
    const seeded = readFileSync(join(deployments, "31337.consortium.json"), "utf8");
    const agency = (JSON.parse(seeded) as { agencies: { revocationList: number; suspensionList: number }[] })
      .agencies[1]!;
    const lists = {
      revocation: { id: agency.revocationList, size: 131_072 },
      suspension: { id: agency.suspensionList, size: 131_072 },
    };
    const id = (
      await store.credentials.record(
        {
          id: "urn:uuid:reorg",
          type: "DriverLicence",
          holder: "did:key:z",
          issuedAt: 1,
          validUntil: 2,
          requestHash: "h",
          lists,
        },
        undefined,
        "op",
      )
    ).id;
    const { revocation } = (await store.credentials.get(id))!;
    await store.outbox.enqueue([id], "revoke", "op");
    const writer = new Wallet(agencyStatusWriterKey(1).privateKey, provider);
    const anchorer = new StatusPublisher(store, deployment, writer, { confirmations: 2 });
    const status = connectLedger(deployment, provider).status;
    const updates = async () =>
      (await status.queryFilter("StatusUpdated", deployment.deployedAtBlock, "latest")).length;
    const before = await updates();

    const snapshot = await anvil.rpc<string>("evm_snapshot");
    expect(await anchorer.step()).toBe(0); // in a block, one confirmation of two: not anchored yet
    expect((await store.outbox.statusOf(id))[0]!.state).toBe("sending");
    expect(await status.getFunction("isSet")(revocation.list, revocation.index)).toBe(true);
    await anvil.rpc("evm_revert", [snapshot]); // the block is gone, and the transaction with it
    expect(await status.getFunction("isSet")(revocation.list, revocation.index)).toBe(false);

    expect(await anchorer.step()).toBe(0); // the same signed bytes again, in a new block
    await anvil.rpc("anvil_mine", ["0x1"]);
    expect(await anchorer.step()).toBe(1);
    expect((await store.outbox.statusOf(id))[0]!.state).toBe("anchored");
    expect(await status.getFunction("isSet")(revocation.list, revocation.index)).toBe(true);
    expect((await updates()) - before).toBe(1);
    await store.close();
    provider.destroy();
  });

  it("a checkpoint's keeper whose bundle block disappeared rebuilds from the deployment, without the lost event", async () => {
    const provider = connectRpc(guard.url);
    const deployment = readDeployment(31337, deployments);
    const keeper = new BundleKeeper({
      provider,
      deployment,
      schemas: demoSchemas,
      signerKey: softwareSigner("ES256K", getBytes(demoAuthorityKey("CN-SH").privateKey)),
      path: join(dir, "keeper.json"),
      region: "CN-SH",
    });
    await keeper.sync();
    const snapshot = await anvil.rpc<string>("evm_snapshot");
    const sh = connectLedger(deployment, new Wallet(demoAuthorityKey("CN-SH").privateKey, provider)).trust;
    await (
      await sh.getFunction("setRecognition")(regionId("CN-SH"), regionId("CN-NM"), credentialTypeId("HealthCode"), true)
    ).wait();
    expect(await keeper.sync()).toBe(1);
    expect(keeper.current!.bundle.recognition["CN-SH"]?.["CN-NM"]).toContain("HealthCode");
    await anvil.rpc("evm_revert", [snapshot]);
    await anvil.rpc("anvil_mine", ["0x3"]); // the chain moves on past the lost block

    await keeper.sync();
    const block = keeper.current!.bundle.block;
    expect((await provider.getBlock(block.number))?.hash).toBe(block.hash);
    expect(keeper.current!.bundle.recognition["CN-SH"]?.["CN-NM"] ?? []).not.toContain("HealthCode");
    provider.destroy();
  });
});
