import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { getBytes } from "ethers";
import {
  compactPresentation,
  expandPresentation,
  holderSigner,
  issueCredential,
  presentCredential,
  regionAudience,
  softwareSigner,
  statusListUrl,
  verifyPresentation,
} from "../core/index.ts";
import { createCheckpointApp } from "../services/checkpoint/app.ts";
import { BundleKeeper } from "../services/checkpoint/keeper.ts";
import { nativeVerifier } from "../services/crypto/native-verifier.ts";
import { jsonLog } from "../services/http/app.ts";
import { listen } from "../services/http/server.ts";
import { demoSchemas } from "../scripts/context.ts";
import { demoAuthorityKey, demoIssuerKey, demoSchema } from "../scripts/demo/consortium.ts";
import { seededChain } from "../test/helpers/chain.ts";
import { createHolderKey } from "../wallet/holder.ts";
import { loadFromAnotherProcess, percentile, pinCores } from "./load-run.ts";
import type { Figures } from "./report.ts";
import { perOpSync, round } from "./timing.ts";

const REQUESTS = Number(process.env.LAISSEZ_BENCH_VERIFY_REQUESTS ?? 20_000);
const IN_FLIGHT = 32;
/** In-process and HTTP measured in alternation, so a slow minute on the machine falls on both. */
const ROUNDS = 5;

interface Setup {
  readonly url: string;
  readonly qr: string;
  readonly verifyInProcess: () => void;
  close(): void;
}

/**
 * The service as `laissez checkpoint serve` configures it (native verifier, request log lines
 * written — to a file here — metrics, rate limit) on the seeded chain's CN-SH bundle, an LZ1
 * static health code (ES256K issuer, P-256 holder), and what the route does after parsing, in
 * process, with the same bundle, verifier and key cache.
 */
