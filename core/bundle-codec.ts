import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { cloneBundle, applyEvents, BundleError, type BlockRef, type TrustBundle } from "./bundle.ts";
import { canonicalize } from "./canonical.ts";
import { secp256k1Address } from "./crypto.ts";
import { bytesToHex, hexToBytes, utf8 } from "./encoding.ts";
import { isObject, parseJson, type JsonValue } from "./json.ts";
import type { LedgerEvent } from "./ledger-events.ts";
import { own } from "./own.ts";
import { recoveredFromRsv, signDigest, type KeySigner, type SignedContent } from "./signer.ts";
import { decodeStatusList, encodeStatusList } from "./status-list.ts";
import { statusSetFromBitstring, statusSetToBitstring } from "./status-set.ts";

/** A bundle as JSON: status bits as W3C `encodedList` strings (GZIP + base64url). */
export type SerializedBundle = Omit<TrustBundle, "statusLists"> & {
  readonly kind: "bundle";
  readonly statusLists: Record<
    string,
    Omit<TrustBundle["statusLists"][string], "set"> & { readonly encodedList: string }
  >;
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

/**
 * A region authority's statement, signed offline (as TUF's delegated roles are): `signer` may
 * sign `region`'s bundles on `chainId` in [validFrom, validUntil). The online signer cannot
 * make one for itself: checkpoints check it against the authority they pinned at install.
 */
export interface BundleDelegation {
  readonly kind: "bundle-delegation";
  readonly version: 1;
  readonly chainId: number;
  readonly region: string;
  /** 0x address (lowercase) of the delegated bundle signer. */
  readonly signer: string;
  readonly validFrom: number;
  readonly validUntil: number;
}

export interface SignedDelegation {
  readonly payload: BundleDelegation;
  /** 0x hex of the authority's 65-byte recoverable signature over sha256(canonical JSON of payload). */
  readonly signature: string;
}

/** What travels between devices: a bundle or delta signed by a region authority, or by a bundle signer it delegated to. */
export interface SignedEnvelope<T extends SerializedBundle | BundleDelta = SerializedBundle | BundleDelta> {
  readonly scope: EnvelopeScope;
  readonly payload: T;
  /** 0x address of the signing region authority. */
  readonly signer: string;
  /** 0x hex of the 65-byte recoverable secp256k1 signature over sha256(canonical JSON of { scope, payload }). */
  readonly signature: string;
  /** The authority's delegation to `signer`; absent when the authority signed the bundle itself. */
  readonly delegation?: SignedDelegation;
}

/** Largest bundle file we parse (a 10-region, 100-agency, 1M-entry bundle is well under 1 MB). */
export const MAX_BUNDLE_CHARS = 32 * 1024 * 1024;

export function serializeBundle(bundle: TrustBundle): SerializedBundle {
  const statusLists: SerializedBundle["statusLists"] = {};
  for (const [id, { set, ...rest }] of Object.entries(bundle.statusLists))
    statusLists[id] = { ...rest, encodedList: encodeStatusList(statusSetToBitstring(set, rest.size)) };
  return { ...bundle, kind: "bundle", statusLists };
}

/** What an envelope's signature covers: the canonical JSON of { scope, payload } (its SHA-256 is signed). */
const envelopeBytes = (scope: EnvelopeScope, payload: SerializedBundle | BundleDelta): Uint8Array =>
  utf8(canonicalize({ scope, payload } as unknown as JsonValue));

function digest(scope: EnvelopeScope, payload: SerializedBundle | BundleDelta): Uint8Array {
  return sha256(envelopeBytes(scope, payload));
}

/** The scope of `region`'s envelopes for a bundle (its chain and registries). */
export function bundleScope(bundle: Pick<TrustBundle, "chainId" | "contracts">, region: string): EnvelopeScope {
  const { trustRegistry, statusRegistry, didRegistry } = bundle.contracts;
  return {
    region,
    chainId: bundle.chainId,
    contracts: {
      trustRegistry: trustRegistry.toLowerCase(),
      statusRegistry: statusRegistry.toLowerCase(),
      didRegistry: didRegistry.toLowerCase(),
    },
  };
}

/** The envelope's signature field: 0x hex of v‖r‖s (noble's recovered form, as bundles always carried it). */
async function signBytes(signer: KeySigner, content: SignedContent): Promise<{ signer: string; signature: string }> {
  const signed = await signDigest(signer, sha256(content.preimage), content);
  return { signer: signed.signer, signature: `0x${bytesToHex(recoveredFromRsv(signed.signature))}` };
}

/** The address that made `signature` over `hash`; throws on a malformed signature. */
function recoverSigner(hash: Uint8Array, signatureHex: string): string {
  const signature = hexToBytes(signatureHex, "signature");
  if (signature.length !== 65) throw new TypeError("signature: expected 65 bytes");
  return secp256k1Address(secp256k1.recoverPublicKey(signature, hash, { prehash: false }));
}

/** A delegation's digest: its `kind` keeps it from passing as an envelope's { scope, payload }. */
const delegationBytes = (d: BundleDelegation): Uint8Array => utf8(canonicalize(d as unknown as JsonValue));
const delegationDigest = (d: BundleDelegation): Uint8Array => sha256(delegationBytes(d));

/**
 * Signs a bundle or delta, bound to `scope`, through a secp256k1 signer: the region authority's
 * own (offline use), or a bundle signer's, in which case `delegation` (the authority's, for that
 * signer) travels with it.
 */
export async function signEnvelope<T extends SerializedBundle | BundleDelta>(
  payload: T,
  key: KeySigner,
  scope: EnvelopeScope,
  delegation?: SignedDelegation,
): Promise<SignedEnvelope<T>> {
  const signed = await signBytes(key, { kind: "envelope", preimage: envelopeBytes(scope, payload) });
  if (delegation && delegation.payload.signer !== signed.signer)
    throw new TypeError(`the delegation is for ${delegation.payload.signer}, not for this key (${signed.signer})`);
  return { scope, payload, ...signed, ...(delegation ? { delegation } : {}) };
}

/** The region authority signs (offline) a delegation letting `signer` sign its region's bundles. */
export async function signDelegation(
  d: Omit<BundleDelegation, "kind" | "version">,
  authority: KeySigner,
): Promise<SignedDelegation> {
  if (!(d.validFrom < d.validUntil)) throw new RangeError("delegation: validFrom must be before validUntil");
  const payload: BundleDelegation = {
    kind: "bundle-delegation",
    version: 1,
    chainId: d.chainId,
    region: d.region,
    signer: d.signer.toLowerCase(),
    validFrom: d.validFrom,
    validUntil: d.validUntil,
  };
  return {
    payload,
    signature: (await signBytes(authority, { kind: "delegation", preimage: delegationBytes(payload) })).signature,
  };
}

/**
 * The authority that signed `delegation`, after checking that it names `signer` on `chainId`
 * (what a bundle signer's service checks at start). Throws BundleError("bundle_delegation_invalid").
 */
export function delegationAuthority(delegation: SignedDelegation, signer: string, chainId: number): string {
  let authority: string;
  try {
    authority = recoverSigner(delegationDigest(delegation.payload), delegation.signature);
  } catch (e) {
    throw new BundleError(
      "bundle_delegation_invalid",
      `the delegation's signature does not verify: ${(e as Error).message}`,
    );
  }
  if (delegation.payload?.kind !== "bundle-delegation" || delegation.payload.signer !== signer.toLowerCase())
    throw new BundleError("bundle_delegation_invalid", `the delegation is not for ${signer.toLowerCase()}`);
  if (delegation.payload.chainId !== chainId)
    throw new BundleError(
      "bundle_delegation_invalid",
      `the delegation is for chain ${delegation.payload.chainId}, not ${chainId}`,
    );
  return authority;
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
  (["trustRegistry", "statusRegistry", "didRegistry"] as const).every(
    (k) => typeof a[k] === "string" && typeof b[k] === "string" && a[k].toLowerCase() === b[k].toLowerCase(),
  );

/** The envelope's scope agrees with the anchor and with the payload it signs; throws bundle_wrong_scope. */
function checkScope(
  raw: { readonly [key: string]: JsonValue },
  payload: SerializedBundle | BundleDelta,
  anchor: TrustAnchor,
): EnvelopeScope {
  const scope = raw.scope;
  if (
    !isObject(scope) ||
    typeof scope.region !== "string" ||
    typeof scope.chainId !== "number" ||
    !isObject(scope.contracts)
  ) {
    throw new BundleError("bundle_malformed", "the envelope names no scope (region, chain, registries)");
  }
  const s = scope as unknown as EnvelopeScope;
  if (s.chainId !== anchor.chainId || payload.chainId !== s.chainId)
    throw new BundleError("bundle_wrong_chain", `bundle is for chain ${s.chainId}, checkpoint for ${anchor.chainId}`);
  if (anchor.region !== undefined && s.region !== anchor.region)
    throw new BundleError(
      "bundle_wrong_scope",
      `bundle is for region ${s.region.slice(0, 20)}, checkpoint for ${anchor.region}`,
    );
  if (anchor.contracts && !sameContracts(s.contracts, anchor.contracts))
    throw new BundleError("bundle_wrong_scope", "bundle is for other registry contracts than this checkpoint's");
  if (
    payload.kind === "bundle" &&
    !(isObject(payload.contracts as unknown as JsonValue) && sameContracts(s.contracts, payload.contracts))
  ) {
    throw new BundleError("bundle_wrong_scope", "the bundle's registries differ from the envelope's scope");
  }
  return s;
}

/** The time a bundle or delta speaks for: its block's. */
const payloadTime = (payload: SerializedBundle | BundleDelta): number =>
  (payload.kind === "delta" ? payload.to?.timestamp : payload.block?.timestamp) ?? Number.NaN;

/**
 * The delegation chain: pinned authority → delegation (signed by it, for this chain and the
 * envelope's region, naming the envelope's signer, unexpired at the bundle's time and at `now`)
 * → the bundle's signer. A signer's own key cannot pass: the authority signs delegations.
 */
function checkDelegation(
  raw: JsonValue | undefined,
  signer: string,
  payload: SerializedBundle | BundleDelta,
  scope: EnvelopeScope,
  anchor: TrustAnchor,
  now: number | undefined,
): SignedDelegation {
  if (!isObject(raw) || !isObject(raw.payload) || typeof raw.signature !== "string") {
    throw new BundleError(
      "bundle_untrusted_signer",
      `bundle signed by ${signer}, which is not this checkpoint's region authority, and no delegation from it came along`,
    );
  }
  const d = raw.payload as unknown as BundleDelegation;
  if (
    d.kind !== "bundle-delegation" ||
    d.version !== 1 ||
    typeof d.signer !== "string" ||
    !Number.isSafeInteger(d.validFrom) ||
    !Number.isSafeInteger(d.validUntil)
  ) {
    throw new BundleError("bundle_delegation_invalid", "the bundle's delegation is malformed");
  }
  let issuer: string;
  try {
    issuer = recoverSigner(delegationDigest(d), raw.signature);
  } catch (e) {
    throw new BundleError(
      "bundle_delegation_invalid",
      `the delegation's signature does not verify: ${(e as Error).message}`,
    );
  }
  if (!anchor.authorities.some((a) => a.toLowerCase() === issuer)) {
    throw new BundleError(
      "bundle_delegation_invalid",
      `the delegation is signed by ${issuer}, not by this checkpoint's region authority`,
    );
  }
  if (d.signer.toLowerCase() !== signer)
    throw new BundleError(
      "bundle_delegation_invalid",
      `the delegation is for ${d.signer}, the bundle is signed by ${signer}`,
    );
  if (d.chainId !== anchor.chainId || d.region !== scope.region)
    throw new BundleError(
      "bundle_delegation_invalid",
      `the delegation is for ${String(d.region).slice(0, 20)} on chain ${d.chainId}, the bundle for ${scope.region.slice(0, 20)} on chain ${anchor.chainId}`,
    );
  for (const [what, t] of [
    ["the bundle's block time", payloadTime(payload)],
    ["now", now],
  ] as const) {
    if (t === undefined) continue;
    if (!(t >= d.validFrom && t < d.validUntil)) {
      throw new BundleError(
        "bundle_delegation_expired",
        `${what} (${t}) is outside the delegation to ${signer} [${d.validFrom}, ${d.validUntil})`,
      );
    }
  }
  return { payload: d, signature: raw.signature };
}

/**
 * Parses and checks a signed bundle or delta file: strict JSON, a valid signature by one of
 * the anchor's authorities or by a signer one of them delegated to (unexpired at the bundle's
 * time and at `now`, when given), the anchor's chain and scope. Throws BundleError with a stable code.
 */
export function openEnvelope(text: string, anchor: TrustAnchor, now?: number): SignedEnvelope {
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
  if (!isObject(raw.scope))
    throw new BundleError("bundle_malformed", "the envelope names no scope (region, chain, registries)");
  const signedScope = raw.scope as unknown as EnvelopeScope;
  let recovered: string;
  try {
    recovered = recoverSigner(digest(signedScope, payload), raw.signature);
  } catch (e) {
    throw new BundleError("bundle_bad_signature", `bundle signature does not verify: ${(e as Error).message}`);
  }
  if (recovered !== raw.signer.toLowerCase())
    throw new BundleError("bundle_bad_signature", "bundle signature does not match its signer (tampered?)");
  const scope = checkScope(raw, payload, anchor);
  const byAuthority = anchor.authorities.some((a) => a.toLowerCase() === recovered);
  const delegation = byAuthority ? undefined : checkDelegation(raw.delegation, recovered, payload, scope, anchor, now);
  return { scope, payload, signer: recovered, signature: raw.signature, ...(delegation ? { delegation } : {}) };
}

/**
 * The chain's word on a delegated signer, from the bundle it signed: the region's authority must
 * have registered it in TrustRegistry (so that a removal can reach checkpoints), and not removed it.
 */
function checkSignerOnChain(bundle: TrustBundle, delegation: BundleDelegation): void {
  const signers = own(bundle.regions, delegation.region)?.bundleSigners;
  const entry = signers ? own(signers, delegation.signer) : undefined;
  if (!entry)
    throw new BundleError(
      "bundle_untrusted_signer",
      `bundle signer ${delegation.signer} is not registered on chain for ${delegation.region}`,
    );
  if (entry.removed)
    throw new BundleError(
      "bundle_signer_removed",
      `bundle signer ${delegation.signer} was removed on chain by ${delegation.region}'s authority`,
    );
}

/** Every bundle signer the bundle shows removed: a checkpoint refuses them from then on. */
function removedSigners(bundle: TrustBundle): string[] {
  const out: string[] = [];
  for (const region of Object.values(bundle.regions)) {
    for (const [address, s] of Object.entries(region.bundleSigners ?? {})) if (s.removed) out.push(address);
  }
  return out;
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
      if (bits.length * 8 !== list.size)
        throw new Error(`list ${id}: ${bits.length * 8} entries, expected ${list.size}`);
      lists[id] = { ...list, set: statusSetFromBitstring(bits, list.size) };
    }
    const bundle = { ...structuredClone(rest), statusLists: lists } as TrustBundle;
    // A bundle from before key method numbering (no didMethods) is refused: a full sync rebuilds it.
    for (const key of [
      "regions",
      "credentialTypes",
      "issuers",
      "keys",
      "owners",
      "didMethods",
      "recognition",
    ] as const) {
      if (!isObject(bundle[key])) throw new Error(`${key} missing`);
    }
    if (!Number.isSafeInteger(bundle.block?.number) || !Number.isSafeInteger(bundle.block?.timestamp))
      throw new Error("block missing");
    return bundle;
  } catch (e) {
    if (e instanceof BundleError) throw e;
    throw new BundleError("bundle_malformed", `bundle is malformed: ${(e as Error).message}`);
  }
}

