import type { Provider } from "ethers";
import {
  applyDelta,
  type BlockRef,
  type BundleDelta,
  BundleError,
  emptyBundle,
  hashCanonical,
  type JsonValue,
  type TrustBundle,
} from "../../core/index.ts";
import { checkSequencesAt, readLedgerEvents } from "../chain/events.ts";
import type { SchemaSource } from "../schemas.ts";
import type { Deployment } from "../chain/ledger.ts";

export interface SyncParameters {
  /** The bundle to bring up to date; without one, a full bundle is built from the deployment block. */
  readonly base?: TrustBundle;
  readonly schemas: SchemaSource;
  /** Sync up to this block (default: the latest block with `confirmations`). */
  readonly toBlock?: number;
  /**
   * Blocks that must hold an event (its own included) before a bundle carries it: 1 (the latest
   * block) on the Besu QBFT network, where blocks are final. On a client without finality, more;
   * a base whose block has since disappeared is refused (`delta_base_mismatch`) and the
   * checkpoint's keeper rebuilds from the deployment.
   */
  readonly confirmations?: number;
}

export interface SyncResult {
  readonly bundle: TrustBundle;
  /** The events since the base (or since deployment): what a delta file carries. */
  readonly delta: BundleDelta;
}

async function blockRef(provider: Provider, tag: number | "latest"): Promise<BlockRef> {
  const block = await provider.getBlock(tag);
  if (!block?.hash) throw new Error(`block ${tag} not found`);
  return { number: block.number, hash: block.hash, timestamp: block.timestamp };
}

/**
 * Reads the chain from `base`'s block (or the deployment) to the latest block and returns
 * the new bundle and the delta that produced it. Refuses (BundleError `sync_incomplete`) when
 * the node's answers cannot be complete: a registry's sequence at the target block differs
 * from the last event read, or an issuer's ERC-1056 `previousChange` chain is broken. Schemas of newly registered types are
 * fetched from `schemas` and checked against the hash on chain.
 */
export async function syncBundle(provider: Provider, deployment: Deployment, p: SyncParameters): Promise<SyncResult> {
  const confirmations = p.confirmations ?? 1;
  if (!Number.isSafeInteger(confirmations) || confirmations < 1)
    throw new RangeError("confirmations must be an integer ≥ 1");
  const to = await blockRef(
    provider,
    p.toBlock ?? (confirmations === 1 ? "latest" : Math.max(0, (await provider.getBlockNumber()) - confirmations + 1)),
  );
  const base =
    p.base ??
    emptyBundle(deployment.chainId, deployment, { number: deployment.deployedAtBlock - 1, hash: "", timestamp: 0 });
  if (p.base) {
    // QBFT blocks are final: a different hash means the base's block disappeared (a reset or
    // reorganised development chain, a lagging node that served a block it later dropped).
    // A block the node no longer has (the chain was reset below it) is the same case: rebuild.
    const onChain = await provider.getBlock(p.base.block.number);
    if (!onChain?.hash)
      throw new BundleError("delta_base_mismatch", `block ${p.base.block.number} is gone from this chain`);
    if (onChain.hash !== p.base.block.hash)
      throw new BundleError("delta_base_mismatch", `block ${p.base.block.number} on this chain is not the bundle's`);
  }
  // Issuers the base has need their DID history since its block; new ones, all of it.
  const issuers = (registered: readonly string[]): Map<string, number> =>
    new Map([
      ...registered.map((a): [string, number] => [a, deployment.deployedAtBlock - 1]),
      ...Object.keys(base.issuers).map((a): [string, number] => [a, base.block.number]),
    ]);
  const events =
    to.number > base.block.number
      ? await readLedgerEvents(provider, deployment, base.block.number + 1, to.number, issuers)
      : [];
  const schemas: Record<string, JsonValue> = {};
  for (const e of events) {
    if (e.source !== "trust" || e.kind !== "CredentialTypeRegistered") continue;
    const schema = await p.schemas(e.schemaUri);
    if (schema === undefined) continue;
    if (hashCanonical(schema) !== e.schemaHash.toLowerCase())
      throw new Error(`schema at ${e.schemaUri} does not match the hash registered on chain`);
    schemas[e.credentialType] = schema;
  }
  const delta: BundleDelta = {
    kind: "delta",
    version: 1,
    chainId: deployment.chainId,
    from: { number: base.block.number, hash: base.block.hash },
    to,
    events,
    schemas,
  };
  const bundle = applyDelta(base, delta);
  await checkSequencesAt(provider, deployment, to.number, bundle.sequences);
  return { bundle, delta };
}
