import { gzipSync } from "fflate";
import { p256 } from "@noble/curves/nist.js";
import { getBytes, Wallet, type HDNodeWallet, type Signer } from "ethers";
import {
  es256kIssuerKey,
  ethrDid,
  hashCanonical,
  issueCredential,
  p256DidKey,
  serializeBundle,
  statusListUrl,
  toWordMasks,
  type TrustBundle,
  utf8,
  verificationMethodOf,
  verifyCredential,
} from "../core/index.ts";
import { applyConsortium, fundAccounts, type ConsortiumSpec, type SeededAgency } from "../services/chain/consortium.ts";
import { connectLedger } from "../services/chain/ledger.ts";
import { syncBundle } from "../services/checkpoint/sync.ts";
import { nativeVerifier } from "../services/crypto/native-verifier.ts";
import { demoSchema, DEMO_TYPES, schemaUri } from "../scripts/demo/consortium.ts";
import { demoSchemas } from "../scripts/context.ts";
import { freshChain } from "../test/helpers/chain.ts";
import type { Figures } from "./report.ts";
import { randomIndices } from "./random.ts";
import { percentiles, round } from "./timing.ts";

const REGIONS = 10;
const AGENCIES = 100;
const LIST_SIZE = 131_072;
/** Agencies that hold status lists: 4 × (revocation + suspension) × 131,072 = 1,048,576 entries. */
const LIST_HOLDERS = 4;

type Chain = Awaited<ReturnType<typeof freshChain>>;

/** The seeded ledger: every agency, and the accounts the bench acts as. */
interface BigLedger {
  readonly chain: Chain;
  readonly seeded: readonly SeededAgency[];
  /** The agencies that hold status lists. */
  readonly holders: readonly SeededAgency[];
  readonly writers: readonly HDNodeWallet[];
  readonly delegates: readonly HDNodeWallet[];
}

const regionCode = (r: number) => `CN-R${String(r).padStart(2, "0")}`;

/** A 10-region, 100-agency consortium with 1,048,576 status entries: full sync, delta after 1,000 revocations, verify latency. */
export async function benchBundle(): Promise<{ figures: Figures; notes: string }> {
  const ledger = await bigLedger();
  // A lived-in state: 0.1 % of every list's entries already set.
  await revokeRandom(ledger, 131, 7);

  let started = performance.now();
  const full = await syncBundle(ledger.chain.provider, ledger.chain.deployment, { schemas: demoSchemas });
  const fullMs = performance.now() - started;
  const entries = Object.values(full.bundle.statusLists).reduce((n, l) => n + l.size, 0);
  const bundleJson = utf8(JSON.stringify(serializeBundle(full.bundle)));

  // 1,000 more revocations (125 per list across 8 lists), then a delta sync.
  await revokeRandom(ledger, 125, 99);
  started = performance.now();
  const next = await syncBundle(ledger.chain.provider, ledger.chain.deployment, {
    base: full.bundle,
    schemas: demoSchemas,
  });
  const deltaMs = performance.now() - started;
  const deltaJson = utf8(JSON.stringify(next.delta));

  const latency = await verifyLatency(ledger, next.bundle);
  const figures: Figures = {
    "bundle.regions": { value: REGIONS, unit: "regions" },
    "bundle.agencies": { value: AGENCIES, unit: "agencies" },
    "bundle.status_entries": { value: entries, unit: "entries" },
    "bundle.full_json_bytes": { value: bundleJson.length, unit: "bytes" },
    "bundle.full_gzip_bytes": { value: gzipSync(bundleJson, { level: 9 }).length, unit: "bytes" },
    "bundle.full_sync_ms": { value: round(fullMs), unit: "ms" },
    "bundle.full_sync_events": { value: full.delta.events.length, unit: "events" },
    "bundle.delta_1000_revocations_json_bytes": { value: deltaJson.length, unit: "bytes" },
    "bundle.delta_1000_revocations_gzip_bytes": { value: gzipSync(deltaJson, { level: 9 }).length, unit: "bytes" },
    "bundle.delta_sync_ms": { value: round(deltaMs), unit: "ms" },
    "bundle.verify_p50_us": { value: round(latency.p50 * 1000), unit: "µs" },
    "bundle.verify_p99_us": { value: round(latency.p99 * 1000), unit: "µs" },
  };
  return { figures, notes: bundleNotes(entries, Object.keys(full.bundle.statusLists).length) };
}

