/**
 * A device's pinned trust anchor: the region authority, chain id and registry addresses it
 * trusts, fixed on first use (or loaded from the region's anchor file) and kept with its
 * rollback state. The server that serves the bundle cannot change it: a page that took its
 * anchor from the server on every load accepted an attacker's bundle after one substituted
 * configuration file. Also: a bundle whose block is implausibly far ahead (more blocks than
 * seconds of chain time, or chain time ahead of the device clock) is refused before it is
 * stored, so a forged "newest" bundle cannot make every genuine one look like a rollback.
 */
import type { TrustBundle } from "./bundle.ts";
import type { CheckpointState, TrustAnchor } from "./bundle-codec.ts";
import { CodedError } from "./errors.ts";
import { isObject, parseJson } from "./json.ts";

export type AnchorErrorCode = "anchor_malformed" | "anchor_mismatch" | "bundle_implausible";
export class AnchorError extends CodedError<AnchorErrorCode> {}

export interface PinnedAnchor {
  readonly region: string;
  readonly chainId: number;
  /** Lowercase 0x addresses of the region authority's accounts. */
  readonly authorities: readonly string[];
  /** Registry addresses; null until the first bundle under this anchor names them. */
  readonly contracts: TrustBundle["contracts"] | null;
  /** Device time (unix seconds) the anchor was pinned. */
  readonly pinnedAt: number;
}

/** What a device keeps between bundles: its anchor and the newest block it accepted. */
export interface DeviceTrust {
  readonly anchor: PinnedAnchor;
  readonly highestBlock: number;
  /** Chain time of that block (0 before the first bundle). */
  readonly highestTimestamp: number;
  /** The region authority followed after a rotation the chain recorded (core/bundle-codec.ts's CheckpointState). */
  readonly authority?: string;
}

/** How far chain time may run ahead of the device clock (clock drift, a slow block). */
export const MAX_CHAIN_AHEAD_SECONDS = 900;

/** The anchor core checks envelopes against: chain, authorities, and the region and registries they are scoped to. */
export const toTrustAnchor = (a: PinnedAnchor): TrustAnchor => ({
  chainId: a.chainId,
  authorities: a.authorities,
  region: a.region,
  ...(a.contracts ? { contracts: a.contracts } : {}),
});

/** The rollback state core's loadSignedBundle takes. */
export const toCheckpointState = (t: DeviceTrust): CheckpointState => ({
  highestBlock: t.highestBlock,
  ...(t.authority ? { authority: t.authority } : {}),
});

const ADDRESS = /^0x[0-9a-f]{40}$/;

/** Region, chain and authorities equal (contracts too when both name them). */
export function sameAnchor(a: Omit<PinnedAnchor, "pinnedAt">, b: Omit<PinnedAnchor, "pinnedAt">): boolean {
  const set = (x: readonly string[]): string =>
    [...x]
      .map((s) => s.toLowerCase())
      .sort()
      .join(",");
  const contracts = !a.contracts || !b.contracts || JSON.stringify(a.contracts) === JSON.stringify(b.contracts);
  return a.region === b.region && a.chainId === b.chainId && set(a.authorities) === set(b.authorities) && contracts;
}

/**
 * Refuses a bundle that cannot be genuine for this device: registries other than the pinned
 * ones, a block number larger than its timestamp (block timestamps strictly increase, so a
 * chain cannot have more blocks than seconds), more new blocks than seconds of chain time
 * since the accepted block, or chain time ahead of the device clock.
 */
export function checkPlausible(bundle: TrustBundle, trust: DeviceTrust, now: number): void {
  const { number, timestamp } = bundle.block;
  const contracts = trust.anchor.contracts;
  if (contracts && JSON.stringify(contracts) !== JSON.stringify(bundle.contracts)) {
    throw new AnchorError("anchor_mismatch", "bundle names other registry contracts than this device's trust anchor");
  }
  if (timestamp > now + MAX_CHAIN_AHEAD_SECONDS) {
    throw new AnchorError(
      "bundle_implausible",
      `bundle's chain time is ${timestamp - now} s ahead of this device's clock`,
    );
  }
  if (number > timestamp)
    throw new AnchorError("bundle_implausible", `block ${number} cannot exist at chain time ${timestamp}`);
  if (trust.highestBlock > 0 && number - trust.highestBlock > Math.max(0, timestamp - trust.highestTimestamp)) {
    throw new AnchorError(
      "bundle_implausible",
      `block ${number} is ${number - trust.highestBlock} blocks past the accepted ${trust.highestBlock} in ${timestamp - trust.highestTimestamp} s of chain time`,
    );
  }
}

