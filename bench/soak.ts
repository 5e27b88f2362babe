/**
 * `npm run soak` (issue 10's evidence): minutes of mixed load against `laissez up`, with the
 * chain SIGKILLed and restarted in the middle; then the outbox drains and the run is judged —
 * no response ≥ 500 (other than the documented 503s while the chain is away), no acknowledged
 * revocation missing on chain, no status index handed out twice, the services' memory flat.
 *
 * The chain is anvil with its state in a file (dumped every second), so the restarted node is
 * the same ledger less at most its last second of blocks: a reset the issuers must reconcile.
 * The system is `laissez up --rpc` as its own process (every service in it), so its memory is
 * read from /proc like any process's.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readDeployment } from "../services/chain/deployments.ts";
import { connectLedger } from "../services/chain/ledger.ts";
import { connectRpc } from "../services/chain/rpc.ts";
import { startAnvil, type AnvilNode } from "../test/helpers/anvil.ts";
import { freePort } from "../test/helpers/processes.ts";
import { freePortBlock } from "../test/helpers/system.ts";
import type { Figures } from "./report.ts";
import { SoakLoad, type AcknowledgedRevocation, type SystemRecord } from "./soak-load.ts";
import { judgeMemory, type MemorySample, sampleMemory, WARM_UP_SHARE } from "./soak-memory.ts";

/** Its section in BENCHMARKS.md, which `npm run bench` keeps. */
export const SOAK_TITLE = "Soak: mixed load against laissez up, the chain SIGKILLed and restarted";

const LAISSEZ = fileURLToPath(new URL("../scripts/laissez.ts", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Requests in flight at once (a handful of operators, wallets and checkpoints). */
const CONCURRENCY = 8;
export interface SoakOptions {
  readonly seconds: number;
  readonly say?: (line: string) => void;
}

export interface SoakResult {
  readonly figures: Figures;
  readonly notes: string;
  /** Each check that failed, in a sentence; empty when the run passed. */
  readonly failures: readonly string[];
}

/** `laissez up --rpc` as its own process; resolves with its record once it prints "ready". */
async function startUp(
  rpc: string,
  dir: string,
): Promise<{ child: ChildProcess; system: SystemRecord; deployments: string }> {
  const stateDir = join(dir, "system");
  const deployments = join(dir, "deployments");
  const args = [
    LAISSEZ,
    "up",
    "--rpc",
    rpc,
    "--base-port",
    String(await freePortBlock()),
    "--state-dir",
    stateDir,
    "--deployments",
    deployments,
  ];
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LAISSEZ_LOG: join(dir, "services.log") },
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 600_000;
  while (!/^ready$/m.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`laissez up did not start (exit ${child.exitCode}):\n${out.slice(-2000)}`);
    await sleep(200);
  }
  return {
    child,
    system: JSON.parse(readFileSync(join(stateDir, "system.json"), "utf8")) as SystemRecord,
    deployments,
  };
}

interface IssuerHealth {
  status: string;
  outbox: { depth: number };
  anchoring?: { lastReconcile: { at: number } | null; requeued: Record<string, number> };
}

/** Waits until every issuer's outbox is empty, it is healthy, and it has reconciled since `since` (unix s). */
async function drain(
  load: SoakLoad,
  system: SystemRecord,
  since: number,
  timeoutMs: number,
): Promise<{ seconds: number; requeued: Record<string, number> }> {
  const started = Date.now();
  for (;;) {
    const healths = await Promise.all(
      system.agencies.map(
        async (a) => (await load.call("drain.health", `${a.url}/health`)).json as unknown as IssuerHealth,
      ),
    );
    const done = healths.every(
      (h) => h.status === "ok" && h.outbox?.depth === 0 && (h.anchoring?.lastReconcile?.at ?? 0) >= since,
    );
    if (done || Date.now() - started > timeoutMs) {
      const requeued: Record<string, number> = {};
      for (const h of healths)
        for (const [why, n] of Object.entries(h.anchoring?.requeued ?? {})) requeued[why] = (requeued[why] ?? 0) + n;
      if (!done)
        throw new Error(
          `the outboxes did not drain within ${timeoutMs / 1000} s: ${JSON.stringify(healths.map((h) => ({ status: h.status, depth: h.outbox?.depth })))}`,
        );
      return { seconds: (Date.now() - started) / 1000, requeued };
    }
    await sleep(1000);
  }
}

