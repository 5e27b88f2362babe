import { randomUUID } from "node:crypto";
import {
  type CredentialFormat,
  DEFAULT_FORMAT_NAME,
  type Format,
  FORMATS,
  holderDidProblem,
  holderKeyId,
  type JsonValue,
  PAPER_SUBJECT_PREFIX,
  statusListUrl,
  validateSchema,
} from "../../core/index.ts";
import { ServiceError } from "../errors.ts";
import { chainCall } from "../chain/rpc.ts";
import { credentialTypes, type TypeInfo } from "./credential-types.ts";
import { listsOf, type IssuerContext } from "./deps.ts";
import { copyTimes } from "./copy-times.ts";
import { GroupCommit, MAX_COPIES, type CredentialRecord } from "./store.ts";

/** A credential's validity when the request names none. */
export const DEFAULT_VALID_FOR = 86_400;

/** What a credential printed on paper is issued to: a paper subject this service draws (no holder key). */
export const PAPER = { paper: true } as const;

export interface IssueTo {
  readonly type: string;
  /** A holder DID, or PAPER: the credential is printed, and says so in what is signed (issue 22 item 11). */
  readonly holder: string | typeof PAPER;
  readonly claims: Record<string, JsonValue>;
  readonly validFor: number | undefined;
  readonly idempotencyKey: string | undefined;
  readonly operator: string;
  /** jwt_vc (default), sd_jwt_vc, or both: one record, one pair of status bits either way. */
  readonly format?: CredentialFormat | "both";
  /** The offer being redeemed (its code hash, hex): recorded once under it, a retry gets the same records (store's recordForOffer). */
  readonly offer?: string;
}

export interface Issued {
  readonly id: string;
  /** The credential in the format asked for (the jwt_vc when both were). */
  readonly credential: string;
  readonly format: CredentialFormat | "both";
  /** With format "both": the SD-JWT VC of the same record. */
  readonly sdJwtVc?: string;
  readonly status: Pick<CredentialRecord, "revocation" | "suspension">;
}

/** One credential for several holder keys: a copy each. */
export type IssueCopies = Omit<IssueTo, "holder"> & { readonly holders: readonly string[] };

/** Copies of one credential issued together: the batch id names them all (status changes act on every copy). */
export interface IssuedBatch {
  readonly batch: string;
  readonly copies: readonly (Omit<Issued, "sdJwtVc" | "format"> & {
    readonly holder: string;
    readonly format: CredentialFormat;
  })[];
}

/**
 * The issuance policy, from what the chain says of the type: the type's schema, once the type is
 * known, this agency accredited for it now, the validity within the type's maximum (verifiers
 * refuse a longer one), and the claims valid against it.
 */
export function issuableSchema(
  info: TypeInfo,
  type: string,
  claims: Record<string, JsonValue>,
  validFor: number = DEFAULT_VALID_FOR,
): JsonValue {
  if (info.schema === undefined)
    throw new ServiceError("unknown_type", `credential type ${type} is not registered (or its schema is unavailable)`);
  if (!info.accredited) throw new ServiceError("not_accredited", `this agency is not accredited for ${type} now`);
  if (info.maxValidity === 0)
    throw new ServiceError("type_policy_missing", `credential type ${type} has no maximum validity on chain yet`);
  if (validFor > info.maxValidity)
    throw new ServiceError("validity_exceeds_type_maximum", `${type} may be valid for at most ${info.maxValidity} s`);
  const problems = validateSchema(info.schema, claims);
  // The message names the fields (the first three): a CLI or a desk that prints only the message still says what to fix.
  if (problems.length)
    throw new ServiceError(
      "schema_invalid",
      `claims do not match the ${type} schema: ${problems.slice(0, 3).join("; ")}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ""}`,
      problems,
    );
  return info.schema;
}

type CheckIssuable = (type: string, claims: Record<string, JsonValue>, validFor?: number) => Promise<JsonValue>;
/** The schema, and from when copies' times may be drawn (the accreditation's start). */
type CheckCopies = (
  type: string,
  claims: Record<string, JsonValue>,
  validFor?: number,
) => Promise<{ schema: JsonValue; accreditedFrom: number }>;

