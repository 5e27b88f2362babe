import { CodedError } from "./errors.ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { base64urlEncode, bytesToHex, hexToBytes } from "./encoding.ts";
import type { JsonValue } from "./json.ts";
import type { IssuerStatus, LedgerEvent, StatusPurpose } from "./ledger-events.ts";
import { setBit } from "./status-list.ts";

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
  regions: Record<string, { authority: string }>;
  credentialTypes: Record<string, CredentialTypeEntry>;
  issuers: Record<string, IssuerEntry>;
  /** Signing keys of each DID (by identity address), with the windows they were valid in. */
  keys: Record<string, IssuerKey[]>;
  /** DID owners that are not the identity itself (after an ERC-1056 owner change). */
  owners: Record<string, string>;
  /** verifying region → issuing region → credential types it accepts from there. */
  recognition: Record<string, Record<string, string[]>>;
  statusLists: Record<string, StatusListEntry>;
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
  accreditations: Record<string, { validFrom: number; validUntil: number }>;
}

/**
 * A key that signs for a DID. `validUntil` null = open-ended. A planned rotation closes the
 * window (what the key signed inside it stays valid); `revoked` = removed for compromise
 * (ERC-1056 revokeDelegate / revokeAttribute): nothing it ever signed is accepted.
 */
export interface IssuerKey {
  /** Fragment of the kid: `${did}#${id}`. */
  readonly id: string;
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
  /** W3C bit order: index 0 is the top bit of byte 0. */
  bits: Uint8Array;
}

export type BundleErrorCode =
  | "bundle_malformed"
  | "bundle_bad_signature"
  | "bundle_untrusted_signer"
  | "bundle_wrong_chain"
  | "bundle_rollback"
  | "delta_base_mismatch"
  | "sequence_gap"
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

function keysOf(bundle: TrustBundle, identity: string): IssuerKey[] {
  const id = lower(identity);
  let keys = bundle.keys[id];
  if (!keys) {
    // ERC-1056: an identity owns itself until its owner changes.
    keys = [{ id: addressKeyId(id), kind: "secp256k1-address", address: id, validFrom: 0, validUntil: null, revoked: false }];
    bundle.keys[id] = keys;
  }
  return keys;
}

const isOpenAt = (k: IssuerKey, t: number): boolean => k.validFrom <= t && (k.validUntil === null || t < k.validUntil);

/**
 * One key's change at time t: validTo ≤ t is ERC-1056's revocation (compromise: every
 * window of the key is marked revoked); otherwise the open window's end moves to validTo
 * (a planned rotation or an extension), or a new window opens.
 */
function changeKey(keys: IssuerKey[], fresh: Omit<IssuerKey, "validFrom" | "validUntil" | "revoked">, t: number, validTo: number): void {
  const same = keys.filter((k) => k.id === fresh.id);
  if (validTo <= t) {
    for (const k of same) k.revoked = true;
    return;
  }
  const open = same.find((k) => isOpenAt(k, t));
  if (open) open.validUntil = validTo;
  else keys.push({ ...fresh, validFrom: t, validUntil: validTo, revoked: false });
}

const VERI_KEY = "veriKey";
/** ERC-1056 attribute names ethr-did-resolver reads as verification keys; we take Ed25519 ones. */
const ED25519_ATTRIBUTE = /^did\/pub\/Ed25519\/veriKey(\/(hex|base64|base58))?$/;

function fail(code: BundleErrorCode, message: string): never {
  throw new BundleError(code, message);
}

function issuerOf(bundle: TrustBundle, address: string): IssuerEntry {
  return bundle.issuers[lower(address)] ?? fail("event_invalid", `event names unknown issuer ${address}`);
}

/**
 * Applies events, in chain order, to `bundle` (mutated) and moves it to `block`.
 * Throws BundleError("sequence_gap") when a registry event is missing.
 */