/** Acknowledged revocations whose bit is not set on the chain now (read with the StatusRegistry). */
async function lostRevocations(
  rpc: string,
  deployments: string,
  acknowledged: readonly AcknowledgedRevocation[],
): Promise<AcknowledgedRevocation[]> {
  const provider = connectRpc(rpc, { timeoutMs: 10_000, chainId: 31337 });
  try {
    const status = connectLedger(readDeployment(31337, deployments), provider).status.getFunction("isSet");
    const lost: AcknowledgedRevocation[] = [];
    for (let i = 0; i < acknowledged.length; i += 50) {
      const chunk = acknowledged.slice(i, i + 50);
      const set = await Promise.all(chunk.map((r) => status(r.list, r.index) as Promise<boolean>));
      chunk.forEach((r, j) => set[j] || lost.push(r));
    }
    return lost;
  } finally {
    provider.destroy();
  }
}

/** Whether the file holds complete JSON (anvil rewrites its state file in place every second, not atomically). */
function completeJson(path: string): boolean {
  try {
    JSON.parse(readFileSync(path, "utf8"));
    return true;
  } catch {
    return false;
  }
}

/**
 * A complete copy of the chain's state file, taken just before the kill: a SIGKILL in the middle
 * of anvil's dump leaves half a file, which anvil refuses at restart (exit 2). A real node's
 * database survives a crash; the copy stands in for that (the ledger less a second or two of blocks).
 */
async function snapshotState(stateFile: string): Promise<string | undefined> {
  const copy = `${stateFile}.complete`;
  for (let attempt = 0; attempt < 20; attempt++) {
    if (completeJson(stateFile)) {
      copyFileSync(stateFile, copy);
      if (completeJson(copy)) return copy;
    }
    await sleep(100);
  }
  return undefined;
}

