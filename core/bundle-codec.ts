import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { cloneBundle, applyEvents, BundleError, type BlockRef, type TrustBundle } from "./bundle.ts";
import { canonicalize } from "./canonical.ts";
import { secp256k1Address } from "./crypto.ts";
import { bytesToHex, hexToBytes, utf8 } from "./encoding.ts";
import { isObject, parseJson, type JsonValue } from "./json.ts";
import type { LedgerEvent } from "./ledger-events.ts";
import { own } from "./own.ts";
import { decodeStatusList, encodeStatusList } from "./status-list.ts";

/** A bundle as JSON: status bits as W3C `encodedList` strings (GZIP + base64url). */
export type SerializedBundle = Omit<TrustBundle, "statusLists"> & {
  readonly kind: "bundle";
  readonly statusLists: Record<string, Omit<TrustBundle["statusLists"][string], "bits"> & { readonly encodedList: string }>;
};

/** The changes between two blocks: the events a checkpoint applies to the bundle it has. */
export interface BundleDelta {
  readonly kind: "delta";
  readonly version: 1;
  readonly chainId: number;
  readonly from: { readonly number: number; readonly hash: string };
  readonly to: BlockRef;
  readonly events: readonly LedgerEvent[];
  /** Schemas of credential types registered in this delta, by type name. */
  readonly schemas: Record<string, JsonValue>;
}

/**
 * What an envelope is for, signed with it: the region whose authority signs it, the chain and
 * the registries the bundle was read from. A bundle for another region, chain or deployment
 * cannot be passed off as this one's.
 */
export interface EnvelopeScope {
  readonly region: string;
  readonly chainId: number;
  readonly contracts: TrustBundle["contracts"];
}

/** What travels between devices: a bundle or delta signed by a region authority. */
export interface SignedEnvelope<T extends SerializedBundle | BundleDelta = SerializedBundle | BundleDelta> {
  readonly scope: EnvelopeScope;
  readonly payload: T;
  /** 0x address of the signing region authority. */
  readonly signer: string;
  /** 0x hex of the 65-byte recoverable secp256k1 signature over sha256(canonical JSON of { scope, payload }). */
  readonly signature: string;
}

/** Largest bundle file we parse (a 10-region, 100-agency, 1M-entry bundle is well under 1 MB). */
export const MAX_BUNDLE_CHARS = 32 * 1024 * 1024;

export function serializeBundle(bundle: TrustBundle): SerializedBundle {
  const statusLists: SerializedBundle["statusLists"] = {};
  for (const [id, { bits, ...rest }] of Object.entries(bundle.statusLists)) statusLists[id] = { ...rest, encodedList: encodeStatusList(bits) };
  return { ...bundle, kind: "bundle", statusLists };
}

function digest(scope: EnvelopeScope, payload: SerializedBundle | BundleDelta): Uint8Array {
  return sha256(utf8(canonicalize({ scope, payload } as unknown as JsonValue)));
}

/** The scope of `region`'s envelopes for a bundle (its chain and registries). */
export function bundleScope(bundle: Pick<TrustBundle, "chainId" | "contracts">, region: string): EnvelopeScope {
  const { trustRegistry, statusRegistry, didRegistry } = bundle.contracts;
  return { region, chainId: bundle.chainId, contracts: { trustRegistry: trustRegistry.toLowerCase(), statusRegistry: statusRegistry.toLowerCase(), didRegistry: didRegistry.toLowerCase() } };
}

/** Signs with a region authority's secp256k1 key (the account registered in TrustRegistry), bound to `scope`. */
export function signEnvelope<T extends SerializedBundle | BundleDelta>(payload: T, authorityKey: Uint8Array, scope: EnvelopeScope): SignedEnvelope<T> {
  const signature = secp256k1.sign(digest(scope, payload), authorityKey, { prehash: false, format: "recovered" });
  const publicKey = secp256k1.recoverPublicKey(signature, digest(scope, payload), { prehash: false });
  return { scope, payload, signer: secp256k1Address(publicKey), signature: `0x${bytesToHex(signature)}` };
}

/**
 * What a checkpoint trusts without a network: its chain and its region authority's accounts;
 * its region and the registries' addresses when it knows them (each then must match the
 * envelope's signed scope).
 */
