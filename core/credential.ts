import { createJWS, ES256Signer, type Signer } from "did-jwt";
import type { JsonValue } from "./json.ts";
import { validateSchema } from "./schema.ts";
import { CodedError } from "./errors.ts";
import type { StatusPurpose } from "./ledger-events.ts";
import { jwtSigner, softwareSigner, type KeySigner } from "./signer.ts";
import { lowS } from "./crypto.ts";
import { base64urlDecode, base64urlEncode } from "./encoding.ts";

/** Header `typ` of each token kind: explicit, so one kind is never accepted as another (RFC 8725 §3.11). */
export const TYP = { credential: "vc+jwt", presentation: "vp+jwt" } as const;

/**
 * The `sub` of a credential printed on paper (issue 22 item 11): `urn:laissez:paper:` and a
 * UUID the issuer draws. It names no key, so no phone can present the credential, and it is
 * signed, so a phone credential (whose sub is its holder's key) cannot pass as paper.
 */
export const PAPER_SUBJECT_PREFIX = "urn:laissez:paper:";
const PAPER_SUBJECT = /^urn:laissez:paper:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isPaperSubject = (sub: unknown): boolean => typeof sub === "string" && PAPER_SUBJECT.test(sub);
/**
 * The data model (VC 1.1, what did-jwt-vc checks) and the status vocabulary of its generation,
 * W3C CCG Status List 2021: one consistent pair. (Bitstring Status List is VC 2.0's, and VC 2.0's
 * context would break did-jwt-vc; see docs/decisions.md.)
 */
export const VC_CONTEXT = "https://www.w3.org/2018/credentials/v1";
export const STATUS_LIST_CONTEXT = "https://w3id.org/vc/status-list/2021/v1";
/** `credentialStatus` entry, status list credential and list subject types of Status List 2021. */
export const STATUS_LIST_TYPES = { entry: "StatusList2021Entry", credential: "StatusList2021Credential", list: "StatusList2021" } as const;

/** Where a credential's status lives: a list on chain (by id) and the index in it. */
export interface StatusReference {
  /** URL of the list's StatusList2021Credential: `<issuer service>/status/<chainId>/<listId>`. */
  readonly listUrl: string;
  readonly index: number;
}

/** A Status List 2021 entry (`StatusList2021Entry`). */
export interface StatusEntry {
  readonly id: string;
  readonly type: typeof STATUS_LIST_TYPES.entry;
  readonly statusPurpose: StatusPurpose;
  readonly statusListIndex: string;
  readonly statusListCredential: string;
}

export function statusListUrl(base: string, chainId: number, listId: number): string {
  return `${base.replace(/\/+$/, "")}/status/${chainId}/${listId}`;
}

const STATUS_URL = /\/status\/(\d{1,12})\/(\d{1,12})$/;

/** The chain and list a statusListCredential URL names, or null. */
export function parseStatusListUrl(url: string): { chainId: number; listId: number } | null {
  const m = STATUS_URL.exec(url);
  return m ? { chainId: Number(m[1]), listId: Number(m[2]) } : null;
}

/** An issuer's signing key: a did-jwt signer over its KeySigner, plus the `kid` verifiers look it up by. */
export interface IssuerSigningKey {
  readonly did: string;
  readonly kid: string;
  readonly alg: "ES256K" | "EdDSA";
  readonly signer: Signer;
}

/** The issuer key of `did` whose signatures `signer` makes (software, native, an HSM or a KMS). */
export function issuerKey(did: string, keyId: string, signer: KeySigner): IssuerSigningKey {
  return { did, kid: `${did}#${keyId}`, alg: signer.alg, signer: jwtSigner(signer) };
}

/** Software signers' shorthands (tests, the demo). */
export const es256kIssuerKey = (did: string, keyId: string, privateKey: Uint8Array): IssuerSigningKey => issuerKey(did, keyId, softwareSigner("ES256K", privateKey));
export const ed25519IssuerKey = (did: string, keyId: string, privateKey: Uint8Array): IssuerSigningKey => issuerKey(did, keyId, softwareSigner("EdDSA", privateKey));