/** The chain in the middle of the run: SIGKILL, down for a while (the services degrade), restarted from its state file. */
async function killAndRestart(
  node: AnvilNode,
  stateFile: string,
  downMs: number,
  say: (l: string) => void,
): Promise<{ node: AnvilNode; downSeconds: number }> {
  const snapshot = await snapshotState(stateFile);
  const exited = new Promise((r) => node.child.once("exit", r));
  const killedAt = Date.now();
  node.child.kill("SIGKILL");
  await exited;
  say(`chain SIGKILLed (pid ${node.child.pid}); restarting from ${stateFile} in ${Math.round(downMs / 1000)} s`);
  if (!completeJson(stateFile) && snapshot) {
    copyFileSync(snapshot, stateFile);
    say("the kill cut anvil's state dump in half: restarting from the complete copy taken just before it");
  }
  await sleep(downMs);
  const restarted = await startAnvil({ port: node.port, state: stateFile, blockTime: 1 });
  say(
    `chain restarted (pid ${restarted.child.pid}) at block ${Number(await restarted.rpc<string>("eth_blockNumber"))}`,
  );
  return { node: restarted, downSeconds: (Date.now() - killedAt) / 1000 };
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const say = o.say ?? console.log;
  const dir = mkdtempSync(join(tmpdir(), "laissez-soak-"));
  const stateFile = join(dir, "chain-state.json");
  let node = await startAnvil({ port: await freePort(), state: stateFile, blockTime: 1 });
  say(`chain: anvil on ${node.url}, state in ${stateFile}, a block a second`);
  let up: Awaited<ReturnType<typeof startUp>> | undefined;
  try {
    up = await startUp(node.url, dir);
    say(
      `system: laissez up --rpc ${node.url} (pid ${up.child.pid}); load for ${o.seconds} s with ${CONCURRENCY} in flight`,
    );
    const load = new SoakLoad(up.system);
    const memory = sampleMemory(up.child.pid, () => node.child.pid);
    const started = Date.now();
    const end = started + o.seconds * 1000;
    const workers = Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) await load.step();
    });
    await sleep(o.seconds * 450);
    const restart = await killAndRestart(node, stateFile, Math.min(30_000, Math.max(5000, o.seconds * 50)), say);
    node = restart.node;
    const restartedAt = Math.floor(Date.now() / 1000);
    await Promise.all(workers);
    const loadSeconds = (Date.now() - started) / 1000;
    say(`load done: ${load.tally.requests} requests in ${Math.round(loadSeconds)} s; draining the outboxes …`);
    const drained = await drain(load, up.system, restartedAt, 300_000);
    memory.stop();
    // Every sample, for a look at the curve (the run's directory is kept with LAISSEZ_SOAK_KEEP=1).
    writeFileSync(join(dir, "memory.json"), JSON.stringify(memory.samples.map((s) => ({ ...s, at: s.at - started }))));
    const lost = await lostRevocations(node.url, up.deployments, load.acknowledged);
    const result = judge({
      load,
      loadSeconds,
      drained,
      lost,
      samples: memory.samples,
      warmUntil: started + o.seconds * 1000 * WARM_UP_SHARE,
      downSeconds: restart.downSeconds,
    });
    for (const line of result.memory) say(line);
    return result;
  } finally {
    if (up && up.child.exitCode === null) {
      const exited = new Promise((r) => up!.child.once("exit", r));
      up.child.kill("SIGTERM");
      await exited;
    }
    await node.stop();
    if (!process.env.LAISSEZ_SOAK_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

interface Judged {
  readonly load: SoakLoad;
  readonly loadSeconds: number;
  readonly drained: { seconds: number; requeued: Record<string, number> };
  readonly lost: readonly AcknowledgedRevocation[];
  readonly samples: readonly MemorySample[];
  readonly warmUntil: number;
  readonly downSeconds: number;
}

function judge(j: Judged): SoakResult & { memory: string[] } {
  const t = j.load.tally;
  const reused = j.load.reusedSlots();
  const memory = judgeMemory(j.samples, j.warmUntil);
  const failures = [
    ...(t.unexpected5xx > 0
      ? [`${t.unexpected5xx} responses ≥ 500 (not a documented 503): ${t.samples5xx.join(" | ")}`]
      : []),
    ...(t.connectionErrors > 0
      ? [`${t.connectionErrors} requests got no HTTP answer: ${t.samplesNoAnswer.join(" | ")}`]
      : []),
    ...(j.lost.length > 0
      ? [
          `${j.lost.length} acknowledged revocations not set on chain: ${j.lost
            .slice(0, 5)
            .map((l) => l.credentialId)
            .join(", ")}`,
        ]
      : []),
    ...(reused > 0 ? [`${reused} status slots handed out to more than one credential`] : []),
    ...(t.count("offer", 201) > 0 && j.load.redeemed === 0
      ? [
          `none of ${t.count("offer", 201)} offers was redeemed by the wallet (refused: ${JSON.stringify(j.load.refusedOffers)})`,
        ]
      : []),
    ...memory.failures,
  ];
  const r1 = (x: number) => Math.round(x * 10) / 10;
  const figures: Figures = {
    "soak.duration_s": { value: Math.round(j.loadSeconds), unit: "s of load" },
    "soak.requests": { value: t.requests, unit: "HTTP requests (load and drain)" },
    "soak.requests_per_second": { value: r1(t.requests / j.loadSeconds), unit: "requests/s" },
    "soak.responses_5xx": { value: t.unexpected5xx, unit: "responses ≥ 500 other than a documented 503" },
    "soak.responses_503_documented": {
      value: t.documented503,
      unit: "503 chain_unavailable / bundle_unavailable (fail closed while the chain was away), /health degraded",
    },
    "soak.connection_errors": { value: t.connectionErrors, unit: "requests without an HTTP answer" },
    "soak.credentials_issued": { value: j.load.issued, unit: "credentials (POST /credentials and offers)" },
    "soak.offers_redeemed": { value: j.load.redeemed, unit: "offers redeemed through OpenID4VCI" },
    "soak.offers_refused": {
      value: Object.values(j.load.refusedOffers).reduce((a, b) => a + b, 0),
      unit: `offers the wallet gave up on (${JSON.stringify(j.load.refusedOffers)})`,
    },
    "soak.verifications": {
      value: t.count("verify.static") + t.count("verify.challenge"),
      unit: "POST /verify (static LZ1 and challenge-bound)",
    },
    "soak.malformed_requests": {
      value: [...t.byOperation.keys()].filter((k) => k.startsWith("malformed.")).reduce((n, k) => n + t.count(k), 0),
      unit: "malformed requests",
    },
    "soak.revocations_acknowledged": { value: j.load.acknowledged.length, unit: "revocations answered 2xx" },
    "soak.revocations_lost": { value: j.lost.length, unit: "acknowledged revocations not set on chain at the end" },
    "soak.indices_reused": { value: reused, unit: "status slots handed out twice" },
    "soak.batches_requeued": {
      value: Object.values(j.drained.requeued).reduce((a, b) => a + b, 0),
      unit: `batches re-queued by the issuers (${JSON.stringify(j.drained.requeued)})`,
    },
    "soak.chain_restarts": { value: 1, unit: "SIGKILL + restart from the state file" },
    "soak.chain_down_s": { value: r1(j.downSeconds), unit: "s the chain was away" },
    "soak.drain_s": {
      value: r1(j.drained.seconds),
      unit: "s from the end of load to every outbox empty and reconciled",
    },
    ...memory.figures,
  };
  return { figures, notes: notes(j, failures, memory.lines), failures, memory: memory.lines };
}

function notes(j: Judged, failures: readonly string[], memoryLines: readonly string[]): string {
  const t = j.load.tally;
  const mix = [...t.byOperation.entries()]
    .map(([op, row]) => `${op} ${[...row.entries()].map(([s, n]) => `${s}×${n}`).join(" ")}`)
    .join("; ");
  return [
    "`npm run soak` (bench/soak.ts; `LAISSEZ_SOAK_SECONDS` shortens it): `laissez up --rpc` as its own process against anvil",
    "with its state in a file dumped every second (`--state … --state-interval 1`, a block a second). Eight requests in flight:",
    "issuance (`POST /credentials`, and offers redeemed by a wallet through OpenID4VCI), revoke/suspend/reinstate, verification",
    "at the three checkpoint services (static LZ1 QR and challenge-bound), and malformed requests. At 45 % of the run the chain",
    "is SIGKILLed, left down, and restarted from its state file (the same ledger less its last second of blocks: the issuers",
    "re-queue what it lost). Then the outboxes drain, and the checks: no response ≥ 500 other than the documented 503s",
    "(issuance fails closed while the chain is away), every revocation answered 2xx has its bit set on chain (read with the",
    "StatusRegistry), no status slot handed out twice (every issued credential's indices), and the `laissez up` process's RSS",
    "(all issuer, checkpoint and wallet services: one process) flat after warm-up: the least-squares slope of every 5-second",
    "sample after the first 20 % of the run (through the drain) at most max(32 MB, 10 % of the warmed-up size) divided by",
    "the judged window's minutes — 4 MB/min for the 10-minute run (32 MB over 8 minutes); a short run judges coarsely.",
    "V8's heap steps and six SQLite page caches drift by tens of MB, which moves two samples a lot and the fitted line",
    "little. `soak.rss_growth_mb.*` (first to last sample) is reported, not judged; the chain (anvil keeps every block in",
    "memory) is reported, not judged.",
    "",
    ...memoryLines.map((l) => `${l}.`),
    "",
    `Verdicts: ${JSON.stringify(j.load.verdicts)}.`,
    `Requests by operation and status: ${mix}.`,
    "",
    failures.length === 0 ? "**Result: pass.**" : `**Result: FAIL** — ${failures.join("; ")}`,
  ].join("\n");
}
