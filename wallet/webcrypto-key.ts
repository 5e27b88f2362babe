import { base64urlEncode, lowS, p256DidKey, utf8 } from "../core/index.ts";
import type { HolderKey } from "./holder.ts";

const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;

/**
 * A new holder key pair in WebCrypto, kept in IndexedDB as a key object. Extractable, so that the
 * holder can move the wallet to a new phone: the wallet's export reads it only to seal it under
 * the holder's passphrase (wallet/transfer.ts; the trade-off in docs/decisions.md, "Moving the
 * web wallet"). Pairs made before that are non-extractable and still sign.
 */
export function generateWebCryptoKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ECDSA_P256, true, ["sign", "verify"]);
}

/** The wallet's HolderKey over a WebCrypto pair: did:key from the public half, ES256 signatures (r‖s, low s, as JWS wants). */
export async function webCryptoHolderKey(pair: CryptoKeyPair): Promise<HolderKey> {
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return {
    did: p256DidKey(publicKey),
    sign: async (data: string | Uint8Array) => {
      const bytes = typeof data === "string" ? utf8(data) : data;
      const signature = await crypto.subtle.sign(
        { name: "ECDSA", hash: "SHA-256" },
        pair.privateKey,
        bytes as Uint8Array<ArrayBuffer>,
      );
      // WebCrypto picks either s at random; verifiers accept only the low one (one token, one signature).
      return base64urlEncode(lowS("ES256", new Uint8Array(signature)));
    },
  };
}
