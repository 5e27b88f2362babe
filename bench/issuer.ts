import { p256 } from "@noble/curves/nist.js";
import { getBytes, type Signer } from "ethers";
import { issueCredential, jwtSigner, p256DidKey, statusListUrl } from "../core/index.ts";
import { nativeSigner } from "../services/crypto/native-signer.ts";
import { StatusPublisher } from "../services/issuer/publish.ts";
import type { IssuerStore } from "../services/issuer/store.ts";
import { agencySigningKey, demoIssuerKey, demoSchema } from "../scripts/demo/consortium.ts";
import { seededChain } from "../test/helpers/chain.ts";
import { startIssuerService } from "../test/helpers/issuer.ts";
import { loadFromAnotherProcess, percentile as pct } from "./load-run.ts";
import type { Figures } from "./report.ts";
import { round } from "./timing.ts";

type Chain = Awaited<ReturnType<typeof seededChain>>;
type Lists = { revocation: { id: number; size: number }; suspension: { id: number; size: number } };

/**
 * The issuer service: issuance over HTTP on loopback (load from a separate process) and in
 * process, both persisting to SQLite on disk; then 10,000 revocations through the outbox and
 * the anchoring worker on the in-process EDR chain.
 */
export async function benchIssuer(): Promise<{ figures: Figures; notes: string }> {
  const chain = await seededChain();
  const agency = chain.agencies[0]!;
  const lists = {
    revocation: { id: agency.revocationList, size: 131_072 },
    suspension: { id: agency.suspensionList, size: 131_072 },
  };
  // The demo key, signing natively (libsecp256k1), as the service process does.
  const key = {
    ...demoIssuerKey(31337, 0, "ES256K"),
    signer: jwtSigner(nativeSigner("ES256K", getBytes(agencySigningKey(0).privateKey))),
  };
  const { store, server, url, now } = await startIssuerService(chain, 0, { key, rateLimit: 10_000_000 });
  const chainNow = now();
  const { token } = await store.operators.create("bench", ["issue", "revoke"]);
  const holder = p256DidKey(p256.getPublicKey(p256.utils.randomSecretKey(), false));

  let http;
  try {
    http = await issueOverHttp(url, token, holder);
  } finally {
    server.close();
  }
  const inProcessPerSecond = await issueInProcess(store, key, holder, chainNow, lists);
  const anchoring = await anchorRevocations(chain, store);
  return issuerReport(http, inProcessPerSecond, anchoring);
}

/** Warm up, then the measured run: 5,000 `POST /credentials` from a separate process. */
async function issueOverHttp(url: string, token: string, holder: string) {
  const request = { type: "HealthCode", subject: holder, claims: { healthStatus: "green" } };
  const load = (count: number, concurrency: number) =>
    loadFromAnotherProcess(`${url}/credentials`, request, count, concurrency, 201, token);
  await load(500, 16);
  const run = await load(5000, 32);
  if (run.failures > 0) throw new Error(`${run.failures} issuance requests failed`);
  const sorted = run.latencies.sort((a, b) => a - b);
  return { sorted, perSecond: run.latencies.length / (run.ms / 1000) };
}

/** In process: the same work without HTTP (schema check, SQLite transaction, signature); credentials/s. */
async function issueInProcess(
  store: IssuerStore,
  key: Parameters<typeof issueCredential>[0]["key"],
  holder: string,
  chainNow: number,
  lists: Lists,
): Promise<number> {
  const schema = demoSchema("HealthCode");
  const n = 4500; // with the 5,500 over HTTP: the 10,000 credentials revoked below
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const r = await store.credentials.record(
      {
        id: `urn:uuid:inproc-${i}`,
        type: "HealthCode",
        holder,
        issuedAt: chainNow,
        validUntil: chainNow + 86400,
        requestHash: "h",
        lists,
      },
      undefined,
      "bench",
    );
    await issueCredential({
      key,
      holder,
      credentialType: "HealthCode",
      claims: { healthStatus: "green" },
      schema,
      id: r.id,
      issuedAt: r.issuedAt,
      validUntil: r.validUntil,
      status: {
        revocation: {
          listUrl: statusListUrl("http://127.0.0.1:8701", 31337, r.revocation.list),
          index: r.revocation.index,
        },
        suspension: {
          listUrl: statusListUrl("http://127.0.0.1:8701", 31337, r.suspension.list),
          index: r.suspension.index,
        },
      },
    });
  }
  return n / ((performance.now() - started) / 1000);
}

