import { createPrivateKey, createPublicKey, sign } from "node:crypto";
import { createRequire } from "node:module";
import type { KeySigner, KeySignerAlg } from "../../core/index.ts";

const secp256k1 = createRequire(import.meta.url)("secp256k1/bindings") as {
  ecdsaSign(msg32: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  publicKeyCreate(privateKey: Uint8Array, compressed: boolean): Uint8Array;
};

/**
 * The software KeySigner the services use, backed by native code for the issuer's throughput:
 * libsecp256k1 for ES256K digests (RFC 6979 deterministic, low s: the same payload always
 * gives the same JWT, which idempotent re-issuance relies on) and OpenSSL for Ed25519
 * (deterministic by definition). The private key stays inside this closure.
 */
export function nativeSigner(alg: KeySignerAlg, privateKey: Uint8Array): KeySigner {
  if (alg === "EdDSA") {
    // PKCS#8 wrapper for a raw 32-byte Ed25519 seed.
    const der = Buffer.concat([
      Buffer.from("302e020100300506032b657004220420", "hex"),
      Buffer.from(privateKey.subarray(0, 32)),
    ]);
    const key = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
    const publicKey = new Uint8Array(createPublicKey(key).export({ format: "der", type: "spki" }).subarray(-32));
    return { alg, publicKey, sign: async (message) => new Uint8Array(sign(null, message, key)) };
  }
  const key = Uint8Array.from(privateKey);
  const publicKey = Uint8Array.from(secp256k1.publicKeyCreate(key, false));
  return {
    alg,
    publicKey,
    sign: async (digest) => {
      const { signature, recid } = secp256k1.ecdsaSign(digest, key);
      const out = new Uint8Array(65);
      out.set(signature, 0);
      out[64] = recid;
      return out;
    },
  };
}

/** A software signer from a 0x-hex private key (what a `LAISSEZ_*_KEY` variable holds). */
export const nativeSignerFromHex = (alg: KeySignerAlg, hex: string): KeySigner =>
  nativeSigner(alg, Buffer.from(hex.replace(/^0x/, ""), "hex"));
