import { createHash, createPrivateKey, sign } from "node:crypto";
import { createRequire } from "node:module";
import type { Signer } from "did-jwt";
import { base64urlEncode } from "../../core/index.ts";

const secp256k1 = createRequire(import.meta.url)("secp256k1/bindings") as {
  ecdsaSign(msg32: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
};

/**
 * did-jwt Signers backed by native code, for the issuer service's throughput: libsecp256k1
 * for ES256K (RFC 6979 deterministic, low-s: the same payload always gives the same JWT, which
 * idempotent re-issuance relies on) and OpenSSL for Ed25519 (deterministic by definition).
 */
export function nativeES256KSigner(privateKey: Uint8Array): Signer {
  const key = Uint8Array.from(privateKey);
  return async (data) => {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    return base64urlEncode(secp256k1.ecdsaSign(createHash("sha256").update(bytes).digest(), key).signature);
  };
}

export function nativeEd25519Signer(seed: Uint8Array): Signer {
  // PKCS#8 wrapper for a raw 32-byte Ed25519 seed.
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(seed.subarray(0, 32))]);
  const key = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  return async (data) => base64urlEncode(sign(null, typeof data === "string" ? Buffer.from(data, "utf8") : data, key));
}
