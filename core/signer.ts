import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { Signer as JwtSigner } from "did-jwt";
import { secp256k1Address } from "./crypto.ts";
import { CodedError } from "./errors.ts";
import { base64urlEncode, bytesToHex, utf8 } from "./encoding.ts";

export type KeySignerAlg = "ES256K" | "EdDSA";

/**
 * The one way this project signs (issue 14): a key behind one function, as did-jwt's signers
 * are, so a key may live in an HSM, a cloud KMS or another process. Credentials, bundles,
 * delegations and chain transactions all sign through it; the software signer below (and
 * the native one in services/crypto) are implementations, and the only code that sees a
 * private key.
 *
 * `sign(input)`: for ES256K `input` is a 32-byte digest (what HSMs and KMSs sign: SHA-256 for
 * JWTs and bundles, Keccak-256 for transactions) and the result is r‖s‖v, 65 bytes, low s,
 * v ∈ {0, 1}; for EdDSA `input` is the message and the result the 64-byte signature.
 */
export interface KeySigner {
  readonly alg: KeySignerAlg;
  /** secp256k1: SEC1 uncompressed (65 bytes); Ed25519: 32 bytes. */
  readonly publicKey: Uint8Array;
  readonly sign: (input: Uint8Array, content?: SignedContent) => Promise<Uint8Array>;
}

/**
 * What a signature is over, beside the digest (issue 22): a signer that enforces a key's
 * purpose (`laissez signer serve`) recomputes the digest from `preimage` and reads it — a
 * credential key signs JWTs, never a transaction. Software signers ignore it.
 * `preimage`: the JWT signing input, the canonical JSON of an envelope or a delegation, the
 * unsigned serialized transaction, or the probe's text.
 */
export interface SignedContent {
  readonly kind: SignedContentKind;
  readonly preimage: Uint8Array;
}
export const SIGNED_CONTENT_KINDS = ["jwt", "envelope", "delegation", "transaction", "probe"] as const;
export type SignedContentKind = (typeof SIGNED_CONTENT_KINDS)[number];

/** The text a probe signs: fixed per key, so a probe can never be anything else. */
export const probeText = (publicKey: Uint8Array): Uint8Array => utf8(`laissez signer probe ${bytesToHex(publicKey)}`);

/** A signer that does not answer, or misbehaves (wrong length, a signature by another key): nothing is signed. */
export class SignerError extends CodedError<"signer_unavailable"> {
  constructor(message: string, options?: ErrorOptions) {
    super("signer_unavailable", message, options);
  }
}

/** The software signer: the private key lives in this process's memory (noble; runs in the browser too). */
export function softwareSigner(alg: KeySignerAlg, privateKey: Uint8Array): KeySigner {
  // An Ed25519 key may come as seed‖public key (64 bytes, as did-jwt takes it): the seed signs.
  const key = Uint8Array.from(alg === "EdDSA" ? privateKey.subarray(0, 32) : privateKey);
  if (alg === "EdDSA")
    return { alg, publicKey: ed25519.getPublicKey(key), sign: async (message) => ed25519.sign(message, key) };
  return {
    alg,
    publicKey: secp256k1.getPublicKey(key, false),
    sign: async (digest) => rsvFromRecovered(secp256k1.sign(digest, key, { prehash: false, format: "recovered" })),
  };
}

/** noble's "recovered" form (v‖r‖s) and the signer's r‖s‖v, both ways. */
export const recoveredFromRsv = (rsv: Uint8Array): Uint8Array => Uint8Array.from([rsv[64]!, ...rsv.subarray(0, 64)]);
export const rsvFromRecovered = (vrs: Uint8Array): Uint8Array => Uint8Array.from([...vrs.subarray(1, 65), vrs[0]!]);

/** The 0x address (lowercase) of a secp256k1 signer. */
export function signerAddress(signer: KeySigner): string {
  if (signer.alg !== "ES256K") throw new TypeError(`a ${signer.alg} key has no address`);
  return secp256k1Address(signer.publicKey);
}

/**
 * A digest signed by a secp256k1 signer, checked before use: 65 bytes, recovering to the
 * signer's own key (a faulty or substituted HSM is caught here, not by every verifier later).
 */
export async function signDigest(
  signer: KeySigner,
  digest: Uint8Array,
  content?: SignedContent,
): Promise<{ signer: string; signature: Uint8Array }> {
  if (signer.alg !== "ES256K") throw new TypeError(`signDigest needs an ES256K signer, not ${signer.alg}`);
  const address = signerAddress(signer);
  const signature = await signer.sign(digest, content);
  let recovered: string | undefined;
  try {
    if (signature.length === 65 && signature[64]! <= 1)
      recovered = secp256k1Address(secp256k1.recoverPublicKey(recoveredFromRsv(signature), digest, { prehash: false }));
  } catch {
    recovered = undefined;
  }
  if (recovered !== address)
    throw new SignerError(`the signer for ${address} returned a signature that does not recover to it`);
  return { signer: address, signature };
}

/** did-jwt's signer shape over a KeySigner: ES256K signs SHA-256 of the signing input (r‖s), EdDSA the input itself. */
export function jwtSigner(signer: KeySigner): JwtSigner {
  return async (data) => {
    const bytes = typeof data === "string" ? utf8(data) : data;
    const content: SignedContent = { kind: "jwt", preimage: bytes };
    if (signer.alg === "EdDSA") return base64urlEncode(await signer.sign(bytes, content));
    const signature = await signer.sign(sha256(bytes), content);
    if (signature.length !== 65)
      throw new SignerError(`the ES256K signer returned ${signature.length} bytes, expected 65`);
    return base64urlEncode(signature.subarray(0, 64));
  };
}

/**
 * Checks a signer once before a service relies on it: it answers, and its signature verifies
 * under the public key it claims (an HSM misconfigured with another key fails at start, not in
 * every credential).
 */
export async function probeSigner(signer: KeySigner): Promise<void> {
  const text = probeText(signer.publicKey);
  const probe = sha256(text);
  if (signer.alg === "ES256K") {
    await signDigest(signer, probe, { kind: "probe", preimage: text });
    return;
  }
  const signature = await signer.sign(probe, { kind: "probe", preimage: probe });
  if (!(signature.length === 64 && ed25519.verify(signature, probe, signer.publicKey)))
    throw new SignerError("the Ed25519 signer's signature does not verify under its public key");
}
