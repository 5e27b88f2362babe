import { decodeBytes32String, Interface, toBeHex, type Log, type LogDescription, type Provider } from "ethers";
import type { DidEvent, IssuerStatus, LedgerEvent, StatusEvent, TrustEvent } from "../../core/ledger-events.ts";
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
      return { kind: e.name, seq, credentialType: idToString(a.credentialType), schemaHash: a.schemaHash, schemaUri: a.schemaUri, maxStatusAge: Number(a.maxStatusAge) };
    case "CredentialTypePolicySet":
      return { kind: e.name, seq, credentialType: idToString(a.credentialType), maxValidity: Number(a.maxValidity), paperAllowed: Boolean(a.paperAllowed) };
    case "IssuerRegistered":
      return { kind: e.name, seq, issuer: String(a.issuer).toLowerCase(), region: idToString(a.region), name: a.name };
    case "IssuerStatusChanged":
      return { kind: e.name, seq, issuer: String(a.issuer).toLowerCase(), status: ISSUER_STATUS[Number(a.status)] ?? "removed" };
    case "IssuerAccredited":
      return { kind: e.name, seq, issuer: String(a.issuer).toLowerCase(), credentialType: idToString(a.credentialType), validFrom: Number(a.validFrom), validUntil: Number(a.validUntil) };
    case "AccreditationWithdrawn":
      return { kind: e.name, seq, issuer: String(a.issuer).toLowerCase(), credentialType: idToString(a.credentialType) };
    case "RecognitionSet":
      return { kind: e.name, seq, verifyingRegion: idToString(a.verifyingRegion), issuingRegion: idToString(a.issuingRegion), credentialType: idToString(a.credentialType), recognized: a.recognized };
  }
  return undefined;
}

function statusEvent(e: LogDescription): StatusEvent | undefined {
  const a = e.args;
  const seq = Number(a.seq);
  if (e.name === "StatusListCreated") {
    return { kind: e.name, seq, listId: Number(a.listId), issuer: String(a.issuer).toLowerCase(), purpose: Number(a.purpose) === 0 ? "revocation" : "suspension", size: Number(a.size) };
  }
  if (e.name === "StatusUpdated") {
    const words = (a.wordIndices as bigint[]).map((w, i) => [Number(w), toBeHex((a.masks as bigint[])[i] as bigint)] as const);
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
      return { kind: "DidDelegateChanged", timestamp, identity, delegateType: bytes32Text(a.delegateType), delegate: String(a.delegate).toLowerCase(), validTo: Number(a.validTo) };
    case "DIDAttributeChanged":
      return { kind: "DidAttributeChanged", timestamp, identity, name: bytes32Text(a.name), value: a.value, validTo: Number(a.validTo) };
  }
  return undefined;
}

/**
 * Every ledger event in [fromBlock, toBlock], in chain order, from the three registries.
 * Standard eth_getLogs only (Besu and Hardhat alike), paged by block range.
 */
export async function readLedgerEvents(provider: Provider, deployment: Deployment, fromBlock: number, toBlock: number): Promise<LedgerEvent[]> {
  const { trust, status, did } = ifaces();
  const addresses = { trust: deployment.trustRegistry.toLowerCase(), status: deployment.statusRegistry.toLowerCase(), did: deployment.didRegistry.toLowerCase() };
  const logs: Log[] = [];
  for (let from = fromBlock; from <= toBlock; from += LOG_PAGE) {
    logs.push(...(await provider.getLogs({ address: [addresses.trust, addresses.status, addresses.did], fromBlock: from, toBlock: Math.min(toBlock, from + LOG_PAGE - 1) })));
  }
  logs.sort((x, y) => x.blockNumber - y.blockNumber || x.index - y.index);
  const timestamps = new Map<number, number>();
  const timestampOf = async (block: number): Promise<number> => {
    let t = timestamps.get(block);
    if (t === undefined) {
      t = (await provider.getBlock(block))?.timestamp ?? 0;
      timestamps.set(block, t);
    }
    return t;
  };
  const events: LedgerEvent[] = [];
  for (const log of logs) {
    const address = log.address.toLowerCase();
    if (address === addresses.trust) {
      const parsed = trust.parseLog(log);
      const e = parsed && trustEvent(parsed);
      if (e) events.push({ source: "trust", ...e });
    } else if (address === addresses.status) {
      const parsed = status.parseLog(log);
      const e = parsed && statusEvent(parsed);
      if (e) events.push({ source: "status", ...e });
    } else {
      const parsed = did.parseLog(log);
      const e = parsed && didEvent(parsed, await timestampOf(log.blockNumber));
      if (e) events.push({ source: "did", ...e });
    }
  }
  return events;
}
