import { isOpenAt, type AccreditationWindow, type IssuerEntry, type IssuerKey, type TrustBundle } from "./bundle.ts";
import { secp256k1Address, signatureShapeProblem, type JwsAlg } from "./crypto.ts";
import type {
  CredentialContent,
  CredentialDecoder,
  CredentialTimes,
  DecodedCredential,
  StatusClaim,
} from "./decoded-credential.ts";
import { parseEthrDid } from "./did.ts";
import { base64urlDecode } from "./encoding.ts";
import { isObject, type JsonValue } from "./json.ts";
import { own } from "./own.ts";
import { validateSchema } from "./schema.ts";
import { hasStatus } from "./status-set.ts";
import { MIN_STATUS_LIST_SIZE } from "./status-list.ts";
import {
  DEFAULT_SKEW,
  isProblem,
  type Problem,
  type Run,
  type Verdict,
  type VerifyCredentialParameters,
} from "./verdict.ts";

/** What a credential that passed every check tells the verdict. */
export interface CredentialFacts {
  issuer: Verdict["issuer"];
  credentialType: string;
  credentialId: string;
  holder: string;
  validUntil: number;
  claims: Record<string, JsonValue>;
  format: NonNullable<Verdict["format"]>;
  /** Selective disclosure: digests not disclosed (withheld claims or decoys). */
  withheld?: number;
}