async function setUp(): Promise<Setup> {
  const chain = await seededChain();
  const chainNow = await chain.networkHelpers.time.latest();
  const dir = mkdtempSync(join(tmpdir(), "laissez-bench-cp-"));
  process.env.LAISSEZ_LOG ??= join(dir, "requests.log");
  const keeper = new BundleKeeper({
    provider: chain.provider,
    deployment: chain.deployment,
    schemas: demoSchemas,
    signerKey: softwareSigner("ES256K", getBytes(demoAuthorityKey("CN-SH").privateKey)),
    path: join(dir, "bundle.json"),
    region: "CN-SH",
  });
  await keeper.sync();
  const started = Math.floor(Date.now() / 1000);
  const now = (): number => chainNow + (Math.floor(Date.now() / 1000) - started);
  const { app } = createCheckpointApp({
    keeper,
    region: "CN-SH",
    chainId: 31337,
    checkpointId: "checkpoint:CN-SH:bench",
    verifier: nativeVerifier,
    now,
    log: jsonLog,
    rateLimit: 10_000_000,
  });
  const server = await listen(app, 0, "127.0.0.1");

  const agency = chain.agencies[0]!;
  const holder = createHolderKey();
  const credential = await issueCredential({
    key: demoIssuerKey(31337, 0, "ES256K"),
    holder: holder.did,
    credentialType: "HealthCode",
    claims: { healthStatus: "green" },
    schema: demoSchema("HealthCode"),
    status: {
      revocation: { listUrl: statusListUrl("http://127.0.0.1:8701", 31337, agency.revocationList), index: 11 },
      suspension: { listUrl: statusListUrl("http://127.0.0.1:8701", 31337, agency.suspensionList), index: 11 },
    },
    id: "urn:uuid:bench-checkpoint",
    issuedAt: chainNow,
    validUntil: chainNow + 86_400,
  });
  const qr = compactPresentation(
    await presentCredential({
      credential,
      holder: holder.did,
      signer: holderSigner(holder.secret),
      issuedAt: chainNow,
      audience: regionAudience("CN-SH"),
    }),
  );
  const keyCache = new Map<string, Uint8Array>();
  const bundle = keeper.current!.bundle;
  const verifyInProcess = (): void => {
    const v = verifyPresentation(expandPresentation(qr), {
      bundle,
      region: "CN-SH",
      now: now(),
      verifier: nativeVerifier,
      keyCache,
    });
    if (v.verdict !== "accept") throw new Error(`in-process verdict ${v.verdict} (${v.reason})`);
  };
  const close = (): void => {
    server.closeAllConnections();
    server.close();
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/verify`, qr, verifyInProcess, close };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * The checkpoint service's `/verify` over HTTP against the same work in process, side by side
 * in one run (issue 10 item 11), in `ROUNDS` alternating rounds; the load comes from a separate
 * process, 32 requests in flight. The service and the in-process loop share one pinned core,
 * the load generator has the other (`pinCores`). Rates are the rounds' medians; the ratio is
 * the median of each round's HTTP rate over the in-process rate measured just before it.
 */
export async function benchCheckpoint(): Promise<{ figures: Figures; notes: string }> {
  const cores = pinCores();
  try {
    const { url, qr, verifyInProcess, close } = await setUp();
    perOpSync(verifyInProcess, { batch: 1000, rounds: 1, warmup: 1000 });
    await loadFromAnotherProcess(url, { presentation: qr }, 2000, IN_FLIGHT, 200, undefined, cores?.load); // warm-up
    const inProcess: number[] = [];
    const http: number[] = [];
    const latencies: number[] = [];
    let cpuMs = 0;
    for (let r = 0; r < ROUNDS; r++) {
      inProcess.push(1000 / perOpSync(verifyInProcess, { batch: 1000, rounds: 3, warmup: 100 }));
      const cpu = process.cpuUsage();
      const run = await loadFromAnotherProcess(
        url,
        { presentation: qr },
        Math.ceil(REQUESTS / ROUNDS),
        IN_FLIGHT,
        200,
        undefined,
        cores?.load,
      );
      const used = process.cpuUsage(cpu);
      if (run.failures > 0) throw new Error(`${run.failures} /verify requests failed`);
      cpuMs += (used.user + used.system) / 1000;
      http.push(run.latencies.length / (run.ms / 1000));
      latencies.push(...run.latencies);
    }
    close();
    const ratio = median(http.map((h, i) => h / (inProcess[i] as number)));
    return report({
      qr,
      http: median(http),
      inProcess: median(inProcess),
      ratio,
      cpuMsPerRequest: cpuMs / latencies.length,
      sorted: latencies.sort((a, b) => a - b),
      pinned: cores !== undefined,
    });
  } finally {
    cores?.release();
  }
}

/** `benchCheckpoint` in a fresh process (bench/checkpoint-process.ts says why). */
export async function benchCheckpointInOwnProcess(): Promise<{ figures: Figures; notes: string }> {
  const entry = new URL("./checkpoint-process.ts", import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(process.execPath, [entry], {
    maxBuffer: 16 * 1024 * 1024,
    env: process.env,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) as string) as { figures: Figures; notes: string };
}

interface Measured {
  readonly qr: string;
  readonly http: number;
  readonly inProcess: number;
  readonly ratio: number;
  readonly cpuMsPerRequest: number;
  readonly sorted: readonly number[];
  readonly pinned: boolean;
}

function report(m: Measured): { figures: Figures; notes: string } {
  const { qr, http: httpPerSecond, inProcess: inProcessPerSecond, ratio, sorted } = m;
  const figures: Figures = {
    "checkpoint.http_verify_per_second": { value: round(httpPerSecond), unit: "verifications/s" },
    "checkpoint.in_process_verify_per_second": { value: round(inProcessPerSecond), unit: "verifications/s" },
    "checkpoint.http_vs_in_process": { value: round(ratio, 3), unit: "ratio (goal ≥ 0.5)" },
    "checkpoint.http_p50_ms": { value: round(percentile(sorted, 0.5)), unit: "ms" },
    "checkpoint.http_p99_ms": { value: round(percentile(sorted, 0.99)), unit: "ms" },
    "checkpoint.service_cpu_ms_per_request": { value: round(m.cpuMsPerRequest, 3), unit: "ms CPU" },
  };

  const notes = [
    `\`POST /verify\` with an LZ1 static health code (ES256K issuer, P-256 holder, ${qr.length} characters): ${ROUNDS} rounds, each ${Math.ceil(REQUESTS / ROUNDS).toLocaleString("en-US")} requests over HTTP`,
    `(${IN_FLIGHT} in flight, keep-alive, from \`bench/load.ts\` in a separate process) right after 3 × 1,000 verifications in process (\`expandPresentation\` + \`verifyPresentation\` on the`,
    "same text, bundle, native verifier and issuer-key cache, in a loop), after 2,000 requests and 1,000 verifications of warm-up, in a process of its own",
    `(\`bench/checkpoint-process.ts\`). Rates are the rounds' medians, the ratio the median of the rounds' ratios. ${m.pinned ? "The service and the loop share one core (pinned with `taskset`), the load generator has the other." : "Not pinned (no `taskset` or one core): the scheduler placed the processes."}`,
    "",
    `- **HTTP ${Math.round(httpPerSecond).toLocaleString("en-US")}/s against ${Math.round(inProcessPerSecond).toLocaleString("en-US")}/s in process: ${(ratio * 100).toFixed(0)} %** (goal ≥ 50 % — ${ratio >= 0.5 ? "met" : "NOT met"}); the service spent ${m.cpuMsPerRequest.toFixed(2)} ms of CPU per request; p50 ${percentile(sorted, 0.5).toFixed(2)} ms, p99 ${percentile(sorted, 0.99).toFixed(2)} ms at ${IN_FLIGHT} in flight.`,
    "",
    "Where the time went (30 November, CPU profiles, timers in the route, and A/B rounds in one process, same machine). A verification in process costs about",
    "0.29 ms; one over HTTP about 0.55 ms of the service's CPU: the same verification about 0.40 ms (a third dearer than in the tight loop, where the signature",
    "libraries' tables and the decoder stay in cache), the response's socket write about 0.06 ms (loopback TCP on a VM: the write wakes the generator's core),",
    "Node's HTTP parsing, express, the strict body parser, metrics and the log line the rest. A bare `node:http` server doing the same verification with nothing",
    "else reached 0.48–0.51 ms and 54–59 %; the same behind a minimal express route 0.49–0.56 ms: the floor of this stack. Of what this service adds to that,",
    "the request middleware (id, headers, metrics, log line, rate limit) is about 0.03 ms (A/B: 5 % of the rate), the strict body (JSON scan and zod) under 0.01 ms.",
    "What moved the figure from 38 % (21:32) to here, each measured: (1) the load generator used `fetch`, which cost it 0.45 ms of CPU per request and left the",
    "service idle a tenth of the time; undici's `request` costs 0.16 ms. (2) Nothing was pinned, and the two vCPUs were not equally fast from minute to minute",
    "(a SHA-256 loop 45 % slower on one for a while): the ratio moved ±0.1 between runs with where the service landed. (3) The rounds alternate, so a slow minute",
    "falls on both sides; five runs of this section in a row gave 0.50–0.53. (4) The section runs in a process of its own: after the other sections (six in-process",
    "chains, a million-entry bundle model, an issuer) the same service spent 0.595 ms of CPU per request, not 0.551, and full runs gave 0.475–0.498. (5) In the",
    "service: the log notes each entry and formats and writes them together every 100 ms (`services/http/log.ts`) instead of a write per line — A/B, that line",
    "had cost 5 % of the rate, now 3 %; the QR inflation reuses one scratch buffer instead of two fresh 32 KiB ones per verification (expansion 45 → 39 µs).",
    "Earlier: POST answers skip express's ETag; metrics label sets are memoised; the QR inflation runs in one pass (570 → 43 µs), which made verification 4×",
    "faster and the fixed cost of HTTP the larger share. **The goal is met at the margin, not with room:** over the final code's runs on 30 November–1 December",
    "(eight of this section alone, two full `npm run bench`) the ratio ranged 0.49–0.53, median 0.51; this stack's floor here is about 0.54.",
  ].join("\n");
  return { figures, notes };
}
