import { mkdtempSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getBytes } from "ethers";
import { compactPresentation, expandPresentation, holderSigner, issueCredential, presentCredential, regionAudience, softwareSigner, statusListUrl, verifyPresentation } from "../core/index.ts";
import { createCheckpointApp } from "../services/checkpoint/app.ts";
import { BundleKeeper } from "../services/checkpoint/keeper.ts";
import { nativeVerifier } from "../services/crypto/native-verifier.ts";
import { jsonLog } from "../services/http/app.ts";
import { listen } from "../services/http/server.ts";
import { demoSchemas } from "../scripts/context.ts";
import { demoAuthorityKey, demoIssuerKey, demoSchema } from "../scripts/demo/consortium.ts";
import { seededChain } from "../test/helpers/chain.ts";
import { createHolderKey } from "../wallet/holder.ts";
import { loadFromAnotherProcess, percentile } from "./load-run.ts";
import type { Figures } from "./report.ts";
import { perOpSync, round } from "./timing.ts";

const REQUESTS = Number(process.env.LAISSEZ_BENCH_VERIFY_REQUESTS ?? 20_000);
const IN_FLIGHT = 32;

/**
 * The checkpoint service's `/verify` over HTTP against the same work in process, side by side
 * in one run (issue 10 item 11): an LZ1 static health code (ES256K issuer) verified against the
 * region's bundle. The service is configured as `laissez checkpoint serve` configures it (native
 * verifier, request log lines written — to a file here — metrics, rate limit); the load comes
 * from a separate process, 32 requests in flight.
 */
export async function benchCheckpoint(): Promise<{ figures: Figures; notes: string }> {
  const chain = await seededChain();
  const chainNow = await chain.networkHelpers.time.latest();
  const dir = mkdtempSync(join(tmpdir(), "laissez-bench-cp-"));
  process.env.LAISSEZ_LOG ??= join(dir, "requests.log");
  const keeper = new BundleKeeper({ provider: chain.provider, deployment: chain.deployment, schemas: demoSchemas, signerKey: softwareSigner("ES256K", getBytes(demoAuthorityKey("CN-SH").privateKey)), path: join(dir, "bundle.json"), region: "CN-SH" });
  await keeper.sync();
  const started = Math.floor(Date.now() / 1000);
  const now = (): number => chainNow + (Math.floor(Date.now() / 1000) - started);
  const { app } = createCheckpointApp({ keeper, region: "CN-SH", chainId: 31337, checkpointId: "checkpoint:CN-SH:bench", verifier: nativeVerifier, now, log: jsonLog, rateLimit: 10_000_000 });
  const server = await listen(app, 0, "127.0.0.1");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/verify`;

  const agency = chain.agencies[0]!;
  const holder = createHolderKey();
  const credential = await issueCredential({
    key: demoIssuerKey(31337, 0, "ES256K"), holder: holder.did, credentialType: "HealthCode", claims: { healthStatus: "green" }, schema: demoSchema("HealthCode"),
    status: { revocation: { listUrl: statusListUrl("http://127.0.0.1:8701", 31337, agency.revocationList), index: 11 }, suspension: { listUrl: statusListUrl("http://127.0.0.1:8701", 31337, agency.suspensionList), index: 11 } },
    id: "urn:uuid:bench-checkpoint", issuedAt: chainNow, validUntil: chainNow + 86_400,
  });
  const qr = compactPresentation(await presentCredential({ credential, holder: holder.did, signer: holderSigner(holder.secret), issuedAt: chainNow, audience: regionAudience("CN-SH") }));

  // In process: what the route does after parsing, with the same bundle, verifier and key cache.
  const keyCache = new Map<string, Uint8Array>();
  const bundle = keeper.current!.bundle;
  const verifyInProcess = () => {
    const v = verifyPresentation(expandPresentation(qr), { bundle, region: "CN-SH", now: now(), verifier: nativeVerifier, keyCache });
    if (v.verdict !== "accept") throw new Error(`in-process verdict ${v.verdict} (${v.reason})`);
  };
  const inProcessMs = perOpSync(verifyInProcess, { batch: 2000, rounds: 9, warmup: 1000 });

  await loadFromAnotherProcess(url, { presentation: qr }, 2000, IN_FLIGHT, 200); // warm-up
  const run = await loadFromAnotherProcess(url, { presentation: qr }, REQUESTS, IN_FLIGHT, 200);
  server.closeAllConnections();
  server.close();
  if (run.failures > 0) throw new Error(`${run.failures} /verify requests failed`);
  const sorted = run.latencies.sort((a, b) => a - b);
  const httpPerSecond = run.latencies.length / (run.ms / 1000);
  const inProcessPerSecond = 1000 / inProcessMs;
  const ratio = httpPerSecond / inProcessPerSecond;
  const figures: Figures = {
    "checkpoint.http_verify_per_second": { value: round(httpPerSecond), unit: "verifications/s" },
    "checkpoint.in_process_verify_per_second": { value: round(inProcessPerSecond), unit: "verifications/s" },
    "checkpoint.http_vs_in_process": { value: round(ratio, 3), unit: "ratio (goal ≥ 0.5)" },
    "checkpoint.http_p50_ms": { value: round(percentile(sorted, 0.5)), unit: "ms" },
    "checkpoint.http_p99_ms": { value: round(percentile(sorted, 0.99)), unit: "ms" },
  };
  const notes = [
    `\`POST /verify\` with an LZ1 static health code (ES256K issuer, P-256 holder, ${qr.length} characters), ${REQUESTS.toLocaleString("en-US")} requests after 2,000 warm-up,`,
    `${IN_FLIGHT} in flight, keep-alive, from a load generator in a separate process (\`bench/load.ts\`) to the service on 127.0.0.1. In process: \`expandPresentation\` +`,
    "`verifyPresentation` on the same text, bundle, native verifier and issuer-key cache, in a loop (one core). The service process has one core; the load generator the other.",
    "",
    `- **HTTP ${Math.round(httpPerSecond).toLocaleString("en-US")}/s against ${Math.round(inProcessPerSecond).toLocaleString("en-US")}/s in process: ${(ratio * 100).toFixed(0)} %** (goal ≥ 50 % — ${ratio >= 0.5 ? "met" : "NOT met"}); p50 ${percentile(sorted, 0.5).toFixed(2)} ms, p99 ${percentile(sorted, 0.99).toFixed(2)} ms at ${IN_FLIGHT} in flight.`,
    "",
    "Where the time went (`node --cpu-prof` over this section, 30 November 21:40, CPU time, so load on the machine matters little): one HTTP request cost the",
    "service about 2.4× the CPU of one in-process verification: the verification 0.51 ms (63 % of a request, about 50 % dearer than in the tight loop: colder",
    "caches, more garbage), the response's socket write (one system call) 0.07 ms, HTTP parsing, express routing, the strict body parser, metrics and the request",
    "log line together about 0.23 ms. An earlier profile found the expansion of the QR text costlier than both signature checks (fflate's streaming inflater grows",
    "its output 128 KiB at a time): it now inflates in one pass into one buffer of the cap, 570 → 43 µs (`qr.expand_compact_us`). That made the in-process rate",
    "4× and HTTP 2.3× what they were, and the ratio fell below the goal: what is left is the fixed cost of HTTP per request, which a faster verification no longer",
    "hides. Earlier changes after profiling: POST answers skip express's ETag and freshness checks; metrics label sets are memoised. Next in the verification: the",
    "holder's did:key point is decompressed in JavaScript (a square root in noble), about 15 % of it.",
  ].join("\n");
  return { figures, notes };
}
