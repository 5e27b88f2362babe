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

/** secp256k1 group order and its half: ES256K signatures must have 0 < r, s and s ≤ n/2 (no malleable twin). */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function scalar(bytes: Uint8Array, from: number): bigint {
  let n = 0n;
  for (let i = from; i < from + 32; i++) n = (n << 8n) | BigInt(bytes[i] as number);
  return n;
}

export type SignatureShapeProblem = "wrong_length" | "zero_scalar" | "scalar_out_of_range" | "high_s";

/**
 * Checks the shape of a signature before any curve arithmetic: length, r and s in range,
 * and for ES256K low s (did-jwt accepts the high-s twin; we do not, so one credential has
 * one signature).
 */
export function signatureShapeProblem(alg: JwsAlg, signature: Uint8Array): SignatureShapeProblem | null {
  if (signature.length !== 64) return "wrong_length";
  if (alg === "EdDSA") return null;
  const n = alg === "ES256K" ? SECP256K1_N : P256_N;
  const r = scalar(signature, 0);
  const s = scalar(signature, 32);
  if (r === 0n || s === 0n) return "zero_scalar";
  if (r >= n || s >= n) return "scalar_out_of_range";
  if (alg === "ES256K" && s > SECP256K1_N >> 1n) return "high_s";
  return null;
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
      return secp256k1.Signature.fromBytes(signature, "compact").addRecoveryBit(recovery).recoverPublicKey(sha256(data)).toBytes(false);
    } catch {
      return null;
    }
  },
};
