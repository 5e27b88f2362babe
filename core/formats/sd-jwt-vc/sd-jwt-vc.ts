import { p256 } from "@noble/curves/nist.js";
import { createJWS, type Signer } from "did-jwt";
import type { IssueCredentialParameters } from "../../credential.ts";
import { IssueError } from "../../credential.ts";
import { holderPublicKey, p256DidKey } from "../../did.ts";
import { base64urlDecode, base64urlEncode } from "../../encoding.ts";
import { isObject, type JsonValue } from "../../json.ts";
import { validateSchema } from "../../schema.ts";
import {
  encodeDisclosure,
  joinSdJwt,
  newSalt,
  SD_ALG,
  sdDigests,
  sdHash,
  splitSdJwt,
  decodeDisclosure,
  type Disclosure,
} from "./sd-jwt.ts";

/**
 * SD-JWT VC (draft-ietf-oauth-sd-jwt-vc) as Laissez issues it: header `typ: dc+sd-jwt`, `vct` =
 * the credential type, `iss` = the agency's did:ethr, `cnf.jwk` = the holder's P-256 key,
 * `iat`/`nbf`/`exp`, `jti`, and `status.status_list {idx, uri}` = the revocation list and index
 * the jwt_vc form names (one bit on chain for both forms), plus `status.suspension_list` (same
 * shape) for the suspension list. Every subject claim is selectively disclosable, with 128-bit
 * salts; decoys pad `_sd` to the number of properties the type's schema allows, so the digest
 * count says nothing about which optional claims a citizen has.
 */
export const SD_TYP = { credential: "dc+sd-jwt", keyBinding: "kb+jwt" } as const;

/** Claims the SD-JWT VC draft forbids disclosing selectively (and that we read from the signed payload). */
export const REGISTERED_CLAIMS = new Set([
  "iss",
  "sub",
  "iat",
  "nbf",
  "exp",
  "jti",
  "vct",
  "vct#integrity",
  "cnf",
  "status",
  "_sd_alg",
]);

export type IssueSdJwtVcParameters = IssueCredentialParameters & {
  /** Random bytes (salts, decoys): WebCrypto by default; fixed in test vectors. */
  readonly random?: (n: number) => Uint8Array;
};

/** The P-256 JWK of a holder DID (did:key / did:jwk), for `cnf`. */
export function holderJwk(holder: string): { kty: "EC"; crv: "P-256"; x: string; y: string } | null {
  const pub = holderPublicKey(holder);
  if (!pub) return null;
  return { kty: "EC", crv: "P-256", x: base64urlEncode(pub.subarray(1, 33)), y: base64urlEncode(pub.subarray(33, 65)) };
}

/** The holder DID (did:key, compressed) of a `cnf.jwk`, or null when it is not a public P-256 key on the curve. */
export function jwkHolder(cnf: JsonValue | undefined): { did: string; publicKey: Uint8Array } | null {
  const jwk = isObject(cnf) ? cnf.jwk : undefined;
  if (
    !isObject(jwk) ||
    jwk.kty !== "EC" ||
    jwk.crv !== "P-256" ||
    typeof jwk.x !== "string" ||
    typeof jwk.y !== "string" ||
    "d" in jwk
  )
    return null;
  try {
    const x = base64urlDecode(jwk.x, "x");
    const y = base64urlDecode(jwk.y, "y");
    if (x.length !== 32 || y.length !== 32) return null;
    const publicKey = p256.Point.fromBytes(Uint8Array.from([4, ...x, ...y])).toBytes(false);
    return { did: p256DidKey(publicKey), publicKey };
  } catch {
    return null;
  }
}

const schemaPropertyCount = (schema: JsonValue): number =>
  isObject(schema) && isObject(schema.properties) ? Object.keys(schema.properties).length : 0;

