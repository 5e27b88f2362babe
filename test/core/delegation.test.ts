import { secp256k1 } from "@noble/curves/secp256k1.js";
import { describe, expect, it } from "vitest";
import { applyEvents, emptyBundle, type TrustBundle } from "../../core/bundle.ts";
import {
  bundleScope,
  loadSignedBundle,
  openEnvelope,
  serializeBundle,
  signDelegation,
  signEnvelope,
  type BundleDelta,
  type CheckpointState,
  type SignedDelegation,
} from "../../core/bundle-codec.ts";
import { secp256k1Address } from "../../core/crypto.ts";
import { softwareSigner } from "../../core/signer.ts";
import type { LedgerEvent } from "../../core/ledger-events.ts";

/**
 * The bundle trust chain, offline (issue 14): pinned region authority → its signed delegation
 * (with expiry) → the bundle signer → the bundle; the chain's list of bundle signers (carried
 * in the bundle) can withdraw a signer, and a checkpoint remembers the withdrawal.
 */
const keyOf = (seed: number): Uint8Array => {
  const k = new Uint8Array(32);
  k[31] = seed;
  k[0] = 0x11;
  return k;
};
const address = (k: Uint8Array): string => secp256k1Address(secp256k1.getPublicKey(k, false));
const AUTHORITY = keyOf(1);
const SIGNER = keyOf(2);
const SECOND_SIGNER = keyOf(3);
const THIEF = keyOf(4);
const CHAIN = 31337;
const anchor = { chainId: CHAIN, authorities: [address(AUTHORITY)] };
const T0 = 1_800_000_000;
const contracts = {
  trustRegistry: "0x" + "1".repeat(40),
  statusRegistry: "0x" + "2".repeat(40),
  didRegistry: "0x" + "3".repeat(40),
};

let seq = 0;
const trust = (e: Record<string, unknown>): LedgerEvent => ({ source: "trust", seq: ++seq, ...e }) as LedgerEvent;

/** A CN-SH bundle at block `n` whose chain lists `signers` (address → removed?). */
function bundleAt(n: number, signers: Record<string, boolean>): TrustBundle {
  seq = 0;
  const events = [
    trust({ kind: "RegionAdded", region: "CN-SH", authority: address(AUTHORITY) }),
    ...Object.keys(signers).map((s) =>
      trust({ kind: "BundleSignerAdded", region: "CN-SH", signer: s, validFrom: 0, validUntil: T0 * 2 }),
    ),
    ...Object.entries(signers)
      .filter(([, removed]) => removed)
      .map(([s]) => trust({ kind: "BundleSignerRemoved", region: "CN-SH", signer: s })),
  ];
  return applyEvents(emptyBundle(CHAIN, contracts, { number: 0, hash: "", timestamp: 0 }), events, {
    number: n,
    hash: `0x${n.toString(16).padStart(64, "0")}`,
    timestamp: T0 + n,
  });
}

const sw = (k: Uint8Array) => softwareSigner("ES256K", k);
const delegate = (
  signer: Uint8Array,
  by = AUTHORITY,
  o: Partial<{ validFrom: number; validUntil: number; chainId: number; region: string }> = {},
): Promise<SignedDelegation> =>
  signDelegation(
    {
      chainId: o.chainId ?? CHAIN,
      region: o.region ?? "CN-SH",
      signer: address(signer),
      validFrom: o.validFrom ?? T0 - 100,
      validUntil: o.validUntil ?? T0 + 1000,
    },
    sw(by),
  );

const signed = async (bundle: TrustBundle, key: Uint8Array, delegation?: SignedDelegation): Promise<string> =>
  JSON.stringify(await signEnvelope(serializeBundle(bundle), sw(key), bundleScope(bundle, "CN-SH"), delegation));