/**
 * The issuance use case, shared by direct issuance and offer redemption: is the type known and
 * this agency accredited for it now (asked on chain, cached briefly), do the claims match the
 * type's schema, then record (group commit) and sign.
 */
export function createIssuance(d: IssuerContext) {
  const types = credentialTypes(d);
  const checkCopies: CheckCopies = async (type, claims, validFor) => {
    const info = await chainCall(types.typeInfo(type));
    return { schema: issuableSchema(info, type, claims, validFor), accreditedFrom: info.accreditedFrom };
  };
  const checkIssuable: CheckIssuable = async (type, claims, validFor) =>
    (await checkCopies(type, claims, validFor)).schema;
  const grouped = new GroupCommit(d.store.credentials);
  return {
    typeInfo: types.typeInfo,
    listTypes: types.listTypes,
    checkIssuable,
    issueTo: (p: IssueTo) => issueTo(d, checkIssuable, grouped, p),
    issueCopies: (p: IssueCopies) => issueCopies(d, checkCopies, p),
  };
}

export type Issuance = ReturnType<typeof createIssuance>;

/**
 * Signs the record in a format. Both formats name the same lists and indices, so revoking the
 * record revokes both. jwt_vc signatures are deterministic (a replayed Idempotency-Key gives
 * the same JWT); an SD-JWT VC draws fresh salts, so a replay gives the same record with new
 * salts (the format is not part of the request hash: a replay may ask for the other format).
 */
function sign(
  d: IssuerContext,
  r: CredentialRecord,
  claims: Record<string, JsonValue>,
  schema: JsonValue,
  format: CredentialFormat,
): Promise<string> {
  return FORMATS[format].issue({
    key: d.key,
    holder: r.holder,
    credentialType: r.type,
    claims,
    schema,
    status: {
      revocation: {
        listUrl: statusListUrl(d.publicUrl, d.deployment.chainId, r.revocation.list),
        index: r.revocation.index,
      },
      suspension: {
        listUrl: statusListUrl(d.publicUrl, d.deployment.chainId, r.suspension.list),
        index: r.suspension.index,
      },
    },
    id: r.id,
    issuedAt: r.issuedAt,
    validUntil: r.validUntil,
  });
}

/** A new record for one holder: a fresh id, valid from `issuedAt` for the requested time, on the agency's lists. */
function newRecord(
  d: IssuerContext,
  p: Pick<IssueTo, "type" | "validFor">,
  holder: string,
  issuedAt: number,
  requestHash: string,
) {
  return {
    id: `urn:uuid:${randomUUID()}`,
    type: p.type,
    holder,
    issuedAt,
    validUntil: issuedAt + (p.validFor ?? DEFAULT_VALID_FOR),
    requestHash,
    lists: listsOf(d),
  };
}

/** The idempotency key an offer's records are kept under (no operator's Idempotency-Key has this form: the operator API takes ours as given, but cannot guess a code hash). */
const offerKey = (offer: string): string => `offer:${offer}`;

/**
 * A subject is a P-256 holder key in its one canonical spelling (issue 22 item 9): another
 * spelling of a key would make it several holders, and carry the stranger's JSON into `sub`.
 */
function checkHolder(did: string): void {
  const problem = holderDidProblem(did);
  if (problem === "holder_did_noncanonical")
    throw new ServiceError(
      "holder_did_noncanonical",
      "the subject is another spelling of a key's DID: give its canonical did:key or did:jwk",
    );
  if (problem) throw new ServiceError("invalid_holder", "subject must be a P-256 did:key or did:jwk");
}