export interface IssueCredentialParameters {
  readonly key: IssuerSigningKey;
  /** Holder DID (did:key or did:jwk, P-256): the credential's `sub`. */
  readonly holder: string;
  readonly credentialType: string;
  readonly claims: Record<string, JsonValue>;
  /** The type's JSON Schema: claims are checked against it before anything is signed. */
  readonly schema: JsonValue;
  readonly status: { readonly revocation: StatusReference; readonly suspension: StatusReference };
  /** Unique id, e.g. urn:uuid:… (the `jti`). */
  readonly id: string;
  /** Unix seconds. */
  readonly issuedAt: number;
  readonly validUntil: number;
}

export class IssueError extends CodedError<"schema_invalid" | "invalid_request"> {
  readonly problems: readonly string[];
  constructor(code: "schema_invalid" | "invalid_request", message: string, problems: readonly string[] = []) {
    super(code, message);
    this.problems = problems;
  }
}

function statusEntry(purpose: StatusPurpose, ref: StatusReference): StatusEntry {
  return {
    id: `${ref.listUrl}#${ref.index}`,
    type: STATUS_LIST_TYPES.entry,
    statusPurpose: purpose,
    statusListIndex: String(ref.index),
    statusListCredential: ref.listUrl,
  };
}

/** Signs a jwt_vc credential (W3C VC, `vc` claim form) for a holder. Writes nothing anywhere. */
export async function issueCredential(p: IssueCredentialParameters): Promise<string> {
  const problems = validateSchema(p.schema, p.claims);
  if (problems.length > 0) throw new IssueError("schema_invalid", `claims do not match the ${p.credentialType} schema`, problems);
  if ("id" in p.claims) throw new IssueError("invalid_request", "claims must not carry id: the subject is the holder DID");
  if (!(p.validUntil > p.issuedAt)) throw new IssueError("invalid_request", "validUntil must be after issuedAt");
  const payload = {
    iss: p.key.did,
    sub: p.holder,
    jti: p.id,
    iat: p.issuedAt,
    nbf: p.issuedAt,
    exp: p.validUntil,
    vc: {
      "@context": [VC_CONTEXT, STATUS_LIST_CONTEXT],
      type: ["VerifiableCredential", p.credentialType],
      credentialSubject: p.claims,
      credentialStatus: [statusEntry("revocation", p.status.revocation), statusEntry("suspension", p.status.suspension)],
    },
  };
  // did-jwt types `typ` as "JWT" only; the header is ours to set.
  return createJWS(payload, p.key.signer, { alg: p.key.alg, typ: TYP.credential as "JWT", kid: p.key.kid });
}

export interface PresentParameters {
  readonly credential: string;
  readonly holder: string;
  /** The holder's P-256 private key (or any did-jwt ES256 signer: a WebCrypto key in the browser). */
  readonly signer: Signer;
  readonly issuedAt: number;
  /** Bound to a checkpoint's challenge; omit both for a static (one-way QR) presentation. */
  readonly audience?: string;
  readonly nonce?: string;
}

/** A VP JWT carrying one credential, signed by the holder key (ES256). */
/**
 * The `aud` of a static presentation: the region whose checkpoints it is for. A static QR has
 * no checkpoint challenge, so this is what stops it being shown in another region.
 */
export const regionAudience = (region: string): string => `urn:laissez:region:${region}`;

export async function presentCredential(p: PresentParameters): Promise<string> {
  const payload: Record<string, JsonValue> = {
    iss: p.holder,
    iat: p.issuedAt,
    vp: { "@context": [VC_CONTEXT], type: ["VerifiablePresentation"], verifiableCredential: [p.credential] },
  };
  if (p.audience !== undefined) payload.aud = p.audience;
  if (p.nonce !== undefined) payload.nonce = p.nonce;
  return createJWS(payload, p.signer, { alg: "ES256", typ: TYP.presentation as "JWT" });
}

export function holderSigner(privateKey: Uint8Array): Signer {
  const sign = ES256Signer(privateKey);
  // did-jwt's P-256 signer picks either s at random; verifiers accept only the low one.
  return async (data) => base64urlEncode(lowS("ES256", base64urlDecode(String(await sign(data)), "signature")));
}
