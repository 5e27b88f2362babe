/**
 * Issue 10 item 2: the issuer process, or the chain node, SIGKILLed at each phase of anchoring —
 * the revocation accepted but not yet signed, its batch signed and stored but not broadcast,
 * broadcast but the node's answer not received, sent and awaiting its receipt. Each phase is
 * reached deterministically: a JSON-RPC proxy holds the one call that marks it
 * (test/helpers/holding-proxy.ts), and the kill comes when that call arrives. The chain is anvil
 * with its state in a file, restarted from it (the same ledger, less at most its last second).
 * Afterwards the revocation lands exactly once — the same signed bytes when a batch was stored —
 * and is marked anchored from its receipt; a killed chain never ends the issuer process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { p256 } from "@noble/curves/nist.js";
import { Transaction, type EventLog } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { p256DidKey } from "../../core/did.ts";
import { readDeployment } from "../../services/chain/deployments.ts";
import { connectLedger } from "../../services/chain/ledger.ts";
import { connectRpc } from "../../services/chain/rpc.ts";
import { deployTo, seedDemo } from "../../scripts/dev-chain.ts";
import { startAnvil, type AnvilNode } from "../helpers/anvil.ts";
import { startHoldingProxy, type HoldingProxy, type HoldPoint } from "../helpers/holding-proxy.ts";
import { withStoreAt } from "../helpers/issuer.ts";
import { freePort, ROOT, runLaissez } from "../helpers/processes.ts";

const dir = mkdtempSync(join(tmpdir(), "laissez-anchor-phases-"));
const db = join(dir, "issuer.db");
const deployments = join(dir, "deployments");
const chainState = join(dir, "chain-state.json");
const holder = p256DidKey(p256.getPublicKey(p256.utils.randomSecretKey(), false));
let anvil: AnvilNode;
let proxy: HoldingProxy;
let token: string;
let service: { child: ChildProcess; url: string } | undefined;

async function startService(env: NodeJS.ProcessEnv = {}): Promise<void> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, "scripts/laissez.ts"), "issuer", "serve", "--agency", "0"], {
    cwd: ROOT,
    stdio: "ignore",
    env: {
      ...process.env,
      LAISSEZ_RPC_URL: proxy.url,
      LAISSEZ_DEPLOYMENTS: deployments,
      LAISSEZ_DB: db,
      LAISSEZ_PORT: String(port),
      LAISSEZ_LOG: "off",
      LAISSEZ_ANCHOR_INTERVAL_MS: "50",
      LAISSEZ_RPC_TIMEOUT_MS: "30000",
      ...env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`issuer service exited with ${child.exitCode}`);
    return fetch(`${url}/health`).then(
      () => true,
      () => false,
    );
  });
  service = { child, url };
}

async function killService(): Promise<void> {
  const exited = new Promise((r) => service!.child.once("exit", r));
  service!.child.kill("SIGKILL");
  await exited;
}

async function until(what: () => Promise<boolean> | boolean, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(service!.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The store as the killed process left it. */
function stored(
  id: string,
): Promise<{ state: string | undefined; batch: { state: string; rawTx: string; txHash: string } | undefined }> {
  return withStoreAt(db, async (s) => ({
    state: (await s.outbox.statusOf(id)).at(-1)?.state,
    batch: await s.outbox.latestBatchOf(id),
  }));
}

const ledger = () => {
  const provider = connectRpc(anvil.url, { chainId: 31337 });
  return { provider, status: connectLedger(readDeployment(31337, deployments), provider).status };
};

beforeAll(async () => {
  anvil = await startAnvil({ state: chainState });
  await deployTo(anvil.url, deployments);
  await seedDemo(anvil.url, deployments);
  proxy = await startHoldingProxy(anvil.url);
  token = (JSON.parse((await runLaissez(["issuer", "create-admin", "--db", db])).stdout) as { token: string }).token;
  await startService();
}, 300_000);

afterAll(async () => {
  if (service && service.child.exitCode === null) await killService();
  await proxy?.close();
  await anvil?.stop();
});

/** Each phase: the call held, where, and what the store says at the kill. */
const PHASES: {
  name: string;
  method: string;
  at: HoldPoint;
  after?: string;
  outbox: string;
  batch: string | undefined;
  nodeHasIt: boolean;
}[] = [
  {
    name: "accepted, nothing signed yet (the batch being sized)",
    method: "eth_estimateGas",
    at: "request",
    outbox: "pending",
    batch: undefined,
    nodeHasIt: false,
  },
  {
    name: "signed and stored, not broadcast",
    method: "eth_sendRawTransaction",
    at: "request",
    outbox: "sending",
    batch: "signed",
    nodeHasIt: false,
  },
  {
    name: "broadcast, the node's answer not received",
    method: "eth_sendRawTransaction",
    at: "response",
    outbox: "sending",
    batch: "signed",
    nodeHasIt: true,
  },
  {
    name: "sent, awaiting its receipt",
    method: "eth_getTransactionReceipt",
    at: "response",
    after: "eth_sendRawTransaction",
    outbox: "sending",
    batch: "signed",
    nodeHasIt: true,
  },
];

/** Until anvil's state file holds the chain's head: a kill then loses nothing but what comes after. */
async function chainDumped(): Promise<void> {
  const head = Number(await anvil.rpc<string>("eth_blockNumber"));
  await until(() => {
    try {
      return (
        Number(
          (JSON.parse(readFileSync(chainState, "utf8")) as { best_block_number: number | string }).best_block_number,
        ) >= head
      );
    } catch {
      return false; // being written
    }
  });
}

