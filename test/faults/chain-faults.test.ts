import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { p256 } from "@noble/curves/nist.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { p256DidKey } from "../../core/did.ts";
import { readDeployment } from "../../services/chain/deployments.ts";
import { connectLedger } from "../../services/chain/ledger.ts";
import { connectRpc, waitForRpc } from "../../services/chain/rpc.ts";
import { withStoreAt } from "../helpers/issuer.ts";
import { freePort, ROOT, runLaissez } from "../helpers/processes.ts";

/**
 * Issue 10 items 2–5: the chain node (`hardhat node`, its own process) killed at each phase of
 * anchoring, frozen, down at start, and reset (a restarted node has no state: the ledger is
 * deployed and seeded again at the same addresses). The issuer service (its own process) must
 * live through all of it, say `degraded`, take revocations as pending, refuse issuance with
 * 503 `chain_unavailable`, and end with every revocation on the chain it finally talks to.
 */
const dir = mkdtempSync(join(tmpdir(), "laissez-chain-faults-"));
const db = join(dir, "issuer.db");
const deployments = join(dir, "deployments");
const holder = p256DidKey(p256.getPublicKey(p256.utils.randomSecretKey(), false));
let chainPort: number;
let chain: ChildProcess | undefined;
let service: { child: ChildProcess; url: string; stderr: () => string } | undefined;
let token: string;
let firstDeployment: string;

async function startChain(): Promise<void> {
  chain = spawn(process.execPath, [join(ROOT, "scripts/laissez.ts"), "chain", "--port", String(chainPort)], {
    cwd: ROOT,
    stdio: "ignore",
    detached: true,
  });
  await waitForRpc(`http://127.0.0.1:${chainPort}`, 120_000);
}
/** A fresh node has nothing: deploy and seed again; the deterministic keys put the contracts at the same addresses. */
async function startResetChain(): Promise<void> {
  await startChain();
  const args = ["--rpc", `http://127.0.0.1:${chainPort}`, "--deployments", deployments];
  expect((await runLaissez(["deploy", ...args])).code).toBe(0);
  expect((await runLaissez(["seed", ...args])).code).toBe(0);
  const { deployedAtBlock: _b, ...addresses } = readDeployment(31337, deployments);
  firstDeployment ??= JSON.stringify(addresses);
  expect(JSON.stringify(addresses)).toBe(firstDeployment);
}
const signalChain = (signal: NodeJS.Signals) => process.kill(-(chain!.pid as number), signal);
async function killChain(): Promise<void> {
  const exited = new Promise((r) => chain!.once("exit", r));
  signalChain("SIGKILL");
  await exited;
}

async function startService(): Promise<void> {
  const port = await freePort();
  let stderr = "";
  const child = spawn(process.execPath, [join(ROOT, "scripts/laissez.ts"), "issuer", "serve", "--agency", "0"], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      ...process.env,
      LAISSEZ_RPC_URL: `http://127.0.0.1:${chainPort}`,
      LAISSEZ_DEPLOYMENTS: deployments,
      LAISSEZ_DB: db,
      LAISSEZ_PORT: String(port),
      LAISSEZ_LOG: join(dir, "issuer.log"),
      LAISSEZ_ANCHOR_INTERVAL_MS: "50",
      LAISSEZ_CHAIN_CACHE_MS: "0",
      LAISSEZ_RPC_TIMEOUT_MS: "1500",
      LAISSEZ_RECEIPT_TIMEOUT_MS: "1000",
      LAISSEZ_RECONCILE_MS: "500",
    },
  });
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`issuer service exited with ${child.exitCode}: ${stderr}`);
    try {
      await fetch(`${url}/health`);
      service = { child, url, stderr: () => stderr };
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error("issuer service did not start");
}

/** The service is still the process we started: no chain error ended it (an unhandled rejection would). */
function expectAlive(): void {
  expect(service!.child.exitCode, service!.stderr()).toBeNull();
  expect(service!.child.signalCode).toBeNull();
}

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(service!.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as Record<string, unknown>;
  return { status: res.status, json, code: (json.error as { code?: string } | undefined)?.code };
}
const issue = () =>
  call("POST", "/credentials", { type: "HealthCode", subject: holder, claims: { healthStatus: "green" } });