const code = async (f: () => unknown): Promise<string | undefined> => {
  try {
    await f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return "accepted";
};

describe("bundle trust chain: authority → delegation → bundle signer → bundle", () => {
  const registered = { [address(SIGNER)]: false, [address(SECOND_SIGNER)]: false };

  it("accepts a bundle the authority signed itself, and one its registered, delegated signer signed", async () => {
    expect(
      await code(async () =>
        loadSignedBundle(await signed(bundleAt(10, registered), AUTHORITY), anchor, undefined, T0),
      ),
    ).toBe("accepted");
    const { bundle } = loadSignedBundle(
      await signed(bundleAt(10, registered), SIGNER, await delegate(SIGNER)),
      anchor,
      undefined,
      T0 + 10,
    );
    expect(bundle.regions["CN-SH"]?.bundleSigners?.[address(SIGNER)]).toEqual({
      validFrom: 0,
      validUntil: T0 * 2,
      removed: false,
    });
  });

  it("refuses a signer without a delegation, and one that delegated to itself (a stolen key cannot authorize itself)", async () => {
    expect(
      await code(async () => loadSignedBundle(await signed(bundleAt(10, registered), SIGNER), anchor, undefined, T0)),
    ).toBe("bundle_untrusted_signer");
    expect(
      await code(async () =>
        loadSignedBundle(
          await signed(bundleAt(10, registered), THIEF, await delegate(THIEF, THIEF)),
          anchor,
          undefined,
          T0,
        ),
      ),
    ).toBe("bundle_delegation_invalid");
    // A signer's delegation does not stretch to another key, chain or a tampered window.
    const forOther = JSON.parse(await signed(bundleAt(10, registered), THIEF, await delegate(THIEF))) as Record<
      string,
      unknown
    >;
    forOther.delegation = await delegate(SIGNER);
    expect(await code(async () => loadSignedBundle(JSON.stringify(forOther), anchor, undefined, T0))).toBe(
      "bundle_delegation_invalid",
    );
    expect(
      await code(async () =>
        loadSignedBundle(
          await signed(bundleAt(10, registered), SIGNER, await delegate(SIGNER, AUTHORITY, { chainId: 1 })),
          anchor,
          undefined,
          T0,
        ),
      ),
    ).toBe("bundle_delegation_invalid");
    const stretched = JSON.parse(await signed(bundleAt(10, registered), SIGNER, await delegate(SIGNER))) as {
      delegation: { payload: { validUntil: number } };
    };
    stretched.delegation.payload.validUntil = T0 * 3;
    expect(await code(async () => loadSignedBundle(JSON.stringify(stretched), anchor, undefined, T0))).toBe(
      "bundle_delegation_invalid",
    );
  });

  it("refuses a delegation past its expiry, by the checkpoint's clock and by the bundle's block time", async () => {
    const short = await delegate(SIGNER, AUTHORITY, { validUntil: T0 + 50 });
    expect(
      await code(async () =>
        loadSignedBundle(await signed(bundleAt(10, registered), SIGNER, short), anchor, undefined, T0 + 20),
      ),
    ).toBe("accepted");
    expect(
      await code(async () =>
        loadSignedBundle(await signed(bundleAt(10, registered), SIGNER, short), anchor, undefined, T0 + 50),
      ),
    ).toBe("bundle_delegation_expired");
    expect(
      await code(async () =>
        loadSignedBundle(await signed(bundleAt(60, registered), SIGNER, short), anchor, undefined, T0 + 20),
      ),
    ).toBe("bundle_delegation_expired");
    // Offline, without a clock, the bundle's own time still bounds it.
    expect(await code(async () => openEnvelope(await signed(bundleAt(60, registered), SIGNER, short), anchor))).toBe(
      "bundle_delegation_expired",
    );
  });

  it("refuses a signer the chain does not list, or lists as removed", async () => {
    expect(
      await code(async () =>
        loadSignedBundle(
          await signed(bundleAt(10, { [address(SECOND_SIGNER)]: false }), SIGNER, await delegate(SIGNER)),
          anchor,
          undefined,
          T0,
        ),
      ),
    ).toBe("bundle_untrusted_signer");
    expect(
      await code(async () =>
        loadSignedBundle(
          await signed(bundleAt(10, { ...registered, [address(SIGNER)]: true }), SIGNER, await delegate(SIGNER)),
          anchor,
          undefined,
          T0,
        ),
      ),
    ).toBe("bundle_signer_removed");
  });

  it("remembers a removal: once a bundle showed the signer removed, a later bundle from it that hides the removal is refused", async () => {
    const removed = { ...registered, [address(SIGNER)]: true };
    const { state } = loadSignedBundle(
      await signed(bundleAt(20, removed), SECOND_SIGNER, await delegate(SECOND_SIGNER)),
      anchor,
      { highestBlock: 10 },
      T0 + 20,
    );
    expect(state.removedSigners).toEqual([address(SIGNER)]);
    // The thief holds SIGNER's key and an unexpired delegation: it signs a newer bundle without the removal.
    const forged = await signed(bundleAt(30, registered), SIGNER, await delegate(SIGNER));
    expect(await code(async () => loadSignedBundle(forged, anchor, state, T0 + 30))).toBe("bundle_signer_removed");
    // The state survives a JSON round trip (it is kept on disk or in localStorage).
    expect(
      await code(async () =>
        loadSignedBundle(forged, anchor, JSON.parse(JSON.stringify(state)) as CheckpointState, T0 + 30),
      ),
    ).toBe("bundle_signer_removed");
    expect(
      await code(async () =>
        loadSignedBundle(
          await signed(bundleAt(30, removed), SECOND_SIGNER, await delegate(SECOND_SIGNER)),
          anchor,
          state,
          T0 + 30,
        ),
      ),
    ).toBe("accepted");
  });

  it("checks the same chain on a signed delta", async () => {
    const delta: BundleDelta = {
      kind: "delta",
      version: 1,
      chainId: CHAIN,
      from: { number: 10, hash: "0x" },
      to: { number: 11, hash: "0x", timestamp: T0 + 11 },
      events: [],
      schemas: {},
    };
    const scope = { region: "CN-SH", chainId: CHAIN, contracts };
    expect(
      openEnvelope(JSON.stringify(await signEnvelope(delta, sw(SIGNER), scope, await delegate(SIGNER))), anchor, T0)
        .signer,
    ).toBe(address(SIGNER));
    expect(
      await code(async () =>
        openEnvelope(
          JSON.stringify(await signEnvelope(delta, sw(THIEF), scope, await delegate(THIEF, THIEF))),
          anchor,
          T0,
        ),
      ),
    ).toBe("bundle_delegation_invalid");
    // A delegation for another region does not sign this region's bundles.
    expect(
      await code(async () =>
        openEnvelope(
          JSON.stringify(
            await signEnvelope(delta, sw(SIGNER), scope, await delegate(SIGNER, AUTHORITY, { region: "CN-ZJ" })),
          ),
          anchor,
          T0,
        ),
      ),
    ).toBe("bundle_delegation_invalid");
    await expect(signEnvelope(delta, sw(THIEF), scope, await delegate(SIGNER))).rejects.toThrow(/not for this key/);
  });
});
