import {
  Contract,
  decodeBytes32String,
  Interface,
  toBeHex,
  zeroPadValue,
  type LogDescription,
  type Provider,
} from "ethers";
import {
  BundleError,
  type DidEvent,
  type IssuerStatus,
  type LedgerEvent,
  type StatusEvent,
  type TrustEvent,
} from "../../core/index.ts";
import { didRegistryArtifact, loadArtifact } from "./artifacts.ts";
import { idToString } from "./ids.ts";
import type { Deployment } from "./ledger.ts";

/** Blocks per eth_getLogs call: within what Besu and Hardhat answer by default. */
const LOG_PAGE = 5_000;
const ISSUER_STATUS: Record<number, IssuerStatus> = { 1: "active", 2: "suspended", 3: "removed" };

let interfaces: { trust: Interface; status: Interface; did: Interface } | undefined;
function ifaces() {
  interfaces ??= {
    trust: new Interface(loadArtifact("TrustRegistry").abi),
    status: new Interface(loadArtifact("StatusRegistry").abi),
    did: new Interface(didRegistryArtifact().abi),
  };
  return interfaces;
}

/** bytes32 → the string it holds, or its hex when it holds none (never throws on foreign input). */
function bytes32Text(value: string): string {
  try {
    return decodeBytes32String(value);
  } catch {
    return value;
  }
}

function trustEvent(e: LogDescription): TrustEvent | undefined {
  const a = e.args;
  const seq = Number(a.seq);
  switch (e.name) {
    case "GovernanceTransferStarted":
    case "GovernanceTransferred":
      return { kind: "GovernanceChanged", seq };
    case "RegionAdded":
    case "RegionAuthorityChanged":
      return { kind: e.name, seq, region: idToString(a.region), authority: String(a.authority).toLowerCase() };
    case "CredentialTypeRegistered":
      return {
        kind: e.name,
        seq,
        credentialType: idToString(a.credentialType),
        schemaHash: a.schemaHash,
        schemaUri: a.schemaUri,
        maxStatusAge: Number(a.maxStatusAge),
      };
    case "CredentialTypePolicySet":
      return {
        kind: e.name,
        seq,
        credentialType: idToString(a.credentialType),
        maxValidity: Number(a.maxValidity),
        paperAllowed: Boolean(a.paperAllowed),
      };
    case "IssuerRegistered":
      return { kind: e.name, seq, issuer: String(a.issuer).toLowerCase(), region: idToString(a.region), name: a.name };
    case "IssuerStatusChanged":
      return {
        kind: e.name,
        seq,
        issuer: String(a.issuer).toLowerCase(),
        status: ISSUER_STATUS[Number(a.status)] ?? "removed",
      };
    case "IssuerAccredited":
      return {
        kind: e.name,
        seq,
        issuer: String(a.issuer).toLowerCase(),
        credentialType: idToString(a.credentialType),
        validFrom: Number(a.validFrom),
        validUntil: Number(a.validUntil),
      };
    case "AccreditationWithdrawn":
      return {
        kind: e.name,
        seq,
        issuer: String(a.issuer).toLowerCase(),
        credentialType: idToString(a.credentialType),
      };
    case "BundleSignerAdded":
      return {
        kind: e.name,
        seq,
        region: idToString(a.region),
        signer: String(a.signer).toLowerCase(),
        validFrom: Number(a.validFrom),
        validUntil: Number(a.validUntil),
      };
    case "BundleSignerRemoved":
      return { kind: e.name, seq, region: idToString(a.region), signer: String(a.signer).toLowerCase() };
    case "StatusWriterSet":
      return { kind: e.name, seq, issuer: String(a.issuer).toLowerCase(), writer: String(a.writer).toLowerCase() };
    case "RecognitionSet":
      return {
        kind: e.name,
        seq,
        verifyingRegion: idToString(a.verifyingRegion),
        issuingRegion: idToString(a.issuingRegion),
        credentialType: idToString(a.credentialType),
        recognized: a.recognized,
      };
  }
  return undefined;
}