export function applyEvents(bundle: TrustBundle, events: readonly LedgerEvent[], block: BlockRef): TrustBundle {
  for (const e of events) {
    if (e.source === "trust" || e.source === "status") {
      const expected = bundle.sequences[e.source] + 1;
      if (e.seq !== expected) fail("sequence_gap", `${e.source} registry: expected event #${expected}, got #${e.seq}`);
      bundle.sequences[e.source] = e.seq;
    }
    switch (e.kind) {
      case "GovernanceChanged":
        break;
      case "RegionAdded":
      case "RegionAuthorityChanged":
        bundle.regions[e.region] = { authority: lower(e.authority) };
        break;
      case "CredentialTypeRegistered":
        bundle.credentialTypes[e.credentialType] = { schemaHash: e.schemaHash, schemaUri: e.schemaUri, maxStatusAge: e.maxStatusAge, maxValidity: null, paperAllowed: false, schema: null };
        break;
      case "CredentialTypePolicySet": {
        const type = bundle.credentialTypes[e.credentialType] ?? fail("event_invalid", `policy for unknown type ${e.credentialType}`);
        type.maxValidity = e.maxValidity;
        type.paperAllowed = e.paperAllowed;
        break;
      }
      case "IssuerRegistered":
        bundle.issuers[lower(e.issuer)] = { region: e.region, name: e.name, status: "active", accreditations: {} };
        keysOf(bundle, e.issuer);
        break;
      case "IssuerStatusChanged":
        issuerOf(bundle, e.issuer).status = e.status;
        break;
      case "IssuerAccredited":
        issuerOf(bundle, e.issuer).accreditations[e.credentialType] = { validFrom: e.validFrom, validUntil: e.validUntil };
        break;
      case "AccreditationWithdrawn": {
        const a = issuerOf(bundle, e.issuer).accreditations[e.credentialType];
        if (a) a.validFrom = a.validUntil;
        break;
      }
      case "RecognitionSet": {
        const byIssuing = (bundle.recognition[e.verifyingRegion] ??= {});
        const types = new Set(byIssuing[e.issuingRegion] ?? []);
        if (e.recognized) types.add(e.credentialType);
        else types.delete(e.credentialType);
        byIssuing[e.issuingRegion] = [...types].sort();
        break;
      }
      case "StatusListCreated":
        if (e.size % 256 !== 0 || e.size <= 0) fail("event_invalid", `list ${e.listId}: size ${e.size}`);
        bundle.statusLists[String(e.listId)] = { issuer: lower(e.issuer), purpose: e.purpose, size: e.size, sequence: 0, bits: new Uint8Array(e.size / 8) };
        break;
      case "StatusUpdated": {
        const list = bundle.statusLists[String(e.listId)] ?? fail("event_invalid", `update of unknown list ${e.listId}`);
        if (e.listSeq !== list.sequence + 1) fail("sequence_gap", `list ${e.listId}: expected update #${list.sequence + 1}, got #${e.listSeq}`);
        list.sequence = e.listSeq;
        for (const [word, maskHex] of e.words) {
          if (word < 0 || word * 256 >= list.size) fail("event_invalid", `list ${e.listId}: word ${word} out of range`);
          const mask = BigInt(maskHex);
          for (let b = 0; b < 256; b++) if ((mask >> BigInt(b)) & 1n) setBit(list.bits, word * 256 + b, e.set);
        }
        break;
      }
      case "DidOwnerChanged": {
        const identity = lower(e.identity);
        const keys = keysOf(bundle, identity);
        const previous = bundle.owners[identity] ?? identity;
        if (previous === lower(e.owner)) break;
        // The previous owner's window closes: what it signed before the handover stays valid.
        for (const k of keys) if (k.id === addressKeyId(previous) && isOpenAt(k, e.timestamp)) k.validUntil = e.timestamp;
        bundle.owners[identity] = lower(e.owner);
        keys.push({ id: addressKeyId(e.owner), kind: "secp256k1-address", address: lower(e.owner), validFrom: e.timestamp, validUntil: null, revoked: false });
        break;
      }
      case "DidDelegateChanged":
        if (e.delegateType !== VERI_KEY) break;
        changeKey(keysOf(bundle, e.identity), { id: addressKeyId(e.delegate), kind: "secp256k1-address", address: lower(e.delegate) }, e.timestamp, e.validTo);
        break;
      case "DidAttributeChanged": {
        if (!ED25519_ATTRIBUTE.test(e.name)) break;
        const raw = hexToBytes(e.value, "attribute value");
        if (raw.length !== 32) break;
        changeKey(keysOf(bundle, e.identity), { id: publicKeyId(raw), kind: "Ed25519", publicKey: base64urlEncode(raw) }, e.timestamp, e.validTo);
        break;
      }
    }
  }
  if (block.number < bundle.block.number) fail("bundle_rollback", `events end at block ${block.number}, before the bundle's ${bundle.block.number}`);
  bundle.block = block;
  return bundle;
}