export interface TrustAnchor {
  readonly chainId: number;
  readonly authorities: readonly string[];
  readonly region?: string;
  readonly contracts?: TrustBundle["contracts"];
}

const sameContracts = (a: TrustBundle["contracts"], b: TrustBundle["contracts"]): boolean =>
  (["trustRegistry", "statusRegistry", "didRegistry"] as const).every((k) => typeof a[k] === "string" && typeof b[k] === "string" && a[k].toLowerCase() === b[k].toLowerCase());

/** The envelope's scope agrees with the anchor and with the payload it signs; throws bundle_wrong_scope. */
function checkScope(raw: { readonly [key: string]: JsonValue }, payload: SerializedBundle | BundleDelta, anchor: TrustAnchor): EnvelopeScope {
  const scope = raw.scope;
  if (!isObject(scope) || typeof scope.region !== "string" || typeof scope.chainId !== "number" || !isObject(scope.contracts)) {
    throw new BundleError("bundle_malformed", "the envelope names no scope (region, chain, registries)");
  }
  const s = scope as unknown as EnvelopeScope;
  if (s.chainId !== anchor.chainId || payload.chainId !== s.chainId) throw new BundleError("bundle_wrong_chain", `bundle is for chain ${s.chainId}, checkpoint for ${anchor.chainId}`);
  if (anchor.region !== undefined && s.region !== anchor.region) throw new BundleError("bundle_wrong_scope", `bundle is for region ${s.region.slice(0, 20)}, checkpoint for ${anchor.region}`);
  if (anchor.contracts && !sameContracts(s.contracts, anchor.contracts)) throw new BundleError("bundle_wrong_scope", "bundle is for other registry contracts than this checkpoint's");
  if (payload.kind === "bundle" && !(isObject(payload.contracts as unknown as JsonValue) && sameContracts(s.contracts, payload.contracts))) {
    throw new BundleError("bundle_wrong_scope", "the bundle's registries differ from the envelope's scope");
  }
  return s;
}

/**
 * Parses and checks a signed bundle or delta file: strict JSON, a valid signature by one
 * of the anchor's authorities, the anchor's chain. Throws BundleError with a stable code.
 */
