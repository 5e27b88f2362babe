import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex } from "./encoding.ts";

/** The JWS algorithms Laissez accepts, each pinned to one key type (RFC 8725 §3.1). */
export type JwsAlg = "ES256K" | "EdDSA" | "ES256";
export const JWS_ALGS: readonly JwsAlg[] = ["ES256K", "EdDSA", "ES256"];

/**
 * Signature verification, injected so Node can use native code (node:crypto, libsecp256k1)
 * and the browser noble. Inputs are raw: `signature` is r‖s (64 bytes) or an Ed25519
 * signature; `publicKey` is SEC1 (secp256k1, P-256) or 32 raw bytes (Ed25519); `data` is the
 * signed bytes (the implementation hashes them). Returns false for a bad signature; never throws for one.
 */
export interface SignatureVerifier {
  readonly name: string;
  verify(alg: JwsAlg, publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean;
  /** secp256k1 public key (65-byte uncompressed) that made `signature` over sha256(data), for a recovery id; null if none. */
  recoverSecp256k1(data: Uint8Array, signature: Uint8Array, recovery: 0 | 1): Uint8Array | null;
}

/** Group orders (big-endian bytes): ES256K and ES256 signatures need 0 < r, s < n, and s ≤ n/2 (one signature per message). */
const SECP256K1_N = hexBytes("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
const SECP256K1_HALF_N = hexBytes("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");
const P256_N = hexBytes("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
const P256_HALF_N = hexBytes("7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8");

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from({ length: hex.length / 2 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}

/** Compares the 32-byte big-endian scalar at `from` with `limit`: -1, 0 or 1. Byte-wise: no BigInt on the hot path. */
function compareScalar(sig: Uint8Array, from: number, limit: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const a = sig[from + i] as number;
    const b = limit[i] as number;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

function isZero(sig: Uint8Array, from: number): boolean {
  for (let i = from; i < from + 32; i++) if (sig[i] !== 0) return false;
  return true;
}

export type SignatureShapeProblem = "wrong_length" | "zero_scalar" | "scalar_out_of_range" | "high_s";

/**
 * Checks the shape of a signature before any curve arithmetic: length, r and s in range,
 * and low s on both curves (did-jwt accepts the high-s twin of ES256K, and P-256 verifiers
 * accept either; we do not, so one token has one signature).
 */
export function signatureShapeProblem(alg: JwsAlg, signature: Uint8Array): SignatureShapeProblem | null {
  if (signature.length !== 64) return "wrong_length";
  if (alg === "EdDSA") return null;
  const n = alg === "ES256K" ? SECP256K1_N : P256_N;
  if (isZero(signature, 0) || isZero(signature, 32)) return "zero_scalar";
  if (compareScalar(signature, 0, n) >= 0 || compareScalar(signature, 32, n) >= 0) return "scalar_out_of_range";
  if (compareScalar(signature, 32, alg === "ES256K" ? SECP256K1_HALF_N : P256_HALF_N) > 0) return "high_s";
  return null;
}

/**
 * The low-s form of an ECDSA signature (r‖s → r‖(n − s) when s > n/2): what every signer here
 * emits, since verifiers refuse the high-s twin. P-256 signers (WebCrypto, did-jwt's ES256Signer)
 * pick either half at random; EdDSA is returned unchanged.
 */
export function lowS(alg: JwsAlg, signature: Uint8Array): Uint8Array {
  if (alg === "EdDSA" || signature.length !== 64) return signature;
  const half = alg === "ES256K" ? SECP256K1_HALF_N : P256_HALF_N;
  if (compareScalar(signature, 32, half) <= 0) return signature;
  const n = BigInt(`0x${bytesToHex(alg === "ES256K" ? SECP256K1_N : P256_N)}`);
  const s = (n - BigInt(`0x${bytesToHex(signature.subarray(32))}`)).toString(16).padStart(64, "0");
  return Uint8Array.from([...signature.subarray(0, 32), ...hexBytes(s)]);
}

/** Ethereum address (0x + 40 lowercase hex) of a secp256k1 public key (33 or 65 bytes). */
export function secp256k1Address(publicKey: Uint8Array): string {
  const uncompressed = publicKey.length === 65 ? publicKey : secp256k1.Point.fromBytes(publicKey).toBytes(false);
  return `0x${bytesToHex(keccak_256(uncompressed.subarray(1)).subarray(12))}`;
}

/** Pure-JS verification with @noble/curves: runs anywhere, including the checkpoint web page. */
export const nobleVerifier: SignatureVerifier = {
  name: "noble",
  verify(alg, publicKey, data, signature) {
    try {
      switch (alg) {
        case "ES256K":
          return secp256k1.verify(signature, data, publicKey, { lowS: true });
        case "ES256":
          return p256.verify(signature, data, publicKey, { lowS: false });
        case "EdDSA":
          return ed25519.verify(signature, data, publicKey, { zip215: false });
      }
    } catch {
      return false;
    }
  },
  recoverSecp256k1(data, signature, recovery) {
    try {
      return secp256k1.Signature.fromBytes(signature, "compact")
        .addRecoveryBit(recovery)
        .recoverPublicKey(sha256(data))
        .toBytes(false);
    } catch {
      return null;
    }
  },
};
