import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { p256 } from "@noble/curves/nist.js";
import type { EventLog } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { p256DidKey } from "../../core/did.ts";
import { createHolderProof, ENDPOINTS, PRE_AUTHORIZED_GRANT } from "../../core/index.ts";
import { createHolderKey } from "../../wallet/holder.ts";
import { readDeployment } from "../../services/chain/deployments.ts";
import { connectLedger } from "../../services/chain/ledger.ts";
import { connectRpc } from "../../services/chain/rpc.ts";
import { readRows, withStoreAt } from "../helpers/issuer.ts";
import type { IssuerStore } from "../../services/issuer/store.ts";
import { freePort, ROOT, runLaissez, startChainProcess } from "../helpers/processes.ts";

/**
 * The issuer service as an operator runs it — its own process, SQLite on disk, `hardhat node`
 * over JSON-RPC — under the faults SECURITY.md lists: the chain unreachable (a TCP proxy we
 * cut: the one fault here we cannot cause otherwise), and SIGKILL at random moments.
 */
const dir = mkdtempSync(join(tmpdir(), "laissez-faults-"));
const db = join(dir, "issuer.db");
const holder = p256DidKey(p256.getPublicKey(p256.utils.randomSecretKey(), false));
let chain: Awaited<ReturnType<typeof startChainProcess>>;
let proxy: Awaited<ReturnType<typeof startProxy>>;
let token: string;
let service: { child: ChildProcess; url: string } | undefined;

/** A TCP proxy to the chain node that can be cut (connections refused and dropped) and restored. */
async function startProxy(target: number) {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(target, "127.0.0.1");
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      }).listen(port, "127.0.0.1", resolve);
    });
  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    async cut() {
      // close() waits for open connections to end: drop them first.
      const closed = new Promise((r) => server?.close(r));
      for (const s of sockets) s.destroy();
      await closed;
    },
    restore: listen,
  };
}

async function startService(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, "scripts/laissez.ts"), "issuer", "serve", "--agency", "0"], {
    cwd: ROOT,
    stdio: "ignore",
    env: {
      ...process.env,
      LAISSEZ_RPC_URL: proxy.url,
      LAISSEZ_DEPLOYMENTS: join(dir, "deployments"),
      LAISSEZ_DB: db,
      LAISSEZ_PORT: String(port),
      LAISSEZ_LOG: process.env.FAULTS_LOG ?? "off",
      LAISSEZ_ANCHOR_INTERVAL_MS: "50",
      LAISSEZ_PUBLIC_URL: "http://127.0.0.1:8701",
    },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`issuer service exited with ${child.exitCode}`);
    try {
      await fetch(`${url}/health`);
      return { child, url };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error("issuer service did not start");
}