const revoke = (id: string) => call("POST", "/credentials/status", { action: "revoke", ids: [id] });
const health = async () => {
  const res = await fetch(`${service!.url}/health`);
  return {
    status: res.status,
    json: (await res.json()) as {
      status: string;
      anchoring?: { lastError: unknown; requeued: Record<string, number>; lastReconcile: unknown };
    },
  };
};
const credentialCount = () => withStoreAt(db, (s) => s.credentials.count());
const stateOf = (id: string) => withStoreAt(db, async (s) => (await s.outbox.statusOf(id)).at(-1)?.state);
async function until(what: () => boolean | Promise<boolean>, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > deadline)
      throw new Error(
        `condition not reached in time; issuer log tail: ${readFileSync(join(dir, "issuer.log"), "utf8").slice(-1500)}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
/** Is the credential's revocation bit set on the chain now? */
async function revokedOnChain(id: string): Promise<boolean> {
  const { revocation } = (await withStoreAt(db, (s) => s.credentials.get(id)))!;
  const provider = connectRpc(`http://127.0.0.1:${chainPort}`, { timeoutMs: 5000, chainId: 31337 });
  try {
    return (await connectLedger(readDeployment(31337, deployments), provider).status.getFunction("isSet")(
      revocation.list,
      revocation.index,
    )) as boolean;
  } finally {
    provider.destroy();
  }
}
async function issued(): Promise<string> {
  const r = await issue();
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json.id as string;
}
/** While the chain is away: alive, degraded, revocations pending, issuance refused with 503 chain_unavailable. */
async function expectDegraded(pendingId: string): Promise<void> {
  expectAlive();
  await until(async () => (await health()).json.status === "degraded", 30_000);
  expect((await health()).status).toBe(503);
  const before = await credentialCount();
  const refused = await issue();
  expect([refused.status, refused.code]).toEqual([503, "chain_unavailable"]);
  expect(await credentialCount()).toBe(before);
  const r = await revoke(pendingId);
  expect([r.status, r.json.state]).toEqual([202, "pending"]);
  expectAlive();
}

beforeAll(async () => {
  chainPort = await freePort();
  await startResetChain();
  token = (JSON.parse((await runLaissez(["issuer", "create-admin", "--db", db])).stdout) as { token: string }).token;
  await startService();
}, 600_000);
afterAll(async () => {
  service?.child.kill("SIGKILL");
  if (chain && chain.exitCode === null) {
    signalChain("SIGCONT");
    await killChain();
  }
});

describe("the issuer service when the chain fails", () => {
  it("chain killed while idle, then reset: lives, degraded, pending; re-anchors what the reset lost", async () => {
    const first = await issued();
    expect((await revoke(first)).status).toBe(202);
    await until(async () => (await stateOf(first)) === "anchored");
    const second = await issued();

    await killChain(); // idle: nothing in flight
    await expectDegraded(second);

    await startResetChain();
    await until(
      async () =>
        (await stateOf(second)) === "anchored" &&
        (await stateOf(first)) === "anchored" &&
        (await revokedOnChain(first)),
    );
    expect(await revokedOnChain(second)).toBe(true);
    const h = await health();
    expect(h.json.status).toBe("ok");
    expect(h.json.anchoring!.requeued.lost).toBeGreaterThanOrEqual(1); // the reset chain had lost the first batch
    expectAlive();
  }, 600_000);

  it("chain killed while a batch awaits its receipt, then reset: the stale transaction is re-signed with a fresh nonce", async () => {
    const id = await issued();
    const other = await issued();
    const rpc = (method: string, params: unknown[]) =>
      fetch(`http://127.0.0.1:${chainPort}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      });
    await rpc("evm_setAutomine", [false]); // test-only: the batch is sent and never mined
    expect((await revoke(id)).status).toBe(202);
    await until(async () => (await stateOf(id)) === "sending");
    await killChain(); // awaiting its receipt
    await expectDegraded(other);
    expect(await stateOf(id)).not.toBe("anchored");

    await startResetChain();
    await until(
      async () =>
        (await stateOf(id)) === "anchored" &&
        (await stateOf(other)) === "anchored" &&
        (await revokedOnChain(id)) &&
        (await revokedOnChain(other)),
    );
    // Both resets lost an anchored batch; the stale transaction was refused (nonce ahead) or landed once.
    expect((await health()).json.anchoring!.requeued.lost).toBeGreaterThanOrEqual(2);
    expectAlive();
  }, 600_000);

  it("chain frozen: issuance answers 503 within the RPC timeout and records nothing", async () => {
    signalChain("SIGSTOP");
    try {
      const before = await credentialCount();
      const started = Date.now();
      const r = await issue();
      expect([r.status, r.code]).toEqual([503, "chain_unavailable"]);
      expect(Date.now() - started).toBeLessThan(15_000);
      await new Promise((res) => setTimeout(res, 2000)); // nothing turns up later either
      expect(await credentialCount()).toBe(before);
      expectAlive();
    } finally {
      signalChain("SIGCONT");
    }
    await until(async () => (await issue()).status === 201);
  }, 600_000);

  it("starts with the chain down, and catches up when it is back", async () => {
    const id = await issued();
    service!.child.kill("SIGKILL");
    await killChain();
    await startService();
    await expectDegraded(id);

    await startResetChain();
    await until(async () => (await stateOf(id)) === "anchored" && (await revokedOnChain(id)));
    expect((await issue()).status).toBe(201);
    // Never anchored without a receipt: every batch still marked anchored is on the chain we talk to now.
    const provider = connectRpc(`http://127.0.0.1:${chainPort}`, { timeoutMs: 5000, chainId: 31337 });
    for (const b of await withStoreAt(db, (s) => s.outbox.batches("anchored")))
      expect((await provider.getTransactionReceipt(b.txHash))?.status).toBe(1);
    provider.destroy();
    expectAlive();
  }, 600_000);
});