/** 10,000 revocations: queued, then anchored in batches of up to 1,000 per transaction. */
async function anchorRevocations(chain: Chain, store: IssuerStore) {
  const ids = await store.credentials.ids(10_000);
  if (ids.length < 10_000) throw new Error(`only ${ids.length} credentials to revoke`);
  await store.outbox.enqueue(ids, "revoke", "bench");
  const anchorer = new StatusPublisher(store, chain.deployment, chain.accounts.writers[0] as Signer);
  const gasBefore = await totalGas(chain, store);
  const started = performance.now();
  await anchorer.drain();
  const anchorSeconds = (performance.now() - started) / 1000;
  if ((await store.outbox.depth()) !== 0) throw new Error("outbox not drained");
  const gas = (await totalGas(chain, store)) - gasBefore;
  const batches = (await store.outbox.batches("anchored")).length;
  return { revoked: ids.length, anchorSeconds, gas, batches };
}

function issuerReport(
  http: { sorted: number[]; perSecond: number },
  inProcessPerSecond: number,
  anchoring: { revoked: number; anchorSeconds: number; gas: number; batches: number },
): { figures: Figures; notes: string } {
  const { sorted, perSecond } = http;
  const { revoked, anchorSeconds, gas, batches } = anchoring;
  const figures: Figures = {
    "issuer.http_issued_per_second": { value: round(perSecond), unit: "credentials/s" },
    "issuer.http_p50_ms": { value: round(pct(sorted, 0.5)), unit: "ms" },
    "issuer.http_p99_ms": { value: round(pct(sorted, 0.99)), unit: "ms" },
    "issuer.in_process_issued_per_second": { value: round(inProcessPerSecond), unit: "credentials/s" },
    "issuer.revocations_anchored": { value: revoked, unit: "revocations" },
    "issuer.revocations_anchor_seconds": { value: round(anchorSeconds), unit: "s" },
    "issuer.revocations_anchored_per_second": { value: round(revoked / anchorSeconds), unit: "revocations/s" },
    "issuer.revocation_batches": { value: batches, unit: "transactions" },
    "issuer.gas_per_revocation_batched": { value: Math.round(gas / revoked), unit: "gas/credential" },
  };
  const notes = [
    "Issuance over HTTP: 5,000 `POST /credentials` (after 500 warm-up), 32 in flight, from a load generator in a separate process (`bench/load.ts`) to the",
    "service on 127.0.0.1; each request: bearer auth (SHA-256 lookup), strict JSON + zod, schema check, one SQLite transaction on disk (WAL, synchronous FULL) allocating two",
    "random indices, an ES256K signature (libsecp256k1). In process: the same minus HTTP. Revocations: 10,000 queued in the outbox, anchored by the worker in transactions",
    "of up to 1,000 bits on the in-process EDR chain; gas is the sum over those transactions' receipts.",
    "",
    `- **${Math.round(perSecond).toLocaleString("en-US")} credentials/s over HTTP** (goal ≥ 1,000), p50 ${pct(sorted, 0.5).toFixed(1)} ms, p99 ${pct(sorted, 0.99).toFixed(1)} ms.`,
    `- **10,000 revocations anchored in ${anchorSeconds.toFixed(1)} s** (goal < 60 s), ${batches} transactions, ${Math.round(gas / revoked).toLocaleString("en-US")} gas per revoked credential.`,
  ].join("\n");
  return { figures, notes };
}

async function totalGas(chain: Chain, store: IssuerStore): Promise<number> {
  const hashes = (await store.outbox.batches("anchored")).map((b) => b.txHash);
  let gas = 0;
  for (const h of hashes) gas += Number((await chain.provider.getTransactionReceipt(h))?.gasUsed ?? 0);
  return gas;
}