function statusEvent(e: LogDescription): StatusEvent | undefined {
  const a = e.args;
  const seq = Number(a.seq);
  if (e.name === "StatusListCreated") {
    return {
      kind: e.name,
      seq,
      listId: Number(a.listId),
      issuer: String(a.issuer).toLowerCase(),
      purpose: Number(a.purpose) === 0 ? "revocation" : "suspension",
      size: Number(a.size),
    };
  }
  if (e.name === "ListBoundsSet")
    return { kind: e.name, seq, maxListsPerIssuer: Number(a.maxListsPerIssuer), maxListSize: Number(a.maxListSize) };
  if (e.name === "StatusUpdated") {
    const words = (a.wordIndices as bigint[]).map(
      (w, i) => [Number(w), toBeHex((a.masks as bigint[])[i] as bigint)] as const,
    );
    return { kind: e.name, seq, listId: Number(a.listId), listSeq: Number(a.listSeq), set: a.set, words };
  }
  return undefined;
}

function didEvent(e: LogDescription, timestamp: number): DidEvent | undefined {
  const a = e.args;
  const identity = String(a.identity).toLowerCase();
  switch (e.name) {
    case "DIDOwnerChanged":
      return { kind: "DidOwnerChanged", timestamp, identity, owner: String(a.owner).toLowerCase() };
    case "DIDDelegateChanged":
      return {
        kind: "DidDelegateChanged",
        timestamp,
        identity,
        delegateType: bytes32Text(a.delegateType),
        delegate: String(a.delegate).toLowerCase(),
        validTo: Number(a.validTo),
      };
    case "DIDAttributeChanged":
      return {
        kind: "DidAttributeChanged",
        timestamp,
        identity,
        name: bytes32Text(a.name),
        value: a.value,
        validTo: Number(a.validTo),
      };
  }
  return undefined;
}

/** A ledger event with where it sits on chain, for ordering events read by different queries. */
interface Placed {
  readonly block: number;
  readonly index: number;
  readonly event: LedgerEvent;
}

/** Thrown when what the node answered cannot be the whole history (dropped or missing events). */
export class IncompleteSyncError extends BundleError {
  constructor(message: string) {
    super("sync_incomplete", message);
  }
}

const byPosition = (x: { block: number; index: number }, y: { block: number; index: number }): number =>
  x.block - y.block || x.index - y.index;

/** The TrustRegistry and StatusRegistry events in [fromBlock, toBlock], paged by block range. */
async function readRegistryEvents(
  provider: Provider,
  deployment: Deployment,
  fromBlock: number,
  toBlock: number,
): Promise<Placed[]> {
  const { trust, status } = ifaces();
  const addresses = { trust: deployment.trustRegistry.toLowerCase(), status: deployment.statusRegistry.toLowerCase() };
  const placed: Placed[] = [];
  for (let from = fromBlock; from <= toBlock; from += LOG_PAGE) {
    const logs = await provider.getLogs({
      address: [addresses.trust, addresses.status],
      fromBlock: from,
      toBlock: Math.min(toBlock, from + LOG_PAGE - 1),
    });
    for (const log of logs) {
      const isTrust = log.address.toLowerCase() === addresses.trust;
      const parsed = (isTrust ? trust : status).parseLog(log);
      const e = parsed && (isTrust ? trustEvent(parsed) : statusEvent(parsed));
      if (e)
        placed.push({
          block: log.blockNumber,
          index: log.index,
          event: (isTrust ? { source: "trust", ...e } : { source: "status", ...e }) as LedgerEvent,
        });
    }
  }
  return placed;
}

