import { createJWS, type Signer } from "did-jwt";
import type { SignatureVerifier } from "./crypto.ts";
import { holderDidProblem, holderPublicKey } from "./did.ts";
import { decodeJwt } from "./jwt.ts";

/** OpenID4VCI §8.2.1.1: the `typ` of a proof of possession of the holder key. */
export const PROOF_TYP = "openid4vci-proof+jwt";

/** The wallet's side: a proof JWT for `audience` (the credential issuer) and its `nonce` (c_nonce). */
export function createHolderProof(p: {
  holder: string;
  signer: Signer;
  audience: string;
  nonce: string;
  issuedAt: number;
}): Promise<string> {
  return createJWS({ aud: p.audience, nonce: p.nonce, iat: p.issuedAt }, p.signer, {
    alg: "ES256",
    typ: PROOF_TYP as "JWT",
    kid: `${p.holder}#0`,
  });
}

export type HolderProofResult = { ok: true; holder: string } | { ok: false; reason: string };

/**
 * The issuer's side: checks the proof's typ, alg (ES256), holder key (from the kid's
 * did:key / did:jwk), signature, audience, nonce and age. Returns the proven holder DID.
 */
export function verifyHolderProof(
  jwt: string,
  p: { audience: string; nonce: string; now: number; verifier: SignatureVerifier; maxAge?: number },
): HolderProofResult {
  let decoded;
  try {
    decoded = decodeJwt(jwt);
  } catch {
    return { ok: false, reason: "malformed_proof" };
  }
  const { header, payload, signature, signingInput } = decoded;
  if (header.typ !== PROOF_TYP) return { ok: false, reason: "wrong_typ" };
  if (header.alg !== "ES256") return { ok: false, reason: "unsupported_alg" };
  const holder = typeof header.kid === "string" ? header.kid.split("#")[0] : undefined;
  const key = holder ? holderPublicKey(holder) : null;
  if (!holder || !key) return { ok: false, reason: (holder && holderDidProblem(holder)) || "holder_did_unsupported" };
  if (!p.verifier.verify("ES256", key, signingInput, signature)) return { ok: false, reason: "bad_signature" };
  if (payload.aud !== p.audience) return { ok: false, reason: "wrong_audience" };
  if (payload.nonce !== p.nonce) return { ok: false, reason: "wrong_nonce" };
  const iat = typeof payload.iat === "number" ? payload.iat : NaN;
  if (!(Math.abs(p.now - iat) <= (p.maxAge ?? 300))) return { ok: false, reason: "proof_expired" };
  return { ok: true, holder };
}