/**
 * The trust after accepting `bundle`: contracts pinned on the first bundle, the newest block
 * remembered, and the region authority the chain now records (`state` from loadSignedBundle).
 */
export function afterAccepting(bundle: TrustBundle, trust: DeviceTrust, state: CheckpointState): DeviceTrust {
  const newer = bundle.block.number >= trust.highestBlock;
  return {
    anchor: trust.anchor.contracts ? trust.anchor : { ...trust.anchor, contracts: bundle.contracts },
    highestBlock: newer ? bundle.block.number : trust.highestBlock,
    highestTimestamp: newer ? bundle.block.timestamp : trust.highestTimestamp,
    ...(state.authority ? { authority: state.authority } : {}),
  };
}

/**
 * Trust under a new anchor (the operator's step): the rollback state is kept when chain and
 * registries stay the same (a new authority key of the same region), and starts over otherwise.
 */
export function replaceAnchor(previous: DeviceTrust | undefined, anchor: PinnedAnchor): DeviceTrust {
  const sameLedger =
    previous &&
    previous.anchor.chainId === anchor.chainId &&
    (!anchor.contracts ||
      !previous.anchor.contracts ||
      JSON.stringify(anchor.contracts) === JSON.stringify(previous.anchor.contracts));
  // The operator's anchor names the authority to follow from now on.
  return sameLedger
    ? {
        anchor: { ...anchor, contracts: anchor.contracts ?? previous.anchor.contracts },
        highestBlock: previous.highestBlock,
        highestTimestamp: previous.highestTimestamp,
      }
    : { anchor, highestBlock: 0, highestTimestamp: 0 };
}

/**
 * Reads a region's anchor file (JSON, as a file or a QR code):
 * `{ "kind": "laissez-anchor", "region", "chainId", "authorities": [0x…], "contracts"?: {…} }`.
 */
export function parseAnchorFile(text: string, now: number): PinnedAnchor {
  let raw;
  try {
    raw = parseJson(text, { maxLength: 4096, maxDepth: 4 });
  } catch (e) {
    throw new AnchorError("anchor_malformed", `not JSON: ${(e as Error).message}`);
  }
  if (!isObject(raw) || raw.kind !== "laissez-anchor")
    throw new AnchorError("anchor_malformed", 'not an anchor file (kind must be "laissez-anchor")');
  const { region, chainId, authorities, contracts } = raw;
  if (typeof region !== "string" || !/^[A-Z]{2}-[A-Z0-9]{1,3}$/.test(region))
    throw new AnchorError("anchor_malformed", "region must be a code like CN-SH");
  if (typeof chainId !== "number" || !Number.isSafeInteger(chainId) || chainId <= 0)
    throw new AnchorError("anchor_malformed", "chainId must be a positive integer");
  if (
    !Array.isArray(authorities) ||
    authorities.length === 0 ||
    !authorities.every((a) => typeof a === "string" && ADDRESS.test(a.toLowerCase()))
  ) {
    throw new AnchorError("anchor_malformed", "authorities must be a non-empty list of 0x addresses");
  }
  let pinnedContracts: PinnedAnchor["contracts"] = null;
  if (contracts !== undefined) {
    const names = ["trustRegistry", "statusRegistry", "didRegistry"] as const;
    if (
      !isObject(contracts) ||
      !names.every((n) => typeof contracts[n] === "string" && ADDRESS.test((contracts[n] as string).toLowerCase()))
    ) {
      throw new AnchorError(
        "anchor_malformed",
        "contracts must name trustRegistry, statusRegistry and didRegistry addresses",
      );
    }
    pinnedContracts = {
      trustRegistry: (contracts.trustRegistry as string).toLowerCase(),
      statusRegistry: (contracts.statusRegistry as string).toLowerCase(),
      didRegistry: (contracts.didRegistry as string).toLowerCase(),
    };
  }
  return {
    region,
    chainId,
    authorities: (authorities as string[]).map((a) => a.toLowerCase()),
    contracts: pinnedContracts,
    pinnedAt: now,
  };
}