/**
 * One identity's ERC-1056 events after `afterBlock`, up to `atBlock`, found the way
 * ethr-did-resolver finds them: from `changed(identity)` back along each event's
 * `previousChange`. The chain's own pointer says where the history is, so a node that leaves
 * events out is caught (a block it points at with no event of the identity).
 */
async function readDidHistory(
  provider: Provider,
  deployment: Deployment,
  identity: string,
  atBlock: number,
  afterBlock: number,
  timestampOf: (block: number) => Promise<number>,
): Promise<Placed[]> {
  const { did } = ifaces();
  const registry = new Contract(deployment.didRegistry, did, provider);
  const topic = zeroPadValue(identity, 32);
  const placed: Placed[] = [];
  let block = Number(await registry.getFunction("changed")(identity, { blockTag: atBlock }));
  while (block > afterBlock) {
    const logs = await provider.getLogs({
      address: deployment.didRegistry,
      topics: [null, topic],
      fromBlock: block,
      toBlock: block,
    });
    let previous = block;
    for (const log of logs) {
      const parsed = did.parseLog(log);
      if (!parsed) continue;
      previous = Math.min(previous, Number(parsed.args.previousChange));
      const e = didEvent(parsed, await timestampOf(block));
      if (e) placed.push({ block, index: log.index, event: { source: "did", ...e } });
    }
    // The block's first event of the identity links to an earlier block (0 for its first ever).
    if (previous >= block)
      throw new IncompleteSyncError(
        `DID registry: identity ${identity} changed in block ${block}, but the node returned no event that links back from there`,
      );
    block = previous;
  }
  return placed;
}

/**
 * The ledger events from `fromBlock` to `toBlock`, in chain order: every TrustRegistry and
 * StatusRegistry event in the range, and the ERC-1056 history of each registered issuer only
 * (DID events of other identities are ignored). `issuers` maps each issuer to the block after
 * which its history is needed: the base bundle's block for issuers it already has, before the
 * deployment for issuers registered since (their keys may predate their registration).
 */
export async function readLedgerEvents(
  provider: Provider,
  deployment: Deployment,
  fromBlock: number,
  toBlock: number,
  issuers: (registered: readonly string[]) => ReadonlyMap<string, number>,
): Promise<LedgerEvent[]> {
  const registryEvents = await readRegistryEvents(provider, deployment, fromBlock, toBlock);
  const registered = registryEvents.flatMap((p) =>
    p.event.source === "trust" && p.event.kind === "IssuerRegistered" ? [p.event.issuer] : [],
  );
  const timestamps = new Map<number, number>();
  const timestampOf = async (block: number): Promise<number> => {
    let t = timestamps.get(block);
    if (t === undefined) {
      t = (await provider.getBlock(block))?.timestamp ?? 0;
      timestamps.set(block, t);
    }
    return t;
  };
  const placed = [...registryEvents];
  for (const [identity, after] of issuers(registered))
    placed.push(...(await readDidHistory(provider, deployment, identity, toBlock, after, timestampOf)));
  return placed.sort(byPosition).map((p) => p.event);
}

/**
 * Proves the registries' events are complete: each registry's sequence number at `block` must
 * be the last one the bundle applied (events dropped at the tail leave no gap to see).
 */
export async function checkSequencesAt(
  provider: Provider,
  deployment: Deployment,
  block: number,
  applied: { trust: number; status: number },
): Promise<void> {
  const { trust, status } = ifaces();
  const onChain = {
    trust: Number(
      await new Contract(deployment.trustRegistry, trust, provider).getFunction("sequence")({ blockTag: block }),
    ),
    status: Number(
      await new Contract(deployment.statusRegistry, status, provider).getFunction("sequence")({ blockTag: block }),
    ),
  };
  for (const registry of ["trust", "status"] as const) {
    if (onChain[registry] !== applied[registry]) {
      throw new IncompleteSyncError(
        `${registry} registry is at event #${onChain[registry]} in block ${block}, but sync read up to #${applied[registry]}`,
      );
    }
  }
}
