import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { cloneBundle, applyEvents, BundleError, type BlockRef, type TrustBundle } from "./bundle.ts";
import { canonicalize } from "./canonical.ts";
import { secp256k1Address } from "./crypto.ts";
import { bytesToHex, hexToBytes, utf8 } from "./encoding.ts";
import { isObject, parseJson, type JsonValue } from "./json.ts";
import type { LedgerEvent } from "./ledger-events.ts";
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

/** What travels between devices: a bundle or delta signed by a region authority. */
export interface SignedEnvelope<T extends SerializedBundle | BundleDelta = SerializedBundle | BundleDelta> {
  readonly payload: T;
  /** 0x address of the signing region authority. */
  readonly signer: string;
  /** 0x hex of the 65-byte recoverable secp256k1 signature over sha256(canonical JSON of payload). */
  readonly signature: string;
}

/** Largest bundle file we parse (a 10-region, 100-agency, 1M-entry bundle is well under 1 MB). */
export const MAX_BUNDLE_CHARS = 32 * 1024 * 1024;

export function serializeBundle(bundle: TrustBundle): SerializedBundle {
  const statusLists: SerializedBundle["statusLists"] = {};
  for (const [id, { bits, ...rest }] of Object.entries(bundle.statusLists)) statusLists[id] = { ...rest, encodedList: encodeStatusList(bits) };
  return { ...bundle, kind: "bundle", statusLists };
}

function digest(payload: SerializedBundle | BundleDelta): Uint8Array {
  return sha256(utf8(canonicalize(payload)));
}

/** Signs with a region authority's secp256k1 key (the account registered in TrustRegistry). */
export function signEnvelope<T extends SerializedBundle | BundleDelta>(payload: T, authorityKey: Uint8Array): SignedEnvelope<T> {
  const signature = secp256k1.sign(digest(payload), authorityKey, { prehash: false, format: "recovered" });
  const publicKey = secp256k1.recoverPublicKey(signature, digest(payload), { prehash: false });
  return { payload, signer: secp256k1Address(publicKey), signature: `0x${bytesToHex(signature)}` };
}

/** What a checkpoint trusts without a network: its chain and its region authority's accounts. */
export interface TrustAnchor {
  readonly chainId: number;
  readonly authorities: readonly string[];
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
    throw new BundleError("bundle_malformed", "bundle must be { payload, signer, signature }");
  }
  const payload = raw.payload as unknown as SerializedBundle | BundleDelta;
  let recovered: string;
  try {
    const signature = hexToBytes(raw.signature, "signature");
    if (signature.length !== 65) throw new TypeError("signature: expected 65 bytes");
    recovered = secp256k1Address(secp256k1.recoverPublicKey(signature, digest(payload), { prehash: false }));
  } catch (e) {
    throw new BundleError("bundle_bad_signature", `bundle signature does not verify: ${(e as Error).message}`);
  }
  if (recovered !== raw.signer.toLowerCase()) throw new BundleError("bundle_bad_signature", "bundle signature does not match its signer (tampered?)");
  if (!anchor.authorities.some((a) => a.toLowerCase() === recovered)) {
    throw new BundleError("bundle_untrusted_signer", `bundle signed by ${recovered}, not by this checkpoint's region authority`);
  }
  if (payload.chainId !== anchor.chainId) throw new BundleError("bundle_wrong_chain", `bundle is for chain ${payload.chainId}, checkpoint for ${anchor.chainId}`);
  return { payload, signer: recovered, signature: raw.signature };
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

/** What a checkpoint remembers between bundles: the newest block it accepted. */
export interface CheckpointState {
  readonly highestBlock: number;
}

/** Refuses a bundle older than one already accepted (rollback to hide a revocation). */
export function acceptBundle(bundle: TrustBundle, state: CheckpointState | undefined): CheckpointState {
  if (state && bundle.block.number < state.highestBlock) {
    throw new BundleError("bundle_rollback", `bundle is at block ${bundle.block.number}, older than the accepted ${state.highestBlock}`);
  }
  return { highestBlock: Math.max(bundle.block.number, state?.highestBlock ?? 0) };
}

/**
 * What a checkpoint does with a bundle file or download: check its signature against the
 * anchor, decode it, and refuse a rollback. Returns the bundle and the state to remember.
 */
export function loadSignedBundle(text: string, anchor: TrustAnchor, previous: CheckpointState | undefined): { bundle: TrustBundle; state: CheckpointState } {
  const bundle = deserializeBundle(openEnvelope(text, anchor).payload as SerializedBundle);
  return { bundle, state: acceptBundle(bundle, previous) };
}