/** A new bundle: `bundle` with a delta applied. The delta must start where the bundle ends. */
export function applyDelta(bundle: TrustBundle, delta: BundleDelta): TrustBundle {
  if (delta.kind !== "delta" || delta.chainId !== bundle.chainId)
    throw new BundleError("bundle_wrong_chain", "delta is for another chain");
  if (delta.from.number !== bundle.block.number || delta.from.hash !== bundle.block.hash) {
    throw new BundleError(
      "delta_base_mismatch",
      `delta starts at block ${delta.from.number}, the bundle is at ${bundle.block.number}`,
    );
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
  /**
   * Bundle signers an accepted bundle showed removed: a stolen key may sign a bundle that hides
   * its own removal, so once the checkpoint has seen it, that key is refused for good.
   */
  readonly removedSigners?: readonly string[];
}

/** Refuses a bundle older than one already accepted (rollback to hide a revocation). */
export function acceptBundle(bundle: TrustBundle, state: CheckpointState | undefined): CheckpointState {
  if (state && bundle.block.number < state.highestBlock) {
    throw new BundleError(
      "bundle_rollback",
      `bundle is at block ${bundle.block.number}, older than the accepted ${state.highestBlock}`,
    );
  }
  const removed = [...new Set([...(state?.removedSigners ?? []), ...removedSigners(bundle)])].sort();
  return {
    ...state,
    highestBlock: Math.max(bundle.block.number, state?.highestBlock ?? 0),
    ...(removed.length > 0 ? { removedSigners: removed } : {}),
  };
}

/**
 * A signed bundle file or download as the bundle it carries: strict JSON, a signature by one of
 * the anchor's authorities, the anchor's chain and scope, a bundle (not a delta). Throws
 * BundleError. (No rollback check: `loadSignedBundle` adds that for a checkpoint.)
 */
export function openSignedBundle(text: string, anchor: TrustAnchor): TrustBundle {
  return openBundle(text, anchor).bundle;
}

function openBundle(text: string, anchor: TrustAnchor): { envelope: SignedEnvelope; bundle: TrustBundle } {
  const envelope = openEnvelope(text, anchor);
  if (envelope.payload.kind !== "bundle") throw new BundleError("bundle_malformed", "expected a bundle, got a delta");
  const bundle = deserializeBundle(envelope.payload);
  if (envelope.delegation) checkSignerOnChain(bundle, envelope.delegation.payload);
  return { envelope, bundle };
}

/**
 * What a checkpoint does with a bundle file or download: check its signature and scope against
 * the anchor — or, once it follows a rotated authority, against that one only — decode it, and
 * refuse a rollback. A trusted bundle whose own chain record names another authority for its
 * region moves the checkpoint to that authority: from then on the old key is refused
 * (`bundle_untrusted_signer`). A bundle signed by a bundle signer needs the authority's
 * unexpired delegation (by `now`, the checkpoint's clock, when given), the signer registered on
 * chain and not removed, and no earlier bundle showing it removed. Returns the bundle and the
 * state to remember.
 */
export function loadSignedBundle(
  text: string,
  anchor: TrustAnchor,
  previous: CheckpointState | undefined,
  now?: number,
): { bundle: TrustBundle; state: CheckpointState } {
  const trusted = previous?.authority !== undefined ? { ...anchor, authorities: [previous.authority] } : anchor;
  const envelope = openEnvelope(text, trusted, now);
  if (envelope.payload.kind !== "bundle") throw new BundleError("bundle_malformed", "expected a bundle, got a delta");
  if (previous?.removedSigners?.includes(envelope.signer)) {
    throw new BundleError(
      "bundle_signer_removed",
      `bundle signer ${envelope.signer} was removed on chain (seen in an earlier bundle)`,
    );
  }
  const bundle = deserializeBundle(envelope.payload);
  if (envelope.delegation) checkSignerOnChain(bundle, envelope.delegation.payload);
  const recorded = own(bundle.regions, envelope.scope.region)?.authority;
  if (!recorded)
    throw new BundleError("bundle_wrong_scope", `the bundle has no region ${envelope.scope.region.slice(0, 20)}`);
  const state = acceptBundle(bundle, previous);
  return { bundle, state: { ...state, authority: recorded.toLowerCase() } };
}
