import { CodedError } from "./errors.ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { base64urlEncode, bytesToHex, hexToBytes } from "./encoding.ts";
import type { JsonValue } from "./json.ts";
import type { DidEvent, IssuerStatus, LedgerEvent, StatusPurpose, TrustEvent } from "./ledger-events.ts";
import { own, setOwn } from "./own.ts";
import { WORD_BITS } from "./status-bits.ts";
import { applyStatusChanges, collectWordMask, emptyStatusSet, type StatusSet } from "./status-set.ts";

/**
 * The checkpoint's offline state: everything verification needs, as of one block.
 * Built by applying the chain's events, in order, to an empty bundle; a delta is the same
 * events from the bundle's block on. Addresses are lowercase.
 */
export interface TrustBundle {
  readonly version: 1;
  readonly chainId: number;
  readonly contracts: { readonly trustRegistry: string; readonly statusRegistry: string; readonly didRegistry: string };
  block: BlockRef;
  /** Last applied sequence number of each registry. */
  sequences: { trust: number; status: number };
  regions: Record<string, RegionEntry>;
  credentialTypes: Record<string, CredentialTypeEntry>;
  issuers: Record<string, IssuerEntry>;
  /** Signing keys of each DID (by identity address), with the windows they were valid in. */
  keys: Record<string, IssuerKey[]>;
  /** DID owners that are not the identity itself (after an ERC-1056 owner change). Owners sign nothing. */
  owners: Record<string, string>;
  /**
   * How many verification methods ethr-did-resolver has numbered for each identity so far (its
   * `#delegate-N` counter: every delegate event and every `did/pub/…` attribute event counts), so
   * a delta numbers the next key event as a resolver would.
   */
  didMethods: Record<string, number>;
  /** verifying region → issuing region → credential types it accepts from there. */
  recognition: Record<string, Record<string, string[]>>;
  statusLists: Record<string, StatusListEntry>;
}

export interface RegionEntry {
  authority: string;
  /**
   * The keys the authority let sign this region's bundles (by lowercase address). A checkpoint
   * also needs the authority's signed delegation; `removed` (a stolen server) is for good.
   * Absent in bundles made before bundle signers existed.
   */
  bundleSigners?: Record<string, BundleSignerEntry>;
}

export interface BundleSignerEntry {
  validFrom: number;
  validUntil: number;
  removed: boolean;
}

export interface BlockRef {
  readonly number: number;
  readonly hash: string;
  readonly timestamp: number;
}

export interface CredentialTypeEntry {
  readonly schemaHash: string;
  readonly schemaUri: string;
  /** Seconds a checkpoint may rely on status data for this type. */
  readonly maxStatusAge: number;
  /**
   * Longest a credential of this type may be valid (exp − iat), seconds; also how long after a
   * key retired or an accreditation ended what it signed is still accepted. Null until governance
   * sets the type's policy: verifiers refuse the type until then.
   */
  maxValidity: number | null;
  /** Whether the type may be carried on paper (no holder key). */
  paperAllowed: boolean;
  /** The JSON Schema, pinned by schemaHash; null until sync has found it. */
  schema: JsonValue | null;
}

export interface IssuerEntry {
  readonly region: string;
  readonly name: string;
  status: IssuerStatus;
  /** Every accreditation window per credential type, oldest first (the history, never overwritten). */
  accreditations: Record<string, AccreditationWindow[]>;
  /** The account the agency's identity owner named to write its status bits (absent: none yet). */
  statusWriter?: string;
}

/**
 * One accreditation window [validFrom, validUntil) and how it ends: `scheduled` runs to its
 * end (expired once past); `renewed` was cut where a re-accreditation starts; `withdrawn` was
 * withdrawn for cause. What an agency signed inside a scheduled or renewed window stays valid
 * (for at most the type's maximum validity); nothing signed inside a withdrawn window is
 * accepted (docs/decisions.md, "Accreditation history").
 */