/** Deploys and seeds the consortium: every region recognizes every other's health codes; the first agencies hold the lists. */
async function bigLedger(): Promise<BigLedger> {
  const chain = await freshChain();
  const authorities = Array.from({ length: REGIONS }, () => Wallet.createRandom(chain.provider));
  const controllers = Array.from({ length: AGENCIES }, () => Wallet.createRandom(chain.provider));
  const writers = Array.from({ length: AGENCIES }, () => Wallet.createRandom(chain.provider));
  const delegates = Array.from({ length: AGENCIES }, () => Wallet.createRandom());
  await fundAccounts(chain.funder, [...authorities, ...controllers, ...writers.slice(0, LIST_HOLDERS)], 10n ** 18n);
  const now = await chain.networkHelpers.time.latest();
  const spec: ConsortiumSpec = {
    governance: chain.governance,
    credentialTypes: DEMO_TYPES.map((t) => ({
      name: t.name,
      schemaHash: hashCanonical(demoSchema(t.name)),
      schemaUri: schemaUri(t.name),
      maxStatusAge: t.maxStatusAge,
      maxValidity: t.maxValidity,
      paperAllowed: t.paperAllowed,
    })),
    regions: authorities.map((authority, r) => ({ code: regionCode(r), authority })),
    agencies: controllers.map((controller, i) => ({
      region: regionCode(i % REGIONS),
      name: `Agency ${i}`,
      controller,
      statusWriter: writers[i]!,
      accreditations: [{ type: "HealthCode", validFrom: now - 86400, validUntil: now + 365 * 86400 }],
      signingKeys: [{ address: delegates[i]!.address, validity: 365 * 86400 }],
      statusListSize: i < LIST_HOLDERS ? LIST_SIZE : 0,
    })),
    recognition: Array.from({ length: REGIONS }, (_, v) =>
      Array.from({ length: REGIONS }, (_, i) => ({
        verifying: regionCode(v),
        issuing: regionCode(i),
        type: "HealthCode",
      })),
    )
      .flat()
      .filter((r) => r.verifying !== r.issuing),
  };
  const seeded = await applyConsortium(chain.deployment, spec);
  return { chain, seeded, holders: seeded.slice(0, LIST_HOLDERS), writers, delegates };
}

/** Sets `count` random entries of every list (one transaction per list), each list's indices from `seed`. */
async function revokeRandom(l: BigLedger, count: number, seed: number): Promise<void> {
  for (const a of l.holders) {
    const { status } = connectLedger(l.chain.deployment, l.writers[l.seeded.indexOf(a)] as Signer);
    for (const list of [a.revocationList, a.suspensionList]) {
      const { wordIndices, masks } = toWordMasks(randomIndices(count, LIST_SIZE, seed + list), LIST_SIZE);
      await (await status.getFunction("updateStatus")(list, wordIndices, masks, true)).wait();
    }
  }
}

/** Verify latency against the big bundle: a health code of the first list holder, verified 5,000 times. */
async function verifyLatency(l: BigLedger, bundle: TrustBundle): Promise<ReturnType<typeof percentiles>> {
  const a0 = l.holders[0]!;
  const delegate = l.delegates[l.seeded.indexOf(a0)]!;
  const did = ethrDid(31337, a0.address);
  const token = await issueCredential({
    key: es256kIssuerKey(
      did,
      verificationMethodOf(bundle, a0.address, { address: delegate.address }) ?? "none",
      getBytes(delegate.privateKey),
    ),
    holder: p256DidKey(p256.getPublicKey(p256.utils.randomSecretKey(), false)),
    credentialType: "HealthCode",
    claims: { healthStatus: "green" },
    schema: demoSchema("HealthCode"),
    status: {
      revocation: { listUrl: statusListUrl("http://127.0.0.1:8701", 31337, a0.revocationList), index: 3 },
      suspension: { listUrl: statusListUrl("http://127.0.0.1:8701", 31337, a0.suspensionList), index: 3 },
    },
    id: "urn:uuid:bench-big",
    issuedAt: bundle.block.timestamp - 1,
    validUntil: bundle.block.timestamp + 86400,
  });
  const params = {
    bundle,
    region: regionCode(5),
    now: bundle.block.timestamp,
    verifier: nativeVerifier,
    keyCache: new Map(),
  };
  const first = verifyCredential(token, params);
  if (first.verdict !== "accept" && first.reason !== "revoked")
    throw new Error(`big-bundle credential: ${first.reason}`);
  return percentiles(() => verifyCredential(token, params), 5000);
}

function bundleNotes(entries: number, lists: number): string {
  return [
    `${REGIONS} regions, ${AGENCIES} agencies (each with a DID delegate key and an accreditation), full mutual recognition, ${entries.toLocaleString("en-US")} status entries`,
    `in ${lists} lists of 131,072 (lists are at least 131,072 entries, so 1M entries are 8 lists), 0.1 % of entries set.`,
    "Sync reads the in-process EDR chain through ethers (eth_getLogs from the deployment block). The bundle file is the JSON with each list GZIP'd;",
    "`full_gzip_bytes` is that file GZIP'd again for transport. The delta carries the 8 `StatusUpdated` events of 1,000 revocations (one transaction per list).",
    "Verify latency: 5,000 single `verifyCredential` calls with this bundle, native verifier, warm key cache.",
  ].join("\n");
}