export function openEnvelope(text: string, anchor: TrustAnchor): SignedEnvelope {
  let raw: JsonValue;
  try {
    raw = parseJson(text, { maxLength: MAX_BUNDLE_CHARS, maxDepth: 12 });
  } catch (e) {
    throw new BundleError("bundle_malformed", `bundle is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(raw) || !isObject(raw.payload) || typeof raw.signature !== "string" || typeof raw.signer !== "string") {
    throw new BundleError("bundle_malformed", "bundle must be { scope, payload, signer, signature }");
  }
  const payload = raw.payload as unknown as SerializedBundle | BundleDelta;
  if (!isObject(raw.scope)) throw new BundleError("bundle_malformed", "the envelope names no scope (region, chain, registries)");
  const signedScope = raw.scope as unknown as EnvelopeScope;
  let recovered: string;
  try {
    const signature = hexToBytes(raw.signature, "signature");
    if (signature.length !== 65) throw new TypeError("signature: expected 65 bytes");
    recovered = secp256k1Address(secp256k1.recoverPublicKey(signature, digest(signedScope, payload), { prehash: false }));
  } catch (e) {
    throw new BundleError("bundle_bad_signature", `bundle signature does not verify: ${(e as Error).message}`);
  }
  if (recovered !== raw.signer.toLowerCase()) throw new BundleError("bundle_bad_signature", "bundle signature does not match its signer (tampered?)");
  if (!anchor.authorities.some((a) => a.toLowerCase() === recovered)) {
    throw new BundleError("bundle_untrusted_signer", `bundle signed by ${recovered}, not by this checkpoint's region authority`);
  }
  const scope = checkScope(raw, payload, anchor);
  return { scope, payload, signer: recovered, signature: raw.signature };
}

/** The in-memory bundle from a (signature-checked) serialized one; throws bundle_malformed on a bad shape. */
export function deserializeBundle(payload: SerializedBundle): TrustBundle {
  try {
    if (payload.kind !== "bundle" || payload.version !== 1) throw new Error("not a version 1 bundle");
    const { kind: _kind, statusLists, ...rest } = payload;
    const lists: TrustBundle["statusLists"] = {};
    for (const [id, { encodedList, ...list }] of Object.entries(statusLists)) {
      // Sizes are the chain's; a short list is reported per credential (status_list_too_short), not here.
      const bits = decodeStatusList(encodedList, Math.ceil(list.size / 8), 0);
      if (bits.length * 8 !== list.size) throw new Error(`list ${id}: ${bits.length * 8} entries, expected ${list.size}`);
      lists[id] = { ...list, bits };
    }
    const bundle = { ...structuredClone(rest), statusLists: lists } as TrustBundle;
    for (const key of ["regions", "credentialTypes", "issuers", "keys", "owners", "recognition"] as const) {
      if (!isObject(bundle[key])) throw new Error(`${key} missing`);
    }
    if (!Number.isSafeInteger(bundle.block?.number) || !Number.isSafeInteger(bundle.block?.timestamp)) throw new Error("block missing");
    return bundle;
  } catch (e) {
    if (e instanceof BundleError) throw e;
    throw new BundleError("bundle_malformed", `bundle is malformed: ${(e as Error).message}`);
  }
}

/** A new bundle: `bundle` with a delta applied. The delta must start where the bundle ends. */
export function applyDelta(bundle: TrustBundle, delta: BundleDelta): TrustBundle {
  if (delta.kind !== "delta" || delta.chainId !== bundle.chainId) throw new BundleError("bundle_wrong_chain", "delta is for another chain");
  if (delta.from.number !== bundle.block.number || delta.from.hash !== bundle.block.hash) {
    throw new BundleError("delta_base_mismatch", `delta starts at block ${delta.from.number}, the bundle is at ${bundle.block.number}`);
  }
  const next = applyEvents(cloneBundle(bundle), delta.events, delta.to);
  for (const [type, schema] of Object.entries(delta.schemas)) {
    const entry = next.credentialTypes[type];
    if (entry) entry.schema = schema;
  }
  return next;
}

/**
 * What a checkpoint remembers between bundles: the newest block it accepted, and the region
 * authority it follows (set from the chain's own record in a bundle it trusted; absent until
 * the first bundle, when the anchor's authorities apply).
 */
export interface CheckpointState {
  readonly highestBlock: number;
  readonly authority?: string;
}

/** Refuses a bundle older than one already accepted (rollback to hide a revocation). */
export function acceptBundle(bundle: TrustBundle, state: CheckpointState | undefined): CheckpointState {
  if (state && bundle.block.number < state.highestBlock) {
    throw new BundleError("bundle_rollback", `bundle is at block ${bundle.block.number}, older than the accepted ${state.highestBlock}`);
  }
  return { ...state, highestBlock: Math.max(bundle.block.number, state?.highestBlock ?? 0) };
}

/**
 * What a checkpoint does with a bundle file or download: check its signature and scope against
 * the anchor — or, once it follows a rotated authority, against that one only — decode it, and
 * refuse a rollback. A trusted bundle whose own chain record names another authority for its
 * region moves the checkpoint to that authority: from then on the old key is refused
 * (`bundle_untrusted_signer`). Returns the bundle and the state to remember.
 */
export function loadSignedBundle(text: string, anchor: TrustAnchor, previous: CheckpointState | undefined): { bundle: TrustBundle; state: CheckpointState } {
  const trusted = previous?.authority !== undefined ? { ...anchor, authorities: [previous.authority] } : anchor;
  const envelope = openEnvelope(text, trusted);
  if (envelope.payload.kind !== "bundle") throw new BundleError("bundle_malformed", "expected a bundle, got a delta");
  const bundle = deserializeBundle(envelope.payload);
  const recorded = own(bundle.regions, envelope.scope.region)?.authority;
  if (!recorded) throw new BundleError("bundle_wrong_scope", `the bundle has no region ${envelope.scope.region.slice(0, 20)}`);
  const state = acceptBundle(bundle, previous);
  return { bundle, state: { ...state, authority: recorded.toLowerCase() } };
}
