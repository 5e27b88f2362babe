import { createHash, createPublicKey, verify, type KeyObject } from "node:crypto";
import { createRequire } from "node:module";
import { base64urlEncode, bytesToHex, type SignatureVerifier } from "../../core/index.ts";

interface Libsecp256k1 {
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, publicKey: Uint8Array): boolean;
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array;
}

// The binding itself, not the package index: that one silently falls back to pure JS.
const secp256k1 = createRequire(import.meta.url)("secp256k1/bindings") as Libsecp256k1;

const sha256 = (data: Uint8Array): Uint8Array => createHash("sha256").update(data).digest();

/** KeyObjects by raw key: building one costs more than a verification. Bounded: issuer keys are few. */
const keyObjects = new Map<string, KeyObject>();
/** The same key array (from a verifier's key cache) skips even the hex lookup. */
const byArray = new WeakMap<Uint8Array, KeyObject>();
function keyObject(kind: "Ed25519" | "P-256", raw: Uint8Array): KeyObject {
  const known = byArray.get(raw);
  if (known) return known;
  const id = `${kind}:${bytesToHex(raw)}`;
  let key = keyObjects.get(id);
  if (!key) {
    const jwk =
      kind === "Ed25519"
        ? { kty: "OKP", crv: "Ed25519", x: base64urlEncode(raw) }
        : {
            kty: "EC",
            crv: "P-256",
            x: base64urlEncode(raw.subarray(1, 33)),
            y: base64urlEncode(raw.subarray(33, 65)),
          };
    key = createPublicKey({ key: jwk, format: "jwk" });
    if (keyObjects.size > 4096) keyObjects.clear();
    keyObjects.set(id, key);
  }
  byArray.set(raw, key);
  return key;
}

/**
 * Native verification for Node: OpenSSL (node:crypto) for Ed25519 and P-256, libsecp256k1
 * (the `secp256k1` package's prebuilt addon) for secp256k1. Same contract as nobleVerifier,
 * tested against the same vectors.
 */
export const nativeVerifier: SignatureVerifier = {
  name: "native",
  verify(alg, publicKey, data, signature) {
    try {
      switch (alg) {
        case "ES256K":
          return secp256k1.ecdsaVerify(signature, sha256(data), publicKey);
        case "EdDSA":
          return publicKey.length === 32 && verify(null, data, keyObject("Ed25519", publicKey), signature);
        case "ES256":
          return (
            publicKey.length === 65 &&
            verify("sha256", data, { key: keyObject("P-256", publicKey), dsaEncoding: "ieee-p1363" }, signature)
          );
      }
    } catch {
      return false;
    }
  },
  recoverSecp256k1(data, signature, recovery) {
    try {
      return secp256k1.ecdsaRecover(signature, recovery, sha256(data), false);
    } catch {
      return null;
    }
  },
};
