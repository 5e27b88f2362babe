import { Interface, keccak256, Transaction } from "ethers";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  base64urlDecode,
  FORMAT_NAMES,
  FORMATS,
  type KeySigner,
  probeText,
  type SignedContentKind,
} from "../../core/index.ts";
import { ServiceError } from "../errors.ts";
import type { KeyConfig, Purpose, SignerConfig } from "./config.ts";

/** What a signing request carries: the input (an ES256K digest, an EdDSA message) and what it is over. */
export interface SigningRequest {
  readonly input: Uint8Array;
  readonly kind: SignedContentKind;
  readonly preimage?: Uint8Array | undefined;
}

/** What the signer signed, for its log: the purpose it was allowed under. */
export interface Allowed {
  readonly purpose: Purpose | "probe";
  /** What it was: a JWT's typ, an envelope's kind, a transaction's function. */
  readonly what: string;
}

const refuse = (message: string): never => {
  throw new ServiceError("forbidden", message);
};

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

const jsonObject = (bytes: Uint8Array, what: string): Record<string, unknown> => {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return refuse(`the ${what} is not a JSON object`);
  return value as Record<string, unknown>;
};

/** The message behind the input: for ES256K the preimage, whose digest must be the input; for EdDSA the input itself. */
function messageOf(key: KeySigner, r: SigningRequest): Uint8Array {
  if (key.alg === "EdDSA") return r.input;
  if (!r.preimage) return refuse("an ES256K signing request carries the preimage of its digest");
  const digest = r.kind === "transaction" ? Buffer.from(keccak256(r.preimage).slice(2), "hex") : sha256(r.preimage);
  if (!equalBytes(digest, r.input)) refuse(`the input is not the digest of the ${r.kind} sent with it`);
  return r.preimage;
}

/** Every format's issuer-signed JWT `typ` (core's table). */
const CREDENTIAL_TYPS: ReadonlySet<string> = new Set(FORMAT_NAMES.map((f) => FORMATS[f].credentialTyp));

/** A credential (or status-list) JWT's signing input: the header and payload this key's issuer signs. */
function checkJwt(key: KeySigner, k: KeyConfig, message: Uint8Array): string {
  const parts = new TextDecoder().decode(message).split(".");
  if (parts.length !== 2) return refuse("a JWT signing input is header.payload");
  const decode = (part: string, what: string) => {
    try {
      return jsonObject(base64urlDecode(part), what);
    } catch (e) {
      if (e instanceof ServiceError) throw e;
      return refuse(`the JWT ${what} is not base64url`);
    }
  };
  const header = decode(parts[0]!, "header");
  const payload = decode(parts[1]!, "payload");
  if (header.alg !== key.alg || typeof header.typ !== "string" || !CREDENTIAL_TYPS.has(header.typ))
    refuse(`a credential key signs ${[...CREDENTIAL_TYPS].join(" or ")} JWTs with alg ${key.alg}`);
  if (typeof payload.iss !== "string" || (k.issuer !== undefined && payload.iss !== k.issuer))
    refuse(`this key signs for ${k.issuer ?? "an issuer"}, not ${String(payload.iss)}`);
  const vcShaped = typeof payload.vc === "object" && payload.vc !== null && !Array.isArray(payload.vc);
  if (!vcShaped && typeof payload.vct !== "string") refuse("the JWT is not a credential (neither vc nor vct)");
  return header.typ as string;
}

function checkRegionDocument(k: KeyConfig, message: Uint8Array, kind: "envelope" | "delegation"): string {
  const doc = jsonObject(message, kind);
  const scope = (kind === "envelope" ? doc.scope : doc) as Record<string, unknown> | undefined;
  const what = kind === "envelope" ? (doc.payload as Record<string, unknown> | undefined)?.kind : doc.kind;
  const expected = kind === "envelope" ? ["bundle", "delta"] : ["bundle-delegation"];
  if (typeof what !== "string" || !expected.includes(what)) refuse(`not a ${kind}`);
  if (k.region !== undefined && scope?.region !== k.region)
    refuse(`this key signs for region ${k.region}, not ${String(scope?.region)}`);
  return what as string;
}