/** Signs an SD-JWT VC with every disclosure: `<issuer JWT>~<d1>~…~<dn>~` (the holder chooses later). */
export async function issueSdJwtVc(p: IssueSdJwtVcParameters): Promise<string> {
  const problems = validateSchema(p.schema, p.claims);
  if (problems.length > 0)
    throw new IssueError("schema_invalid", `claims do not match the ${p.credentialType} schema`, problems);
  for (const name of Object.keys(p.claims))
    if (REGISTERED_CLAIMS.has(name) || name === "id")
      throw new IssueError("invalid_request", `claim ${name} is reserved`);
  if (!(p.validUntil > p.issuedAt)) throw new IssueError("invalid_request", "validUntil must be after issuedAt");
  const jwk = holderJwk(p.holder);
  if (!jwk) throw new IssueError("invalid_request", "holder must be a P-256 did:key or did:jwk");
  const disclosures: Disclosure[] = Object.entries(p.claims).map(([name, value]) =>
    encodeDisclosure(newSalt(p.random), name, value),
  );
  const payload = {
    iss: p.key.did,
    jti: p.id,
    iat: p.issuedAt,
    nbf: p.issuedAt,
    exp: p.validUntil,
    vct: p.credentialType,
    cnf: { jwk },
    status: {
      status_list: { idx: p.status.revocation.index, uri: p.status.revocation.listUrl },
      suspension_list: { idx: p.status.suspension.index, uri: p.status.suspension.listUrl },
    },
    _sd: sdDigests(disclosures, Math.max(disclosures.length, schemaPropertyCount(p.schema)), p.random),
    _sd_alg: SD_ALG,
  };
  const jwt = await createJWS(payload, p.key.signer, {
    alg: p.key.alg,
    typ: SD_TYP.credential as "JWT",
    kid: p.key.kid,
  });
  return joinSdJwt(
    jwt,
    disclosures.map((d) => d.encoded),
  );
}

/** The claims an issued SD-JWT VC can disclose, by name, with their values (what a wallet shows). */
export function disclosableClaims(sdJwt: string): { name: string; value: JsonValue; encoded: string }[] {
  const { disclosures } = splitSdJwt(sdJwt);
  return disclosures
    .map(decodeDisclosure)
    .flatMap((d) => (d.name === undefined ? [] : [{ name: d.name, value: d.value, encoded: d.encoded }]));
}

export interface PresentSdJwtParameters {
  /** The SD-JWT VC as issued (all disclosures). */
  readonly credential: string;
  /** Names of the claims to disclose; every other one is withheld. */
  readonly disclose: readonly string[];
  /** The holder's ES256 signer (the key in `cnf`). */
  readonly signer: Signer;
  readonly issuedAt: number;
  /** Bound to a checkpoint's challenge; omit both for a static (one-way QR) presentation. */
  readonly audience?: string;
  readonly nonce?: string;
}

/**
 * A presentation: the issuer JWT, the chosen disclosures, and a KB-JWT (`typ: kb+jwt`, ES256 by
 * the `cnf` key) with `iat`, `sd_hash` and, when bound to a challenge, `aud` and `nonce`.
 */
export async function presentSdJwtVc(p: PresentSdJwtParameters): Promise<string> {
  const { issuerJwt } = splitSdJwt(p.credential);
  const wanted = new Set(p.disclose);
  const chosen = disclosableClaims(p.credential).filter((c) => wanted.has(c.name));
  const missing = [...wanted].filter((n) => !chosen.some((c) => c.name === n));
  if (missing.length)
    throw new IssueError("invalid_request", `the credential has no claim ${missing.join(", ").slice(0, 80)}`);
  const presented = joinSdJwt(
    issuerJwt,
    chosen.map((c) => c.encoded),
  );
  const payload: Record<string, JsonValue> = { iat: p.issuedAt };
  if (p.audience !== undefined) payload.aud = p.audience;
  if (p.nonce !== undefined) payload.nonce = p.nonce;
  payload.sd_hash = sdHash(presented);
  return presented + (await createJWS(payload, p.signer, { alg: "ES256", typ: SD_TYP.keyBinding as "JWT" }));
}