export interface AccreditationWindow {
  readonly validFrom: number;
  validUntil: number;
  end: "scheduled" | "renewed" | "withdrawn";
}

/**
 * One validity window of a key that signs for a DID (a key has one entry per window: rotated
 * out and re-added, it has two). `validUntil` null = open-ended. A planned rotation, also one
 * effective immediately (ERC-1056 revokeDelegate), closes the window: what the key signed
 * inside it stays valid. `revoked` = compromise, recorded explicitly (the DID attribute
 * `laissez/compromised` naming the key), never inferred from a zero validity: nothing the key
 * ever signed is accepted. The DID's owner is no key: only delegates and attributes sign.
 */
export interface IssuerKey {
  /** The key itself (address or Ed25519 key hash): the same in every window of one key. */
  readonly id: string;
  /**
   * The verification method ids (`delegate-N`) ethr-did-resolver gave this key's events in this
   * window: what a credential's `kid` fragment names (`${did}#delegate-N`). An extension gets a new one.
   */
  readonly methods: string[];
  readonly kind: "secp256k1-address" | "Ed25519";
  /** secp256k1-address: 0x address (owner or veriKey delegate). */
  readonly address?: string;
  /** Ed25519: base64url of the 32-byte public key. */
  readonly publicKey?: string;
  validFrom: number;
  validUntil: number | null;
  revoked: boolean;
}

export interface StatusListEntry {
  readonly issuer: string;
  readonly purpose: StatusPurpose;
  readonly size: number;
  sequence: number;
  /** The set bits (core/status-set.ts: set indices or bitstring, whichever is smaller). */
  set: StatusSet;
}

export type BundleErrorCode =
  | "bundle_malformed"
  | "bundle_bad_signature"
  | "bundle_untrusted_signer"
  | "bundle_delegation_invalid"
  | "bundle_delegation_expired"
  | "bundle_signer_removed"
  | "bundle_wrong_chain"
  | "bundle_wrong_scope"
  | "bundle_rollback"
  | "delta_base_mismatch"
  | "sequence_gap"
  | "sync_incomplete"
  | "event_invalid";

export class BundleError extends CodedError<BundleErrorCode> {}

export function emptyBundle(chainId: number, contracts: TrustBundle["contracts"], block: BlockRef): TrustBundle {
  return {
    version: 1,
    chainId,
    contracts: {
      trustRegistry: contracts.trustRegistry.toLowerCase(),
      statusRegistry: contracts.statusRegistry.toLowerCase(),
      didRegistry: contracts.didRegistry.toLowerCase(),
    },
    block,
    sequences: { trust: 0, status: 0 },
    regions: {},
    credentialTypes: {},
    issuers: {},
    keys: {},
    owners: {},
    didMethods: {},
    recognition: {},
    statusLists: {},
  };
}

/** A deep copy: applying a delta never changes the bundle it started from. */
export function cloneBundle(bundle: TrustBundle): TrustBundle {
  return structuredClone(bundle);
}

const lower = (a: string): string => a.toLowerCase();

/** The id of an ERC-1056 delegate or owner key, and of an attribute key. */
export const addressKeyId = (address: string): string => `key-${lower(address)}`;
export const publicKeyId = (publicKey: Uint8Array): string => `key-${bytesToHex(sha256(publicKey)).slice(0, 16)}`;

/** The identity's signing keys: none until a delegate or attribute key is added (the owner signs nothing). */
function keysOf(bundle: TrustBundle, identity: string): IssuerKey[] {
  return own(bundle.keys, lower(identity)) ?? setOwn(bundle.keys, lower(identity), []);
}

export const isOpenAt = (k: { validFrom: number; validUntil: number | null }, t: number): boolean =>
  k.validFrom <= t && (k.validUntil === null || t < k.validUntil);

/**
 * One key's change at time t (ERC-1056 validTo ≥ t): the open window's end moves to validTo
 * (a planned rotation, effective now when validTo = t, or an extension), or a new window opens.
 * A key once recorded as compromised stays so in every window.
 */