/** The chain node SIGKILLed (the held call's connection dies with it) and restarted from its state file. */
async function killChain(): Promise<void> {
  const exited = new Promise((r) => anvil.child.once("exit", r));
  anvil.child.kill("SIGKILL");
  await exited;
  proxy.dropHeld();
  await new Promise((r) => setTimeout(r, 1000)); // down for a while: the worker's calls fail meanwhile
  anvil = await startAnvil({ port: anvil.port, state: chainState });
}

const KILLED = [
  { who: "the issuer process", kill: killService },
  { who: "the chain node", kill: killChain },
];

describe.each(KILLED)("$who SIGKILLed at each phase of anchoring", ({ who, kill }) => {
  for (const phase of PHASES) {
    it(`${phase.name}: the revocation lands exactly once, from the stored bytes`, async () => {
      if (!service || service.child.exitCode !== null) await startService();
      // Earlier phases' blocks are in the chain's state file: only this phase's transaction may be lost with the kill.
      await chainDumped();
      const issued = await call("POST", "/credentials", {
        type: "HealthCode",
        subject: holder,
        claims: { healthStatus: "green" },
      });
      expect(issued.status).toBe(201);
      const id = issued.json.id as string;
      const { list, index } = (issued.json.status as { revocation: { list: number; index: number } }).revocation;
      let { provider, status } = ledger();
      const from = await provider.getBlockNumber();

      const reached = proxy.hold(phase.method, phase.at, phase.after ? { after: phase.after } : {});
      expect((await call("POST", "/credentials/status", { action: "revoke", ids: [id] })).status).toBe(202);
      await reached;
      const sentBefore = proxy.sentRaw.length;
      const atKill = await stored(id);
      const setAtKill = await status.getFunction("isSet")(list, index);
      await kill();

      expect([atKill.state, atKill.batch?.state]).toEqual([phase.outbox, phase.batch]);
      if (atKill.batch) {
        expect(Transaction.from(atKill.batch.rawTx).hash).toBe(atKill.batch.txHash);
        expect(proxy.sentRaw.slice(0, sentBefore).includes(atKill.batch.rawTx)).toBe(phase.nodeHasIt);
      }
      expect(setAtKill).toBe(phase.nodeHasIt);
      provider.destroy();
      ({ provider, status } = ledger());

      if (who === "the issuer process") await startService();
      await until(async () => (await stored(id)).state === "anchored");
      expect([service!.child.exitCode, service!.child.signalCode]).toEqual([null, null]); // alive: the chain's death ended nothing
      expect(await status.getFunction("isSet")(list, index)).toBe(true);
      const updates = (await status.queryFilter("StatusUpdated", from + 1, "latest")) as EventLog[];
      expect(updates).toHaveLength(1); // exactly once
      if (atKill.batch) expect(updates[0]!.transactionHash).toBe(atKill.batch.txHash); // the bytes signed before the kill
      const record = await call("GET", `/credentials/${encodeURIComponent(id)}`);
      expect((record.json.requests as { state: string; transaction: string; block: number }[])[0]).toMatchObject({
        state: "anchored",
        transaction: updates[0]!.transactionHash,
        block: updates[0]!.blockNumber,
      });
      provider.destroy();
    }, 300_000);
  }
});

describe("a chain restarted without its last blocks (a node that lost unflushed writes)", () => {
  it("the issuer re-anchors the revocations it lost as soon as the chain answers again, not at the next periodic reconcile", async () => {
    await killService();
    await startService({ LAISSEZ_RECONCILE_MS: "3600000" }); // periodic reconciliation out of the picture: it ran once, at start
    await chainDumped();
    const older = join(dir, "chain-state-older.json");
    copyFileSync(chainState, older);
    const issued = await call("POST", "/credentials", {
      type: "HealthCode",
      subject: holder,
      claims: { healthStatus: "green" },
    });
    const id = issued.json.id as string;
    const { list, index } = (issued.json.status as { revocation: { list: number; index: number } }).revocation;
    expect((await call("POST", "/credentials/status", { action: "revoke", ids: [id] })).status).toBe(202);
    await until(async () => (await stored(id)).state === "anchored");
    const firstHash = (await stored(id)).batch!.txHash;

    const second = await call("POST", "/credentials", {
      type: "HealthCode",
      subject: holder,
      claims: { healthStatus: "green" },
    });

    // The node dies while the worker has work (a revocation taken meanwhile), and comes back from
    // a state file older than the anchored revocation's block. (An idle worker asks the node
    // nothing: a reset while idle is found by the periodic reconciliation.)
    const exited = new Promise((r) => anvil.child.once("exit", r));
    anvil.child.kill("SIGKILL");
    await exited;
    expect((await call("POST", "/credentials/status", { action: "revoke", ids: [second.json.id] })).status).toBe(202);
    await until(
      async () =>
        ((await call("GET", "/health")).json as { anchoring: { lastError: unknown } }).anchoring.lastError !== null,
    );
    copyFileSync(older, chainState);
    anvil = await startAnvil({ port: anvil.port, state: chainState });
    const { provider, status } = ledger();
    expect(await provider.getTransactionReceipt(firstHash)).toBeNull(); // the chain lost it

    // Re-queued and anchored again (the same nonce and calldata may well sign to the same bytes), now with a receipt on this chain.
    await until(
      async () =>
        (await stored(id)).state === "anchored" &&
        (await stored(second.json.id as string)).state === "anchored" &&
        (await status.getFunction("isSet")(list, index)),
      20_000,
    );
    expect((await provider.getTransactionReceipt((await stored(id)).batch!.txHash))?.status).toBe(1);
    const health = (await call("GET", "/health")).json as { anchoring: { requeued: Record<string, number> } };
    expect(health.anchoring.requeued.lost).toBe(1);
    provider.destroy();
  }, 300_000);
});
