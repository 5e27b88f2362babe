import { p256 } from "@noble/curves/nist.js";
import type { Signer } from "did-jwt";
import { base64urlDecode, holderSigner, p256DidKey } from "../core/index.ts";

/**
 * The citizen's key: P-256, what phones keep in secure hardware. `sign` is all the wallet
 * needs; a software key (CLI, tests) also exposes its secret for the encrypted file store,
 * while the browser's WebCrypto key never does.
 */
export interface HolderKey {
  readonly did: string;
  readonly sign: Signer;
}

export interface SoftwareHolderKey extends HolderKey {
  readonly secret: Uint8Array;
}

export function holderKeyFromSecret(secret: Uint8Array): SoftwareHolderKey {
  return { did: p256DidKey(p256.getPublicKey(secret, false)), sign: holderSigner(secret), secret };
}

export function createHolderKey(): SoftwareHolderKey {
  return holderKeyFromSecret(p256.utils.randomSecretKey());
}

/** The key of one copy of a batch-issued credential (the CLI keeps its secret with the copy). */
export function copyKey(copy: { readonly holderSecret?: string }): SoftwareHolderKey {
  if (copy.holderSecret === undefined)
    throw new TypeError(
      "this copy's key is not kept with it (a web wallet's copy: its key is a WebCrypto pair in IndexedDB)",
    );
  return holderKeyFromSecret(base64urlDecode(copy.holderSecret));
}