function changeKey(keys: IssuerKey[], fresh: KeyRef, t: number, validTo: number, method: string): void {
  const same = keys.filter((k) => k.id === fresh.id);
  const open = same.find((k) => isOpenAt(k, t));
  if (open) {
    open.validUntil = Math.max(open.validFrom, validTo);
    // ethr-did-resolver lists a key again under its new number while the change keeps it valid.
    if (validTo > t) open.methods.push(method);
  } else if (validTo > t)
    keys.push({ ...fresh, methods: [method], validFrom: t, validUntil: validTo, revoked: same.some((k) => k.revoked) });
}

/** Compromise of a key, recorded for good: every window of it (and any later one) is refused. */
function compromiseKey(keys: IssuerKey[], fresh: KeyRef, t: number): void {
  const same = keys.filter((k) => k.id === fresh.id);
  for (const k of same) k.revoked = true;
  // An empty window keeps the record when the key had none yet.
  if (same.length === 0) keys.push({ ...fresh, methods: [], validFrom: t, validUntil: t, revoked: true });
}

/** A key as events name it, before any window. */
type KeyRef = Omit<IssuerKey, "validFrom" | "validUntil" | "revoked" | "methods">;

/**
 * ethr-did-resolver's number for the next verification method of `identity`: it counts every
 * DIDDelegateChanged and every `did/pub/…` DIDAttributeChanged (valid or not) in chain order.
 */
function nextMethod(bundle: TrustBundle, identity: string): string {
  const n = (own(bundle.didMethods, lower(identity)) ?? 0) + 1;
  setOwn(bundle.didMethods, lower(identity), n);
  return `delegate-${n}`;
}
/** Attribute names ethr-did-resolver numbers as keys (its pattern for `pub` entries). */
const PUB_ATTRIBUTE = /^did\/pub\/(\w+)(\/(\w+))?(\/(\w+))?$/;

/**
 * The id a new credential's `kid` names for a key of `identity` (`${did}#` + it): the method
 * ethr-did-resolver lists for the key now (its latest number). Undefined for a key the bundle
 * does not hold.
 */
export function verificationMethodOf(
  bundle: TrustBundle,
  identity: string,
  key: { address: string } | { publicKey: Uint8Array },
): string | undefined {
  const id = "address" in key ? addressKeyId(key.address) : publicKeyId(key.publicKey);
  return (own(bundle.keys, lower(identity)) ?? [])
    .filter((k) => k.id === id)
    .at(-1)
    ?.methods.at(-1);
}

const VERI_KEY = "veriKey";
/** ERC-1056 attribute names ethr-did-resolver reads as verification keys; we take Ed25519 ones. */
const ED25519_ATTRIBUTE = /^did\/pub\/Ed25519\/veriKey(\/(hex|base64|base58))?$/;
/**
 * The DID attribute an identity's owner sets to record that one of its keys is compromised:
 * the value is the key (20-byte address of a secp256k1 delegate, or a 32-byte Ed25519 key).
 */
export const COMPROMISED_ATTRIBUTE = "laissez/compromised";

/** The key a 20- or 32-byte attribute value names. */
function keyOfValue(raw: Uint8Array): KeyRef | undefined {
  if (raw.length === 20) {
    const address = `0x${bytesToHex(raw)}`;
    return { id: addressKeyId(address), kind: "secp256k1-address", address };
  }
  return raw.length === 32 ? { id: publicKeyId(raw), kind: "Ed25519", publicKey: base64urlEncode(raw) } : undefined;
}

/**
 * A re-accreditation cuts the live window where the new one starts (renewal keeps what was
 * issued before); the history keeps every window.
 */
function accredit(issuer: IssuerEntry, type: string, validFrom: number, validUntil: number): void {
  const windows = own(issuer.accreditations, type) ?? setOwn(issuer.accreditations, type, []);
  const last = windows.at(-1);
  if (last && last.end !== "withdrawn" && last.validUntil > validFrom) {
    last.validUntil = Math.max(last.validFrom, validFrom);
    last.end = "renewed";
  }
  windows.push({ validFrom, validUntil, end: "scheduled" });
}