/** The signed bytes and the key that must have signed them. */
export interface SignedBytes {
  readonly signingInput: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * The checks of one credential, in order; stops at the first failure (the checks that ran
 * are the verdict's record): the clock, then the format's decoder, then the shared trust checks.
 */
export function checkCredential(
  run: Run,
  p: VerifyCredentialParameters,
  token: string,
  decode: CredentialDecoder,
): CredentialFacts | undefined {
  const skew = p.skew ?? DEFAULT_SKEW;
  if (p.now < p.bundle.block.timestamp - skew) {
    run.fail(
      "clock",
      "clock_before_bundle",
      `device clock ${p.now} is before the bundle's block time ${p.bundle.block.timestamp}: set the clock`,
    );
    return undefined;
  }
  run.pass("clock", `device clock not before the bundle (skew ${skew} s)`);
  const decoded = decode(run, token);
  return decoded && checkTrust(run, p, decoded);
}

/**
 * The trust checks every credential format shares. Revocation is checked before freshness: a
 * revoked bit never clears, so even a stale bundle may say "revoked"; a suspension may have
 * been lifted, so a stale bundle cannot say "suspended".
 */
export function checkTrust(run: Run, p: VerifyCredentialParameters, c: DecodedCredential): CredentialFacts | undefined {
  const signer = checkIssuerKey(run, p, c);
  if (!signer) return undefined;
  const { issuer, windows, address } = signer;
  if (!c.times) return void run.fail("validity", "missing_time_claims", "iat and exp are required");
  if (!checkIssuance(run, p, c.times, windows, issuer)) return undefined;
  const content = c.content;
  if (isProblem(content)) return void run.fail("credential", content.reason, content.detail);
  const typeEntry = checkTypeAndAccreditation(run, p, content, c.times, issuer);
  if (!typeEntry) return undefined;
  if (!checkValidity(run, p, c.times, content.credentialType, typeEntry.maxValidity as number)) return undefined;
  if (typeEntry.schema === null)
    return void run.fail("schema", "schema_unavailable", `the bundle has no schema for ${content.credentialType}`);
  // Selective disclosure: a withheld claim is not missing, so `required` cannot apply to what is shown.
  const partial = content.withheld !== undefined;
  const problems = validateSchema(partial ? withoutRequired(typeEntry.schema) : typeEntry.schema, content.claims);
  if (problems.length > 0) return void run.fail("schema", "schema_invalid", problems.slice(0, 3).join("; "));
  run.pass(
    "schema",
    `claims valid against the ${content.credentialType} schema${partial ? ` (${Object.keys(content.claims).length} disclosed, ${content.withheld} undisclosed digests)` : ""}`,
  );
  if (!checkStatus(run, p, content.status, address, typeEntry.maxStatusAge)) return undefined;
  return {
    issuer: { did: c.issuer, name: issuer.name, region: issuer.region },
    credentialType: content.credentialType,
    credentialId: content.id,
    holder: content.holder,
    validUntil: c.times.validUntil,
    claims: content.claims,
    format: c.format,
    ...(content.withheld === undefined ? {} : { withheld: content.withheld }),
  };
}

/** A type's schema without its top-level `required`: for the disclosed part of a credential. */
function withoutRequired(schema: JsonValue): JsonValue {
  if (!isObject(schema)) return schema;
  const { required: _required, ...rest } = schema;
  return rest;
}

/**
 * Issuer, key and signature: the kid names a verification method of the issuer's DID as
 * ethr-did-resolver numbers them (`#delegate-N`, at any version of the document), that method's
 * key must make the signature, and the key's type pins the algorithm.
 */
function checkIssuerKey(
  run: Run,
  p: VerifyCredentialParameters,
  c: DecodedCredential,
): { issuer: IssuerEntry; windows: IssuerKey[]; address: string } | undefined {
  const { bundle } = p;
  const ethr = parseEthrDid(c.issuer);
  const issuer = ethr && ethr.chainId === bundle.chainId ? own(bundle.issuers, ethr.address) : undefined;
  if (!ethr || !issuer)
    return void run.fail(
      "issuer",
      "unknown_issuer",
      `issuer ${c.issuer.slice(0, 80)} is not registered on chain ${bundle.chainId}`,
    );
  run.pass("issuer", `${issuer.name} (${issuer.region})`);
  const hash = c.kid.indexOf("#");
  if (hash < 0 || c.kid.slice(0, hash) !== c.issuer)
    return void run.fail("key", "kid_mismatch", `kid ${c.kid.slice(0, 80)} does not belong to the issuer`);
  const keys = own(bundle.keys, ethr.address) ?? [];
  const method = c.kid.slice(hash + 1);
  const named = keys.find((k) => k.methods.includes(method));
  if (!named)
    return void run.fail(
      "key",
      "unknown_key",
      `kid names no verification method of the issuer: ${method.slice(0, 60)}`,
    );
  // Every window of the key counts (a key rotated out and re-added has two).
  const windows = keys.filter((k) => k.id === named.id);
  const key = named;
  if ((c.alg === "ES256K") !== (key.kind === "secp256k1-address"))
    return void run.fail("key", "alg_key_mismatch", `alg ${c.alg} cannot be used with a ${key.kind} key`);
  run.pass("key", `${key.kind} key ${key.id}`);
  if (!checkSignature(run, p, c, c.alg, key)) return undefined;
  return { issuer, windows, address: ethr.address };
}

/** The key was valid when the credential was issued, and the issuer is active now. */
function checkIssuance(
  run: Run,
  p: VerifyCredentialParameters,
  times: CredentialTimes,
  windows: readonly IssuerKey[],
  issuer: IssuerEntry,
): boolean {
  const iat = times.issuedAt;
  const key = windows[0] as IssuerKey;
  if (windows.some((k) => k.revoked))
    return run.fail(
      "key_validity",
      "key_revoked",
      `key ${key.id} is recorded as compromised: nothing it signed is accepted`,
    );
  const window = windows.find((k) => isOpenAt(k, iat));
  if (!window) {
    return run.fail(
      "key_validity",
      "key_not_valid_at_issuance",
      `key ${key.id} was not valid at iat ${iat} (${windows.length} window${windows.length > 1 ? "s" : ""})`,
    );
  }
  run.pass(
    "key_validity",
    `key valid at issuance (${iat})${window.validUntil !== null && window.validUntil <= p.now ? `; retired at ${window.validUntil}` : ""}`,
  );
  if (issuer.status !== "active")
    return run.fail(
      "issuer_status",
      issuer.status === "suspended" ? "issuer_suspended" : "issuer_removed",
      `issuer is ${issuer.status}`,
    );
  run.pass("issuer_status", "active");
  return true;
}

/** The type is registered, the issuer was accredited for it at issuance, and this region recognizes it. */
function checkTypeAndAccreditation(
  run: Run,
  p: VerifyCredentialParameters,
  content: CredentialContent,
  times: CredentialTimes,
  issuer: IssuerEntry,
): TrustBundle["credentialTypes"][string] | undefined {
  const type = content.credentialType;
  const typeEntry = own(p.bundle.credentialTypes, type);
  if (!typeEntry)
    return void run.fail("credential", "unknown_type", `credential type ${type.slice(0, 40)} is not registered`);
  if (typeof typeEntry.maxValidity !== "number")
    return void run.fail(
      "credential",
      "type_policy_missing",
      `credential type ${type} has no policy (maximum validity) on chain`,
    );
  run.pass("credential", `${type} ${content.id}`);
  if (!checkAccreditation(run, own(issuer.accreditations, type) ?? [], type, times.issuedAt)) return undefined;
  if (issuer.region !== p.region && !(own(own(p.bundle.recognition, p.region), issuer.region) ?? []).includes(type)) {
    return void run.fail(
      "recognition",
      "region_not_recognized",
      `${p.region} does not recognize ${type} from ${issuer.region}`,
    );
  }
  run.pass(
    "recognition",
    issuer.region === p.region ? "issued in this region" : `${p.region} recognizes ${type} from ${issuer.region}`,
  );
  return typeEntry;
}

/**
 * The accreditation window holding iat, from the whole history: a renewal never turns earlier
 * honest credentials away; a window withdrawn for cause turns away all it covered.
 */
function checkAccreditation(
  run: Run,
  history: readonly AccreditationWindow[],
  credentialType: string,
  iat: number,
): boolean {
  const windows = history.filter((w) => w.validFrom < w.validUntil);
  if (windows.length === 0)
    return run.fail("accreditation", "issuer_not_accredited", `issuer is not accredited for ${credentialType}`);
  const at = windows.find((w) => isOpenAt(w, iat));
  if (at?.end === "withdrawn") {
    return run.fail(
      "accreditation",
      "accreditation_withdrawn",
      `the accreditation for ${credentialType} in force at issuance [${at.validFrom}, ${at.validUntil}) was withdrawn for cause`,
    );
  }
  if (!at) {
    const first = Math.min(...windows.map((w) => w.validFrom));
    return iat < first
      ? run.fail(
          "accreditation",
          "accreditation_not_yet_valid",
          `accreditation for ${credentialType} starts at ${first}, after issuance`,
        )
      : run.fail(
          "accreditation",
          "accreditation_expired",
          `no accreditation for ${credentialType} was in force at issuance (${iat})`,
        );
  }
  run.pass(
    "accreditation",
    `accredited for ${credentialType} at issuance (window [${at.validFrom}, ${at.validUntil}), ${at.end})`,
  );
  return true;
}

/** nbf/iat ≤ now ≤ exp, each with the stated skew, and no longer than the type allows. */
function checkValidity(
  run: Run,
  p: VerifyCredentialParameters,
  times: CredentialTimes,
  type: string,
  maxValidity: number,
): boolean {
  const skew = p.skew ?? DEFAULT_SKEW;
  if (p.now + skew < times.validFrom || p.now + skew < times.issuedAt)
    return run.fail("validity", "not_yet_valid", `valid from ${times.validFrom}`);
  if (p.now - skew >= times.validUntil) return run.fail("validity", "expired", `expired at ${times.validUntil}`);
  // The issuer's iat is its word: a credential may never outlive iat + the type's bound.
  const span = times.validUntil - Math.min(times.issuedAt, times.validFrom);
  if (span > maxValidity)
    return run.fail(
      "validity",
      "validity_exceeds_type_maximum",
      `valid for ${span} s; ${type} allows at most ${maxValidity} s`,
    );
  run.pass("validity", `valid until ${times.validUntil} (skew ${skew} s)`);
  return true;
}

/**
 * Verifies a signature with an issuer key from the bundle or a holder's public key. Shape
 * first (length, range, low s), then the curve: a secp256k1 address key is recovered once per
 * address and cached.
 */
export function checkSignature(
  run: Run,
  p: VerifyCredentialParameters,
  signed: SignedBytes,
  alg: JwsAlg,
  key: IssuerKey | { publicKey: Uint8Array },
): boolean {
  const shape = signatureShapeProblem(alg, signed.signature);
  if (shape)
    return run.fail(
      "signature",
      shape === "high_s" ? "signature_malleable" : "signature_malformed",
      `signature rejected before verification: ${shape}`,
    );
  const ok =
    "kind" in key && key.kind === "secp256k1-address"
      ? verifyByAddress(p, signed, alg, key.address as string)
      : p.verifier.verify(alg, publicKeyOf(p, key), signed.signingInput, signed.signature);
  if (!ok) return run.fail("signature", "bad_signature", `${alg} signature does not verify`);
  run.pass("signature", `${alg} signature verified (${p.verifier.name})`);
  return true;
}

function verifyByAddress(p: VerifyCredentialParameters, signed: SignedBytes, alg: JwsAlg, address: string): boolean {
  const cached = p.keyCache?.get(address);
  if (cached) return p.verifier.verify(alg, cached, signed.signingInput, signed.signature);
  for (const recovery of [0, 1] as const) {
    const pub = p.verifier.recoverSecp256k1(signed.signingInput, signed.signature, recovery);
    if (pub && secp256k1Address(pub) === address) {
      p.keyCache?.set(address, pub);
      return true;
    }
  }
  return false;
}

function publicKeyOf(p: VerifyCredentialParameters, key: IssuerKey | { publicKey: Uint8Array }): Uint8Array {
  if (!("kind" in key)) return key.publicKey;
  const cacheKey = `${key.kind}:${key.publicKey as string}`;
  const pub = p.keyCache?.get(cacheKey) ?? base64urlDecode(key.publicKey as string, "publicKey");
  p.keyCache?.set(cacheKey, pub);
  return pub;
}

/** Every status claim against the bundle's lists; fails closed without a revocation entry. */
export function checkStatus(
  run: Run,
  p: VerifyCredentialParameters,
  claims: readonly (StatusClaim | Problem)[],
  issuer: string,
  maxAge: number,
): boolean {
  const purposes = new Set<string>();
  let suspended = false;
  for (const claim of claims) {
    if (isProblem(claim)) return run.fail("status", claim.reason, claim.detail);
    const { purpose } = claim;
    const list =
      claim.list && claim.list.chainId === p.bundle.chainId
        ? own(p.bundle.statusLists, String(claim.list.listId))
        : undefined;
    if (!list)
      return run.fail(
        "status",
        "status_list_unknown",
        `status list ${claim.listUrl.slice(0, 100)} is not in the bundle`,
      );
    if (list.issuer !== issuer)
      return run.fail("status", "status_list_wrong_issuer", "status list belongs to another issuer");
    if (list.purpose !== purpose)
      return run.fail("status", "status_purpose_mismatch", `list is a ${list.purpose} list, entry says ${purpose}`);
    if (list.size < MIN_STATUS_LIST_SIZE)
      return run.fail("status", "status_list_too_short", `list has ${list.size} entries`);
    const index = /^(0|[1-9]\d{0,9})$/.test(claim.index) ? Number(claim.index) : NaN;
    if (!(index < list.size))
      return run.fail("status", "status_index_out_of_range", `index ${claim.index.slice(0, 20)} outside the list`);
    purposes.add(purpose);
    if (hasStatus(list.set, index)) {
      if (purpose === "revocation")
        return run.fail("status", "revoked", `revoked (as of block ${p.bundle.block.number})`);
      suspended = true;
    }
  }
  if (!purposes.has("revocation"))
    return run.fail("status", "status_missing", "credential has no revocation status entry");
  const age = Math.max(0, p.now - p.bundle.block.timestamp);
  if (age > maxAge)
    return run.fail(
      "freshness",
      "status_stale",
      `status data is ${age} s old; this type allows ${maxAge} s: sync the bundle`,
    );
  if (suspended) return run.fail("status", "suspended", `suspended (as of block ${p.bundle.block.number})`);
  run.pass(
    "status",
    `not revoked${purposes.has("suspension") ? ", not suspended" : ""} as of block ${p.bundle.block.number}`,
  );
  run.pass("freshness", `status data ${age} s old (limit ${maxAge} s)`);
  return true;
}