const kill9 = (s: { child: ChildProcess }) =>
  new Promise<void>((resolve) => {
    if (s.child.exitCode !== null) return resolve();
    s.child.once("exit", () => resolve());
    s.child.kill("SIGKILL");
  });

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${service!.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
async function get(path: string) {
  const res = await fetch(`${service!.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
const issue = (key?: string) =>
  post(
    "/credentials",
    { type: "HealthCode", subject: holder, claims: { healthStatus: "green" } },
    key ? { "idempotency-key": key } : {},
  );
const readDb = <T>(sql: string): T[] => readRows<T>(db, sql);
const inStore = <T>(look: (store: IssuerStore) => Promise<T>): Promise<T> => withStoreAt(db, look);
const anchoredBatches = () => inStore(async (s) => (await s.outbox.batches("anchored")).length);
async function until(what: () => Promise<boolean>, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}
async function revocationEvents(): Promise<EventLog[]> {
  const provider = connectRpc(chain.url);
  const { status } = connectLedger(readDeployment(31337, join(dir, "deployments")), provider);
  const events = (await status.queryFilter("StatusUpdated", 0, "latest")) as EventLog[];
  provider.destroy();
  return events;
}

beforeAll(async () => {
  chain = await startChainProcess();
  const deployments = ["--rpc", chain.url, "--deployments", join(dir, "deployments")];
  expect((await runLaissez(["deploy", ...deployments])).code).toBe(0);
  expect((await runLaissez(["seed", ...deployments])).code).toBe(0);
  proxy = await startProxy(Number(new URL(chain.url).port));
  const admin = await runLaissez(["issuer", "create-admin", "--db", db]);
  token = (JSON.parse(admin.stdout) as { token: string }).token;
  service = await startService();
}, 300_000); // a chain, four CLI processes and the service: minutes on a loaded machine
afterAll(async () => {
  if (service) await kill9(service);
  await chain?.stop();
});

describe("issuer service faults", () => {
  it("chain down during a revocation: accepted as pending, anchored exactly once when the chain is back", async () => {
    const issued = await issue();
    expect(issued.status).toBe(201);
    const id = issued.json.id as string;
    const before = (await revocationEvents()).length;
    await proxy.cut();
    const r = await post("/credentials/status", { action: "revoke", ids: [id] });
    expect([r.status, r.json.state]).toEqual([202, "pending"]);
    const health = await fetch(`${service!.url}/health`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { outbox: { depth: number } }).outbox.depth).toBe(1);
    await new Promise((res) => setTimeout(res, 1000));
    expect(
      ((await get(`/credentials/${encodeURIComponent(id)}`)).json.requests as { state: string }[])[0]!.state,
    ).not.toBe("anchored");
    await proxy.restore();
    await until(
      async () =>
        ((await get(`/credentials/${encodeURIComponent(id)}`)).json.requests as { state: string }[])[0]!.state ===
        "anchored",
    );
    expect((await revocationEvents()).length - before).toBe(1);
  });

  it("SIGKILL at random moments during issuance: no credential lacks its record, no index is used twice", async () => {
    const answered = new Map<string, string>(); // idempotency key → credential
    let k = 0;
    for (let round = 0; round < 5; round++) {
      const inflight: Promise<void>[] = [];
      // The kill lands at a random moment after the first answer of the round, so every round
      // kills mid-stream (some answered, some in flight) however slow the machine is.
      let firstAnswer!: () => void;
      const answeredOnce = new Promise<void>((res) => (firstAnswer = res));
      for (let i = 0; i < 30; i++) {
        const key = `round-${round}-${k++}`;
        inflight.push(
          issue(key).then(
            (r) => void (r.status === 201 && (answered.set(key, r.json.credential as string), firstAnswer())),
            () => undefined,
          ),
        );
      }
      await Promise.race([answeredOnce, new Promise((r) => setTimeout(r, 20_000))]);
      await new Promise((r) => setTimeout(r, Math.random() * 100));
      await kill9(service!);
      await Promise.all(inflight);
      service = await startService();
    }
    expect(answered.size).toBeGreaterThan(0);
    // Every credential a client received has its record, and a retry returns it unchanged.
    for (const [key, credential] of answered) {
      const retry = await issue(key);
      expect(retry.status).toBe(201);
      expect(retry.json.credential).toBe(credential);
    }
    // Two indices per record, none without one (distinct (list, index) is the store's contract: test/helpers/store-behaviour.ts).
    const counts = await inStore((s) => s.census());
    expect(counts.allocatedIndices).toBe(2 * counts.credentials);
    expect(counts.strayIndices).toBe(0);
  });

  it("SIGKILL at random moments during anchoring: no revocation lost, none applied twice", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await issue()).json.id as string);
    const eventsBefore = (await revocationEvents()).length;
    const batchesBefore = await anchoredBatches();
    for (let round = 0; round < 5; round++) {
      const r = await post("/credentials/status", { action: "revoke", ids: ids.slice(round * 8, round * 8 + 8) });
      expect(r.status).toBe(202);
      await new Promise((res) => setTimeout(res, Math.random() * 150));
      await kill9(service!);
      service = await startService();
    }
    await until(async () => (await inStore((s) => s.outbox.depth())) === 0);
    const provider = connectRpc(chain.url);
    const { status } = connectLedger(readDeployment(31337, join(dir, "deployments")), provider);
    for (const id of ids) {
      const c = (await get(`/credentials/${encodeURIComponent(id)}`)).json as {
        revocation: { list: number; index: number };
      };
      expect(await status.getFunction("isSet")(c.revocation.list, c.revocation.index)).toBe(true);
    }
    provider.destroy();
    const batches = (await anchoredBatches()) - batchesBefore;
    // One event per anchored batch: no batch reached the chain twice.
    expect((await revocationEvents()).length - eventsBefore).toBe(batches);
    expect(await inStore((s) => s.outbox.countRequests("revoke", "anchored"))).toBeGreaterThanOrEqual(40);
  });

  it("SIGKILL at random moments during batch redemption: every offer ends redeemed once (20 copies), none claimed for ever, no record orphaned", async () => {
    const audience = "http://127.0.0.1:8701"; // the service's LAISSEZ_PUBLIC_URL
    const offerToken = async () => {
      const uri = (await post("/offers", { type: "HealthCode", claims: { healthStatus: "green" }, format: "jwt_vc" }))
        .json.offerUri as string;
      const code = JSON.parse(new URLSearchParams(uri.slice(uri.indexOf("?") + 1)).get("credential_offer")!).grants[
        PRE_AUTHORIZED_GRANT
      ]["pre-authorized_code"] as string;
      const res = await fetch(`${service!.url}${ENDPOINTS.token}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: PRE_AUTHORIZED_GRANT, "pre-authorized_code": code }).toString(),
      });
      const t = (await res.json()) as { access_token: string; c_nonce: string };
      const keys = Array.from({ length: 20 }, createHolderKey);
      const proofs = await Promise.all(
        keys.map((k) =>
          createHolderProof({
            holder: k.did,
            signer: k.sign,
            audience,
            nonce: t.c_nonce,
            issuedAt: Math.floor(Date.now() / 1000),
          }),
        ),
      );
      return { token: t.access_token, body: JSON.stringify({ proofs: { jwt: proofs } }) };
    };
    const redeem = async (o: { token: string; body: string }) => {
      const res = await fetch(`${service!.url}${ENDPOINTS.credential}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${o.token}` },
        body: o.body,
      });
      return { status: res.status, json: (await res.json()) as { credentials?: unknown[] } };
    };
    const credentials = () => readDb<{ n: number }>("SELECT count(*) AS n FROM credentials")[0]!.n;
    const before = credentials();
    // One redemption unkilled: how long the kills below have to land in.
    const first = await offerToken();
    let started = Date.now();
    expect((await redeem(first)).json.credentials).toHaveLength(20);
    const span = Date.now() - started;
    for (let round = 0; round < 5; round++) {
      const o = await offerToken();
      started = Date.now();
      const inflight = redeem(o).catch(() => undefined);
      await new Promise((r) => setTimeout(r, Math.random() * span * 1.2));
      await kill9(service!);
      const answered = await inflight;
      service = await startService();
      // The wallet retries with the same request: the batch (same records), or — it was finished before the kill — 401.
      const retry = await redeem(o);
      if (answered?.status === 200) expect(retry.status).toBe(401);
      else if (retry.status !== 200)
        expect(readDb<{ n: number }>("SELECT count(*) AS n FROM offers WHERE credential_id IS NULL")[0]!.n).toBe(0);
      else expect(retry.json.credentials).toHaveLength(20);
    }
    // Every offer redeemed, once: its batch of 20, and nothing recorded beside the batches.
    expect(readDb("SELECT code_hash FROM offers WHERE credential_id IS NULL")).toEqual([]);
    const batches = readDb<{ n: number }>(
      "SELECT (SELECT count(*) FROM credential_copies c WHERE c.batch_id = o.credential_id) AS n FROM offers o",
    );
    expect(batches.map((b) => b.n)).toEqual(Array(6).fill(20));
    expect(credentials() - before).toBe(6 * 20);
  });
});