function fail(code: BundleErrorCode, message: string): never {
  throw new BundleError(code, message);
}

function issuerOf(bundle: TrustBundle, address: string): IssuerEntry {
  return own(bundle.issuers, lower(address)) ?? fail("event_invalid", `event names unknown issuer ${address}`);
}

type StatusListEvent = Extract<LedgerEvent, { kind: "StatusListCreated" | "StatusUpdated" }>;

/** A list created, or a list's update checked (its sequence, words within the list) and its changes collected into `pending`. */
function statusEvent(bundle: TrustBundle, e: StatusListEvent, pending: Map<string, Map<number, boolean>>): void {
  if (e.kind === "StatusListCreated") {
    if (e.size % WORD_BITS !== 0 || e.size <= 0) fail("event_invalid", `list ${e.listId}: size ${e.size}`);
    setOwn(bundle.statusLists, String(e.listId), {
      issuer: lower(e.issuer),
      purpose: e.purpose,
      size: e.size,
      sequence: 0,
      set: emptyStatusSet(),
    });
    pending.delete(String(e.listId));
    return;
  }
  const list = own(bundle.statusLists, String(e.listId)) ?? fail("event_invalid", `update of unknown list ${e.listId}`);
  if (e.listSeq !== list.sequence + 1)
    fail("sequence_gap", `list ${e.listId}: expected update #${list.sequence + 1}, got #${e.listSeq}`);
  list.sequence = e.listSeq;
  let changes = pending.get(String(e.listId));
  if (!changes) pending.set(String(e.listId), (changes = new Map()));
  for (const [word, maskHex] of e.words) {
    if (word < 0 || word * WORD_BITS >= list.size) fail("event_invalid", `list ${e.listId}: word ${word} out of range`);
    const mask = BigInt(maskHex);
    if (mask >> BigInt(WORD_BITS) !== 0n) fail("event_invalid", `list ${e.listId}: mask wider than a word`);
    collectWordMask(changes, word, mask, e.set);
  }
}

/** A TrustRegistry event: regions, their bundle signers, credential types, issuers, accreditation, recognition. */
function trustEvent(bundle: TrustBundle, e: TrustEvent): void {
  switch (e.kind) {
    case "GovernanceChanged":
      break;
    case "RegionAdded":
    case "RegionAuthorityChanged":
      // A new authority keeps the region's bundle signers: they are the region's, not the key's.
      setOwn(bundle.regions, e.region, { ...own(bundle.regions, e.region), authority: lower(e.authority) });
      break;
    case "BundleSignerAdded": {
      const region =
        own(bundle.regions, e.region) ?? fail("event_invalid", `bundle signer of unknown region ${e.region}`);
      setOwn((region.bundleSigners ??= {}), lower(e.signer), {
        validFrom: e.validFrom,
        validUntil: e.validUntil,
        removed: false,
      });
      break;
    }
    case "BundleSignerRemoved": {
      const region = own(bundle.regions, e.region);
      const signer =
        (region?.bundleSigners && own(region.bundleSigners, lower(e.signer))) ??
        fail("event_invalid", `removal of unknown bundle signer ${e.signer}`);
      signer.removed = true;
      break;
    }
    case "StatusWriterSet":
      issuerOf(bundle, e.issuer).statusWriter = lower(e.writer);
      break;
    case "CredentialTypeRegistered":
      setOwn(bundle.credentialTypes, e.credentialType, {
        schemaHash: e.schemaHash,
        schemaUri: e.schemaUri,
        maxStatusAge: e.maxStatusAge,
        maxValidity: null,
        paperAllowed: false,
        schema: null,
      });
      break;
    case "CredentialTypePolicySet": {
      const type =
        own(bundle.credentialTypes, e.credentialType) ??
        fail("event_invalid", `policy for unknown type ${e.credentialType}`);
      type.maxValidity = e.maxValidity;
      type.paperAllowed = e.paperAllowed;
      break;
    }
    case "IssuerRegistered":
      setOwn(bundle.issuers, lower(e.issuer), { region: e.region, name: e.name, status: "active", accreditations: {} });
      keysOf(bundle, e.issuer);
      break;
    case "IssuerStatusChanged":
      issuerOf(bundle, e.issuer).status = e.status;
      break;
    case "IssuerAccredited":
      accredit(issuerOf(bundle, e.issuer), e.credentialType, e.validFrom, e.validUntil);
      break;
    case "AccreditationWithdrawn": {
      // For cause: the live (newest) window; earlier windows keep their credentials.
      const last = own(issuerOf(bundle, e.issuer).accreditations, e.credentialType)?.at(-1);
      if (last) last.end = "withdrawn";
      break;
    }
    case "RecognitionSet": {
      const byIssuing = own(bundle.recognition, e.verifyingRegion) ?? setOwn(bundle.recognition, e.verifyingRegion, {});
      const types = new Set(own(byIssuing, e.issuingRegion) ?? []);
      if (e.recognized) types.add(e.credentialType);
      else types.delete(e.credentialType);
      setOwn(byIssuing, e.issuingRegion, [...types].sort());
      break;
    }
  }
}

