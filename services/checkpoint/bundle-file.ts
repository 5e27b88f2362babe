import { readFileSync } from "node:fs";
import {
  type BundleDelta,
  bundleScope,
  deserializeBundle,
  type KeySigner,
  openEnvelope,
  serializeBundle,
  type SerializedBundle,
  type SignedDelegation,
  signEnvelope,
  type TrustAnchor,
  type TrustBundle,
} from "../../core/index.ts";
import { writeFileAtomic } from "../../io/files.ts";

/**
 * The one owner of a region's signed bundle files, shared by the checkpoint's keeper and
 * `laissez sync`: how a bundle (or a delta) is signed for its region, written, and read back.
 */

/** Who signs a region's bundles: the key, and the region authority's delegation to it (absent: the authority's own key). */
export interface BundleSigning {
  readonly region: string;
  readonly key: KeySigner;
  readonly delegation?: SignedDelegation | undefined;
}

/** The signed envelope of a bundle or of a delta, scoped to the region, chain and registries of `bundle`: the text served and written. */
export async function signedEnvelopeText(
  payload: SerializedBundle | BundleDelta,
  bundle: TrustBundle,
  s: BundleSigning,
): Promise<string> {
  return JSON.stringify(await signEnvelope(payload, s.key, bundleScope(bundle, s.region), s.delegation));
}

/** Signs `bundle` for the region and writes it to `path` whole or not at all; returns the envelope text. */
export async function writeSignedBundle(path: string, bundle: TrustBundle, s: BundleSigning): Promise<string> {
  const envelope = await signedEnvelopeText(serializeBundle(bundle), bundle, s);
  writeFileAtomic(path, envelope);
  return envelope;
}

/** The bundle in a signed file, opened against the anchor it must come from. Throws on a damaged or foreign file. */
export function readSignedBundle(path: string, anchor: TrustAnchor): { bundle: TrustBundle; envelope: string } {
  const envelope = readFileSync(path, "utf8");
  return { bundle: deserializeBundle(openEnvelope(envelope, anchor).payload as SerializedBundle), envelope };
}
