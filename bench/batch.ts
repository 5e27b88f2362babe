import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededChain } from "../test/helpers/chain.ts";
import { startIssuerService } from "../test/helpers/issuer.ts";
import { FileWallet } from "../wallet/file-store.ts";
import { createHolderKey } from "../wallet/holder.ts";
import { checkReceived } from "../wallet/receive.ts";
import { syncBundle } from "../services/checkpoint/sync.ts";
import { nativeVerifier } from "../services/crypto/native-verifier.ts";
import { demoSchemas } from "../scripts/context.ts";
import type { Figures } from "./report.ts";
import { round } from "./timing.ts";

export const BATCH_TITLE = "Batch copies: issuance cost and wallet storage per copy";
const COPIES = 10;
const ROUNDS = 20;

/**
 * Batch issuance over HTTP on loopback (one request for 10 copies, one key each) against the same
 * number of single issuances, sequentially; and what a copy adds to the CLI wallet's encrypted file.
 */
export async function benchBatch(): Promise<{ figures: Figures; notes: string }> {
  const chain = await seededChain();
  const { store, server, url, now } = await startIssuerService(chain, 0, { rateLimit: 10_000_000 });
  const { token } = await store.operators.create("bench", ["issue"]);
  const post = async (body: unknown) => {
    const res = await fetch(`${url}/credentials`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`issuance answered ${res.status}`);
    return (await res.json()) as { copies?: { credential: string }[]; credential?: string };
  };
  const claims = { healthStatus: "green", givenName: "Mei", familyName: "Li" };
  const keys = Array.from({ length: COPIES }, createHolderKey);
  await post({ type: "HealthCode", subjects: keys.map((k) => k.did), claims }); // warm-up
  let t = performance.now();
  let last: { credential: string }[] = [];
  let lastKeys = keys;
  for (let i = 0; i < ROUNDS; i++) {
    lastKeys = Array.from({ length: COPIES }, createHolderKey);
    last = (await post({ type: "HealthCode", subjects: lastKeys.map((k) => k.did), claims })).copies ?? [];
  }
  const batchMs = (performance.now() - t) / (ROUNDS * COPIES);
  t = performance.now();
  for (let i = 0; i < ROUNDS * COPIES; i++) await post({ type: "HealthCode", subject: createHolderKey().did, claims });
  const singleMs = (performance.now() - t) / (ROUNDS * COPIES);
  server.close();

  // Storage: the encrypted wallet file before and after keeping one batch of copies (each with its key).
  const path = join(mkdtempSync(join(tmpdir(), "laissez-bench-wallet-")), "wallet.json");
  const wallet = FileWallet.create(path, "bench", createHolderKey().secret);
  const empty = statSync(path).size;
  const bundle = (await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas })).bundle;
  const stored = last.map((c, i) => ({
    ...checkReceived(c.credential, lastKeys[i]!.did, { now: now(), verify: { bundle, verifier: nativeVerifier } }),
    copy: { batch: "b", holderSecret: Buffer.from(lastKeys[i]!.secret).toString("base64url"), used: false },
  }));
  await wallet.putAll(stored);
  const bytesPerCopy = (statSync(path).size - empty) / COPIES;
  const figures: Figures = {
    "issuer.batch_ms_per_copy": { value: round(batchMs), unit: "ms/copy (HTTP, batches of 10, sequential)" },
    "issuer.batch_copies_per_second": { value: round(1000 / batchMs), unit: "copies/s (one request at a time)" },
    "issuer.batch_single_ms_per_credential": {
      value: round(singleMs),
      unit: "ms/credential (HTTP, one per request, sequential)",
    },
    "wallet.bytes_per_copy": {
      value: Math.round(bytesPerCopy),
      unit: "bytes (CLI wallet file, encrypted, jwt_vc + key)",
    },
  };
  const notes = [
    `One HTTP request issues ${COPIES} copies of a HealthCode (a fresh holder key each; one transaction, ${COPIES} signatures), ${ROUNDS} requests one after another,`,
    `against ${ROUNDS * COPIES} single issuances one after another on the same service (in-process EDR chain, SQLite on disk). A copy costs a signature`,
    "and two random status indices; the batch saves the per-request HTTP and transaction overhead. Storage: the CLI wallet's encrypted file grows by",
    "`wallet.bytes_per_copy` per copy (the jwt_vc, its display fields and the copy's P-256 secret, base64url inside AES-GCM). Revoking 10 copies costs",
    "≈ 265,000 gas (10 status words) against ≈ 69,000 for one (see Trust options). Run alone: `npm run bench -- --only batch`.",
  ].join("\n");
  return { figures, notes };
}