/** Checks, records and signs one credential. */
async function issueTo(
  d: IssuerContext,
  checkIssuable: CheckIssuable,
  grouped: GroupCommit,
  p: IssueTo,
): Promise<Issued> {
  const paper = typeof p.holder !== "string";
  const asked = p.format ?? DEFAULT_FORMAT_NAME;
  // Paper carries a format with a paper form (the table's row says): jwt_vc's holds a compact JWS.
  if (paper && (asked === "both" || !(FORMATS[asked] as Format).paper))
    throw new ServiceError("invalid_request", "paper carries a jwt_vc: the paper form holds a compact JWS");
  // A retry with the same Idempotency-Key gets the record, and so the paper subject, drawn first.
  const holder = typeof p.holder === "string" ? p.holder : `${PAPER_SUBJECT_PREFIX}${randomUUID()}`;
  if (!paper) checkHolder(holder);
  const schema = await checkIssuable(p.type, p.claims, p.validFor);
  const requestHash = d.store.credentials.requestHash(
    p.offer
      ? { offer: p.offer }
      : { type: p.type, subject: paper ? "paper" : holder, claims: p.claims, validFor: p.validFor },
  );
  const request = newRecord(d, p, holder, d.now(), requestHash);
  const record = p.offer
    ? (await d.store.credentials.recordForOffer(offerKey(p.offer), [request], p.operator, undefined))[0]!
    : await grouped.record(request, p.idempotencyKey, p.operator);
  d.metrics.inc("laissez_credentials_issued_total", "credentials issued", { type: p.type });
  // Deterministic signatures: a replayed Idempotency-Key re-signs the stored record into the same JWT.
  const format = p.format ?? DEFAULT_FORMAT_NAME;
  // "both": the jwt_vc first, the SD-JWT VC of the same record beside it.
  const credential = await sign(d, record, p.claims, schema, format === "both" ? "jwt_vc" : format);
  const sdJwtVc = format === "both" ? { sdJwtVc: await sign(d, record, p.claims, schema, "sd_jwt_vc") } : {};
  d.metrics.inc("laissez_credentials_signed_total", "credentials signed, by format", { format });
  return {
    id: record.id,
    credential,
    format,
    ...sdJwtVc,
    status: { revocation: record.revocation, suspension: record.suspension },
  };
}

/**
 * Several copies of one credential, one per holder key (each presented once, so colluding
 * verifiers cannot link sightings by holder, id, status index or time): checked once, recorded
 * in one transaction under one batch id, each copy with its own id, random indices and its own
 * issuance time (copy-times.ts), then signed. Revoking the batch (or any copy) acts on every copy.
 */
async function issueCopies(d: IssuerContext, checkCopies: CheckCopies, p: IssueCopies): Promise<IssuedBatch> {
  if (p.holders.length < 1 || p.holders.length > MAX_COPIES)
    throw new ServiceError("invalid_request", `a batch has 1 to ${MAX_COPIES} copies`);
  for (const h of p.holders) checkHolder(h);
  // One key is one holder, whether named by did:key or did:jwk.
  if (new Set(p.holders.map(holderKeyId)).size !== p.holders.length)
    throw new ServiceError("invalid_request", "each copy needs its own holder key: the subjects repeat");
  const { schema, accreditedFrom } = await checkCopies(p.type, p.claims, p.validFor);
  const times = copyTimes({
    now: d.now(),
    validFor: p.validFor ?? DEFAULT_VALID_FOR,
    floor: Math.max(d.keyValidSince, accreditedFrom),
    count: p.holders.length,
  });
  const requestHash = d.store.credentials.requestHash(
    p.offer ? { offer: p.offer } : { type: p.type, subjects: p.holders, claims: p.claims, validFor: p.validFor },
  );
  const batch = `urn:uuid:${randomUUID()}`;
  const requests = p.holders.map((holder, i) => newRecord(d, p, holder, times[i]!, requestHash));
  const records = p.offer
    ? await d.store.credentials.recordForOffer(offerKey(p.offer), requests, p.operator, batch)
    : await d.store.credentials.recordBatch(batch, requests, p.idempotencyKey, p.operator);
  d.metrics.inc("laissez_credentials_issued_total", "credentials issued", { type: p.type }, records.length);
  const format: CredentialFormat = p.format === undefined || p.format === "both" ? DEFAULT_FORMAT_NAME : p.format;
  const copies = await Promise.all(
    records.map(async (r) => ({
      id: r.id,
      holder: r.holder,
      credential: await sign(d, r, p.claims, schema, format),
      format,
      status: { revocation: r.revocation, suspension: r.suspension },
    })),
  );
  d.metrics.inc("laissez_credentials_signed_total", "credentials signed, by format", { format }, copies.length);
  return { batch: (await d.store.credentials.batchOf(records[0]!.id)) ?? batch, copies };
}
