import { ES256Signer, type Signer } from "did-jwt";
import type { JsonValue } from "./json.ts";
import { CodedError } from "./errors.ts";
import { jwtSigner, softwareSigner, type KeySigner } from "./signer.ts";
import { lowS } from "./crypto.ts";
import { base64urlDecode, base64urlEncode } from "./encoding.ts";

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
export const STATUS_LIST_TYPES = {
  entry: "StatusList2021Entry",
  credential: "StatusList2021Credential",
  list: "StatusList2021",
} as const;

/** Where a credential's status lives: a list on chain (by id) and the index in it. */
export interface StatusReference {
  /** URL of the list's StatusList2021Credential: `<issuer service>/status/<chainId>/<listId>`. */
  readonly listUrl: string;
  readonly index: number;
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
export const es256kIssuerKey = (did: string, keyId: string, privateKey: Uint8Array): IssuerSigningKey =>
  issuerKey(did, keyId, softwareSigner("ES256K", privateKey));
export const ed25519IssuerKey = (did: string, keyId: string, privateKey: Uint8Array): IssuerSigningKey =>
  issuerKey(did, keyId, softwareSigner("EdDSA", privateKey));

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

/**
 * The `aud` of a static presentation: the region whose checkpoints it is for. A static QR has
 * no checkpoint challenge, so this is what stops it being shown in another region.
 */
export const regionAudience = (region: string): string => `urn:laissez:region:${region}`;

export function holderSigner(privateKey: Uint8Array): Signer {
  const sign = ES256Signer(privateKey);
  // did-jwt's P-256 signer picks either s at random; verifiers accept only the low one.
  return async (data) => base64urlEncode(lowS("ES256", base64urlDecode(String(await sign(data)), "signature")));
}