/** An ERC-1056 event: who owns an identity (recorded only), and its signing keys' windows. */
function didEvent(bundle: TrustBundle, e: DidEvent): void {
  switch (e.kind) {
    case "DidOwnerChanged":
      // Recorded for the record only: an owner governs the DID's keys but signs no credential.
      setOwn(bundle.owners, lower(e.identity), lower(e.owner));
      break;
    case "DidDelegateChanged": {
      const method = nextMethod(bundle, e.identity);
      if (e.delegateType !== VERI_KEY) break;
      changeKey(
        keysOf(bundle, e.identity),
        { id: addressKeyId(e.delegate), kind: "secp256k1-address", address: lower(e.delegate) },
        e.timestamp,
        e.validTo,
        method,
      );
      break;
    }
    case "DidAttributeChanged": {
      const method = PUB_ATTRIBUTE.test(e.name) ? nextMethod(bundle, e.identity) : undefined;
      const compromise = e.name === COMPROMISED_ATTRIBUTE;
      if (!compromise && !ED25519_ATTRIBUTE.test(e.name)) break;
      const key = keyOfValue(hexToBytes(e.value, "attribute value"));
      if (!key) break;
      if (compromise) compromiseKey(keysOf(bundle, e.identity), key, e.timestamp);
      else if (key.kind === "Ed25519" && method)
        changeKey(keysOf(bundle, e.identity), key, e.timestamp, e.validTo, method);
      break;
    }
  }
}

/**
 * Applies events, in chain order, to `bundle` (mutated) and moves it to `block`.
 * Throws BundleError("sequence_gap") when a registry event is missing.
 */
export function applyEvents(bundle: TrustBundle, events: readonly LedgerEvent[], block: BlockRef): TrustBundle {
  /** Status changes by list, applied once after the last event (see status-set.ts). */
  const pending = new Map<string, Map<number, boolean>>();
  for (const e of events) {
    if (e.source === "did") {
      didEvent(bundle, e);
      continue;
    }
    const expected = bundle.sequences[e.source] + 1;
    if (e.seq !== expected) fail("sequence_gap", `${e.source} registry: expected event #${expected}, got #${e.seq}`);
    bundle.sequences[e.source] = e.seq;
    if (e.source === "trust") trustEvent(bundle, e);
    else if (e.kind !== "ListBoundsSet") statusEvent(bundle, e, pending);
  }
  if (block.number < bundle.block.number)
    fail("bundle_rollback", `events end at block ${block.number}, before the bundle's ${bundle.block.number}`);
  for (const [id, changes] of pending) {
    const list = own(bundle.statusLists, id) as StatusListEntry;
    list.set = applyStatusChanges(list.set, list.size, changes);
  }
  bundle.block = block;
  return bundle;
}