const STATUS_REGISTRY = new Interface([
  "function createList(address issuer, uint8 purpose, uint32 size)",
  "function updateStatus(uint256 listId, uint256[] wordIndices, uint256[] masks, bool set)",
  "function anchorAudit(address issuer, uint64 count, bytes32 head)",
]);
const DID_REGISTRY = new Interface([
  "function addDelegate(address identity, bytes32 delegateType, address delegate, uint256 validity)",
  "function revokeDelegate(address identity, bytes32 delegateType, address delegate)",
  "function setAttribute(address identity, bytes32 name, bytes value, uint256 validity)",
  "function revokeAttribute(address identity, bytes32 name, bytes value)",
  "function changeOwner(address identity, address newOwner)",
]);
const TRUST_REGISTRY = new Interface(["function setStatusWriter(address issuer, address writer)"]);

/** The call's function when `iface` knows its selector and its first address argument (if any) is `agency`. */
function callOf(iface: Interface, data: string, agency: string | undefined, agencyArg: boolean): string | undefined {
  let call;
  try {
    call = iface.parseTransaction({ data });
  } catch {
    return undefined;
  }
  if (!call) return undefined;
  // updateStatus names a list, not an issuer: the StatusRegistry itself refuses a writer on another agency's list.
  if (agencyArg && call.fragment.inputs[0]?.type === "address" && String(call.args[0]).toLowerCase() !== agency)
    return undefined;
  return call.name;
}

/** A transaction, read: its chain, its destination and its function, against each transaction purpose of the key. */
function checkTransaction(k: KeyConfig, c: SignerConfig, message: Uint8Array): { purpose: Purpose; what: string } {
  let tx: Transaction;
  try {
    tx = Transaction.from(`0x${Buffer.from(message).toString("hex")}`);
  } catch {
    return refuse("the preimage is not an unsigned transaction");
  }
  if (tx.signature) refuse("the preimage is a signed transaction");
  const to = tx.to?.toLowerCase();
  if (to === undefined) return refuse("this signer does not sign contract creations");
  if (c.contracts && tx.chainId !== BigInt(c.contracts.chainId))
    refuse(`the transaction is for chain ${tx.chainId}, the signer's is ${c.contracts.chainId}`);
  for (const purpose of k.purposes) {
    let what: string | undefined;
    if (purpose === "status-writer" && to === c.contracts?.statusRegistry)
      what = callOf(STATUS_REGISTRY, tx.data, k.agency, true);
    if (purpose === "identity-owner" && to === c.contracts?.didRegistry)
      what = callOf(DID_REGISTRY, tx.data, k.agency, true);
    if (purpose === "identity-owner" && to === c.contracts?.trustRegistry)
      what = callOf(TRUST_REGISTRY, tx.data, k.agency, true);
    if (purpose === "transaction" && k.to?.includes(to)) what = `call ${tx.data.slice(0, 10)}`;
    if (what) return { purpose, what };
  }
  return refuse(
    `this key (${k.purposes.join(", ")}) may not sign a transaction to ${to} calling ${tx.data.slice(0, 10)}`,
  );
}

/**
 * Whether `key` may sign this request under its purposes, read from what it signs: the digest is
 * recomputed from the preimage, then the JWT, envelope, delegation or transaction is parsed and
 * checked. Throws ServiceError `forbidden` (or `invalid_request` for a malformed request).
 */
export function allowSigning(key: KeySigner, k: KeyConfig, c: SignerConfig, r: SigningRequest): Allowed {
  if (key.alg === "ES256K" && r.input.length !== 32)
    throw new ServiceError("invalid_request", "an ES256K input is a 32-byte digest");
  if (r.kind === "probe") {
    if (!equalBytes(r.input, sha256(probeText(key.publicKey)))) refuse("not this key's probe");
    return { purpose: "probe", what: "probe" };
  }
  const message = messageOf(key, r);
  const has = (p: Purpose): boolean =>
    k.purposes.includes(p) || refuse(`this key's purposes are ${k.purposes.join(", ")}: it does not sign a ${r.kind}`);
  switch (r.kind) {
    case "jwt":
      has("credential");
      return { purpose: "credential", what: checkJwt(key, k, message) };
    case "envelope":
      has("bundle");
      return { purpose: "bundle", what: checkRegionDocument(k, message, "envelope") };
    case "delegation":
      has("delegation");
      return { purpose: "delegation", what: checkRegionDocument(k, message, "delegation") };
    case "transaction":
      return checkTransaction(k, c, message);
  }
}
