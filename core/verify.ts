import { isOpenAt, type AccreditationWindow, type BlockRef, type IssuerKey, type TrustBundle } from "./bundle.ts";
import { CompactError, COMPACT_PREFIX, expandPresentation } from "./compact.ts";
import { parseStatusListUrl, regionAudience, TYP } from "./credential.ts";
import { secp256k1Address, signatureShapeProblem, type JwsAlg, type SignatureVerifier } from "./crypto.ts";
import { holderPublicKey, parseEthrDid } from "./did.ts";
import { base64urlDecode } from "./encoding.ts";
import { isObject, type JsonValue } from "./json.ts";
import { decodeJwt, JwtFormatError, type DecodedJwt } from "./jwt.ts";
import { own } from "./own.ts";
import { validateSchema } from "./schema.ts";
import { getBit, MIN_STATUS_LIST_SIZE } from "./status-list.ts";

export type VerdictKind = "accept" | "reject" | "unknown";

/** One check that ran: `code` names the check; `reason` is the stable failure code when !ok. */
export interface Check {
  readonly code: string;
  readonly ok: boolean;
  readonly reason?: string;
  readonly detail: string;
}

export interface Verdict {
  readonly verdict: VerdictKind;
  /** The first failing check's reason (null on accept). */
  readonly reason: string | null;
  readonly checks: readonly Check[];
  readonly issuer?: { readonly did: string; readonly name: string; readonly region: string };
  readonly credentialType?: string;
  readonly credentialId?: string;
  readonly holder?: string;
  readonly validUntil?: number;
  /** Only the claims the credential disclosed. */
  readonly claims?: Record<string, JsonValue>;
  /**
   * How the credential was shown: bound to a checkpoint's challenge, static (a region), or on
   * paper (core/paper.ts: no holder key, `audience` empty); `audience` is what it named.
   */
  readonly presentation?: { readonly mode: "challenge" | "static" | "paper"; readonly issuedAt: number; readonly audience: string };
  readonly bundle: { readonly block: BlockRef; readonly ageSeconds: number };
}

export interface VerifyCredentialParameters {
  readonly bundle: TrustBundle;
  /** The checkpoint's region: its recognition policy applies. */
  readonly region: string;
  /** The checkpoint's clock, unix seconds. */
  readonly now: number;
  readonly verifier: SignatureVerifier;
  /** Clock skew tolerated on nbf/exp/iat, seconds (stated in every verdict's detail). */
  readonly skew?: number;
  /** Public keys recovered for address keys, so each address costs one recovery per process. */
  readonly keyCache?: Map<string, Uint8Array>;
}

export interface VerifyPresentationParameters extends VerifyCredentialParameters {
  /** The checkpoint's challenge. Without one, only a static presentation (no nonce) is accepted. */
  readonly challenge?: { readonly audience: string; readonly nonce: string };
  /** Returns false when this key was seen before (a replayed nonce). */
  readonly consumeNonce?: (key: string) => boolean;
  /** How old a presentation's iat may be: short for static QR codes. */
  readonly staticWindow?: number;
  readonly challengeWindow?: number;
}

export const DEFAULT_SKEW = 60;
export const DEFAULT_STATIC_WINDOW = 300;
export const DEFAULT_CHALLENGE_WINDOW = 120;

/** Checks that make a verdict `unknown` (cannot decide) rather than `reject`. */
const UNDECIDABLE = new Set(["clock_before_bundle", "status_stale", "schema_unavailable"]);

class Run {
  readonly checks: Check[] = [];
  failed: Check | undefined;
  pass(code: string, detail: string): void {
    this.checks.push({ code, ok: true, detail });
  }
  /** Records a failure; returns false so callers can `return run.fail(...)`. */
  fail(code: string, reason: string, detail: string): false {
    const c = { code, ok: false, reason, detail };
    this.checks.push(c);
    this.failed ??= c;
    return false;
  }
}

function bundleInfo(p: VerifyCredentialParameters): Verdict["bundle"] {
  return { block: p.bundle.block, ageSeconds: Math.max(0, p.now - p.bundle.block.timestamp) };
}

function finish(run: Run, p: VerifyCredentialParameters, extra: Partial<Verdict> = {}): Verdict {
  const f = run.failed;
  const verdict: VerdictKind = !f ? "accept" : UNDECIDABLE.has(f.reason ?? "") ? "unknown" : "reject";
  return { ...extra, verdict, reason: f?.reason ?? null, checks: run.checks, bundle: bundleInfo(p) };
}

function decode(run: Run, token: string): DecodedJwt | undefined {
  try {
    const jwt = decodeJwt(token);
    run.pass("format", "compact JWS, strict JSON");
    return jwt;
  } catch (e) {
    run.fail("format", e instanceof JwtFormatError ? e.code : "malformed_jwt", (e as Error).message);
    return undefined;
  }
}

function checkSignature(run: Run, p: VerifyCredentialParameters, jwt: DecodedJwt, alg: JwsAlg, key: IssuerKey | { publicKey: Uint8Array }): boolean {
  const shape = signatureShapeProblem(alg, jwt.signature);
  if (shape) return run.fail("signature", shape === "high_s" ? "signature_malleable" : "signature_malformed", `signature rejected before verification: ${shape}`);
  let ok: boolean;
  if ("kind" in key && key.kind === "secp256k1-address") {
    const address = key.address as string;
    const cached = p.keyCache?.get(address);
    if (cached) ok = p.verifier.verify(alg, cached, jwt.signingInput, jwt.signature);
    else {
      ok = false;
      for (const recovery of [0, 1] as const) {
        const pub = p.verifier.recoverSecp256k1(jwt.signingInput, jwt.signature, recovery);
        if (pub && secp256k1Address(pub) === address) {
          p.keyCache?.set(address, pub);
          ok = true;
          break;
        }
      }
    }
  } else {
    let pub: Uint8Array;
    if ("kind" in key) {
      const cacheKey = `${key.kind}:${key.publicKey as string}`;
      pub = p.keyCache?.get(cacheKey) ?? base64urlDecode(key.publicKey as string, "publicKey");
      p.keyCache?.set(cacheKey, pub);
    } else pub = key.publicKey;
    ok = p.verifier.verify(alg, pub, jwt.signingInput, jwt.signature);
  }
  if (!ok) return run.fail("signature", "bad_signature", `${alg} signature does not verify`);
  run.pass("signature", `${alg} signature verified (${p.verifier.name})`);
  return true;
}

const num = (v: JsonValue | undefined): number | undefined => (typeof v === "number" && Number.isSafeInteger(v) ? v : undefined);

interface CredentialFacts {
  issuer: Verdict["issuer"];
  credentialType: string;
  credentialId: string;
  holder: string;
  validUntil: number;
  claims: Record<string, JsonValue>;
}

/**
 * The checks of one credential, in order; stops at the first failure (the checks that ran
 * are the verdict's record). Revocation is checked before freshness: a revoked bit never
 * clears, so even a stale bundle may say "revoked"; a suspension may have been lifted, so a
 * stale bundle cannot say "suspended".
 */
function checkCredential(run: Run, p: VerifyCredentialParameters, token: string): CredentialFacts | undefined {
  const skew = p.skew ?? DEFAULT_SKEW;
  const { bundle, now } = p;
  if (now < bundle.block.timestamp - skew) {
    run.fail("clock", "clock_before_bundle", `device clock ${now} is before the bundle's block time ${bundle.block.timestamp}: set the clock`);
    return undefined;
  }
  run.pass("clock", `device clock not before the bundle (skew ${skew} s)`);

  const jwt = decode(run, token);
  if (!jwt) return undefined;
  const { header, payload } = jwt;
  if (header.typ !== TYP.credential) {
    run.fail("typ", "wrong_typ", `typ ${JSON.stringify(header.typ)} is not ${TYP.credential}`);
    return undefined;
  }
  run.pass("typ", TYP.credential);
  const alg = header.alg;
  if (alg !== "ES256K" && alg !== "EdDSA") {
    run.fail("alg", "unsupported_alg", `issuer alg ${JSON.stringify(alg)} is not ES256K or EdDSA`);
    return undefined;
  }
  if ("crit" in header || "jwk" in header || "jku" in header || "x5u" in header) {
    run.fail("alg", "unsupported_header", "crit, jwk, jku and x5u headers are not accepted");
    return undefined;
  }
  run.pass("alg", alg);

  // Issuer and key: the kid's DID must be the issuer; the key's type pins the algorithm.
  const iss = typeof payload.iss === "string" ? payload.iss : "";
  const ethr = parseEthrDid(iss);
  const issuer = ethr && ethr.chainId === bundle.chainId ? own(bundle.issuers, ethr.address) : undefined;
  if (!ethr || !issuer) {
    run.fail("issuer", "unknown_issuer", `issuer ${iss.slice(0, 80)} is not registered on chain ${bundle.chainId}`);
    return undefined;
  }
  run.pass("issuer", `${issuer.name} (${issuer.region})`);
  const kid = typeof header.kid === "string" ? header.kid : "";
  const hash = kid.indexOf("#");
  if (hash < 0 || kid.slice(0, hash) !== iss) {
    run.fail("key", "kid_mismatch", `kid ${kid.slice(0, 80)} does not belong to the issuer`);
    return undefined;
  }
  // Every window of the key counts (a key rotated out and re-added has two).
  const windows = (own(bundle.keys, ethr.address) ?? []).filter((k) => k.id === kid.slice(hash + 1));
  const key = windows[0];
  if (!key) {
    run.fail("key", "unknown_key", `issuer has no key ${kid.slice(hash + 1, hash + 60)}`);
    return undefined;
  }
  if ((alg === "ES256K") !== (key.kind === "secp256k1-address")) {
    run.fail("key", "alg_key_mismatch", `alg ${alg} cannot be used with a ${key.kind} key`);
    return undefined;
  }
  run.pass("key", `${key.kind} key ${key.id}`);
  if (!checkSignature(run, p, jwt, alg, key)) return undefined;

  const iat = num(payload.iat);
  const exp = num(payload.exp);
  const nbf = num(payload.nbf) ?? iat;
  if (iat === undefined || exp === undefined || nbf === undefined) {
    run.fail("validity", "missing_time_claims", "iat and exp are required");
    return undefined;
  }
  if (windows.some((k) => k.revoked)) {
    run.fail("key_validity", "key_revoked", `key ${key.id} is recorded as compromised: nothing it signed is accepted`);
    return undefined;
  }
  const window = windows.find((k) => isOpenAt(k, iat));
  if (!window) {
    run.fail("key_validity", "key_not_valid_at_issuance", `key ${key.id} was not valid at iat ${iat} (${windows.length} window${windows.length > 1 ? "s" : ""})`);
    return undefined;
  }
  run.pass("key_validity", `key valid at issuance (${iat})${window.validUntil !== null && window.validUntil <= now ? `; retired at ${window.validUntil}` : ""}`);

  if (issuer.status !== "active") {
    run.fail("issuer_status", issuer.status === "suspended" ? "issuer_suspended" : "issuer_removed", `issuer is ${issuer.status}`);
    return undefined;
  }
  run.pass("issuer_status", "active");

  // The credential itself.
  const vc = payload.vc;
  if (!isObject(vc) || !isObject(vc.credentialSubject) || !Array.isArray(vc.type) || typeof payload.sub !== "string" || typeof payload.jti !== "string") {
    run.fail("credential", "malformed_credential", "vc, vc.type, vc.credentialSubject, sub and jti are required");
    return undefined;
  }
  if (vc.issuer !== undefined && (isObject(vc.issuer) ? vc.issuer.id : vc.issuer) !== iss) {
    run.fail("credential", "issuer_mismatch", "vc.issuer differs from iss");
    return undefined;
  }
  if (vc.credentialSubject.id !== undefined && vc.credentialSubject.id !== payload.sub) {
    run.fail("credential", "subject_mismatch", "credentialSubject.id differs from sub");
    return undefined;
  }
  const types = vc.type.filter((t): t is string => typeof t === "string" && t !== "VerifiableCredential");
  if (!vc.type.includes("VerifiableCredential") || types.length !== 1) {
    run.fail("credential", "malformed_credential", "vc.type must be VerifiableCredential plus one credential type");
    return undefined;
  }
  const credentialType = types[0] as string;
  const typeEntry = own(bundle.credentialTypes, credentialType);
  if (!typeEntry) {
    run.fail("credential", "unknown_type", `credential type ${credentialType.slice(0, 40)} is not registered`);
    return undefined;
  }
  const maxValidity = typeEntry.maxValidity;
  if (typeof maxValidity !== "number") {
    run.fail("credential", "type_policy_missing", `credential type ${credentialType} has no policy (maximum validity) on chain`);
    return undefined;
  }
  run.pass("credential", `${credentialType} ${payload.jti}`);

  if (!checkAccreditation(run, own(issuer.accreditations, credentialType) ?? [], credentialType, iat)) return undefined;

  if (issuer.region !== p.region && !(own(own(bundle.recognition, p.region), issuer.region) ?? []).includes(credentialType)) {
    run.fail("recognition", "region_not_recognized", `${p.region} does not recognize ${credentialType} from ${issuer.region}`);
    return undefined;
  }
  run.pass("recognition", issuer.region === p.region ? "issued in this region" : `${p.region} recognizes ${credentialType} from ${issuer.region}`);

  if (now + skew < nbf || now + skew < iat) {
    run.fail("validity", "not_yet_valid", `valid from ${nbf}`);
    return undefined;
  }
  if (now - skew >= exp) {
    run.fail("validity", "expired", `expired at ${exp}`);
    return undefined;
  }
  // The issuer's iat is its word: a credential may never outlive iat + the type's bound.
  if (exp - Math.min(iat, nbf) > maxValidity) {
    run.fail("validity", "validity_exceeds_type_maximum", `valid for ${exp - Math.min(iat, nbf)} s; ${credentialType} allows at most ${maxValidity} s`);
    return undefined;
  }
  run.pass("validity", `valid until ${exp} (skew ${skew} s)`);

  const { id: _subjectId, ...claims } = vc.credentialSubject;
  if (typeEntry.schema === null) {
    run.fail("schema", "schema_unavailable", `the bundle has no schema for ${credentialType}`);
    return undefined;
  }
  const problems = validateSchema(typeEntry.schema, claims);
  if (problems.length > 0) {
    run.fail("schema", "schema_invalid", problems.slice(0, 3).join("; "));
    return undefined;
  }
  run.pass("schema", `claims valid against the ${credentialType} schema`);

  if (!checkStatus(run, p, vc.credentialStatus, ethr.address, typeEntry.maxStatusAge)) return undefined;

  return {
    issuer: { did: iss, name: issuer.name, region: issuer.region },
    credentialType,
    credentialId: payload.jti,
    holder: payload.sub,
    validUntil: exp,
    claims,
  };
}

/**
 * The accreditation window holding iat, from the whole history: a renewal never turns earlier
 * honest credentials away; a window withdrawn for cause turns away all it covered.
 */
function checkAccreditation(run: Run, history: readonly AccreditationWindow[], credentialType: string, iat: number): boolean {
  const windows = history.filter((w) => w.validFrom < w.validUntil);
  if (windows.length === 0) return run.fail("accreditation", "issuer_not_accredited", `issuer is not accredited for ${credentialType}`);
  const at = windows.find((w) => isOpenAt(w, iat));
  if (at?.end === "withdrawn") {
    return run.fail("accreditation", "accreditation_withdrawn", `the accreditation for ${credentialType} in force at issuance [${at.validFrom}, ${at.validUntil}) was withdrawn for cause`);
  }
  if (!at) {
    const first = Math.min(...windows.map((w) => w.validFrom));
    return iat < first
      ? run.fail("accreditation", "accreditation_not_yet_valid", `accreditation for ${credentialType} starts at ${first}, after issuance`)
      : run.fail("accreditation", "accreditation_expired", `no accreditation for ${credentialType} was in force at issuance (${iat})`);
  }
  run.pass("accreditation", `accredited for ${credentialType} at issuance (window [${at.validFrom}, ${at.validUntil}), ${at.end})`);
  return true;
}

function checkStatus(run: Run, p: VerifyCredentialParameters, status: JsonValue | undefined, issuer: string, maxAge: number): boolean {
  const entries = Array.isArray(status) ? status : status === undefined ? [] : [status];
  const purposes = new Set<string>();
  let suspended = false;
  for (const e of entries) {
    if (!isObject(e) || e.type !== "BitstringStatusListEntry" || typeof e.statusListCredential !== "string" || typeof e.statusListIndex !== "string") {
      return run.fail("status", "status_entry_malformed", "credentialStatus entries must be BitstringStatusListEntry");
    }
    const purpose = e.statusPurpose;
    if (purpose !== "revocation" && purpose !== "suspension") return run.fail("status", "status_purpose_mismatch", `unknown status purpose ${String(purpose)}`);
    const ref = parseStatusListUrl(e.statusListCredential);
    const list = ref && ref.chainId === p.bundle.chainId ? own(p.bundle.statusLists, String(ref.listId)) : undefined;
    if (!list) return run.fail("status", "status_list_unknown", `status list ${e.statusListCredential.slice(0, 100)} is not in the bundle`);
    if (list.issuer !== issuer) return run.fail("status", "status_list_wrong_issuer", "status list belongs to another issuer");
    if (list.purpose !== purpose) return run.fail("status", "status_purpose_mismatch", `list is a ${list.purpose} list, entry says ${purpose}`);
    if (list.size < MIN_STATUS_LIST_SIZE) return run.fail("status", "status_list_too_short", `list has ${list.size} entries`);
    const index = /^(0|[1-9]\d{0,9})$/.test(e.statusListIndex) ? Number(e.statusListIndex) : NaN;
    if (!(index < list.size)) return run.fail("status", "status_index_out_of_range", `index ${e.statusListIndex.slice(0, 20)} outside the list`);
    purposes.add(purpose);
    if (getBit(list.bits, index)) {
      if (purpose === "revocation") return run.fail("status", "revoked", `revoked (as of block ${p.bundle.block.number})`);
      suspended = true;
    }
  }
  // Fail closed: a credential that names no revocation status cannot be checked for it.
  if (!purposes.has("revocation")) return run.fail("status", "status_missing", "credential has no revocation status entry");
  const age = Math.max(0, p.now - p.bundle.block.timestamp);
  if (age > maxAge) {
    return run.fail("freshness", "status_stale", `status data is ${age} s old; this type allows ${maxAge} s: sync the bundle`);
  }
  if (suspended) return run.fail("status", "suspended", `suspended (as of block ${p.bundle.block.number})`);
  run.pass("status", `not revoked${purposes.has("suspension") ? ", not suspended" : ""} as of block ${p.bundle.block.number}`);
  run.pass("freshness", `status data ${age} s old (limit ${maxAge} s)`);
  return true;
}

/** Verifies a bare credential (no holder binding) against the bundle: never throws for a bad credential. */
export function verifyCredential(token: string, p: VerifyCredentialParameters): Verdict {
  const run = new Run();
  const facts = checkCredential(run, p, token);
  return finish(run, p, facts ?? {});
}

/**
 * Verifies a holder's presentation: the VP JWT's signature by the holder's P-256 key, the
 * credential inside it, holder = subject, and either the checkpoint's challenge (aud,
 * nonce, once) or, for a static QR, a short iat window. The verdict says which mode.
 * Takes the VP JWT or its compact QR form (`LZ1:`, core/compact.ts).
 */
export function verifyPresentation(token: string, p: VerifyPresentationParameters): Verdict {
  const run = new Run();
  if (typeof token === "string" && token.startsWith(COMPACT_PREFIX)) {
    try {
      token = expandPresentation(token);
      run.pass("encoding", `compact QR form (${COMPACT_PREFIX})`);
    } catch (e) {
      run.fail("encoding", e instanceof CompactError ? e.code : "compact_malformed", (e as Error).message);
      return finish(run, p);
    }
  }
  const jwt = decode(run, token);
  if (!jwt) return finish(run, p);
  const { header, payload } = jwt;
  if (header.typ !== TYP.presentation) {
    run.fail("typ", "wrong_typ", `typ ${JSON.stringify(header.typ)} is not ${TYP.presentation}`);
    return finish(run, p);
  }
  if (header.alg !== "ES256") {
    run.fail("alg", "unsupported_alg", `holder alg ${JSON.stringify(header.alg)} is not ES256`);
    return finish(run, p);
  }
  run.pass("typ", TYP.presentation);
  const holder = typeof payload.iss === "string" ? payload.iss : "";
  const holderKey = holderPublicKey(holder);
  if (!holderKey) {
    run.fail("holder", "holder_did_unsupported", "presentation issuer must be a P-256 did:key or did:jwk");
    return finish(run, p);
  }
  if (typeof header.kid === "string" && header.kid.split("#")[0] !== holder) {
    run.fail("holder", "kid_mismatch", "kid does not belong to the presenting holder");
    return finish(run, p);
  }
  if (!checkSignature(run, p, jwt, "ES256", { publicKey: holderKey })) return finish(run, p);

  const vp = payload.vp;
  const vcs = isObject(vp) && Array.isArray(vp.verifiableCredential) ? vp.verifiableCredential : undefined;
  if (!vcs || vcs.length !== 1 || typeof vcs[0] !== "string") {
    run.fail("presentation", "malformed_presentation", "vp.verifiableCredential must hold exactly one credential JWT");
    return finish(run, p);
  }

  // Binding: either the checkpoint's challenge, or a static presentation with a short window.
  const iat = num(payload.iat);
  const skew = p.skew ?? DEFAULT_SKEW;
  const mode = payload.nonce === undefined ? "static" : "challenge";
  const window = mode === "static" ? (p.staticWindow ?? DEFAULT_STATIC_WINDOW) : (p.challengeWindow ?? DEFAULT_CHALLENGE_WINDOW);
  if (iat === undefined || iat > p.now + skew || p.now - iat > window) {
    run.fail("presentation", "presentation_expired", `presentation iat ${iat ?? "missing"} outside the ${window} s window`);
    return finish(run, p);
  }
  const aud = Array.isArray(payload.aud) && payload.aud.length === 1 ? payload.aud[0] : payload.aud;
  const audience = typeof aud === "string" ? aud : "";
  if (p.challenge) {
    if (audience !== p.challenge.audience) {
      run.fail("presentation", "wrong_audience", "presentation is not addressed to this checkpoint");
      return finish(run, p);
    }
    if (payload.nonce === undefined) {
      run.fail("presentation", "nonce_missing", "this checkpoint asked for a nonce");
      return finish(run, p);
    }
    if (payload.nonce !== p.challenge.nonce) {
      run.fail("presentation", "wrong_nonce", "nonce does not match this checkpoint's challenge");
      return finish(run, p);
    }
    // Keyed on holder + nonce, never on token bytes (a re-encoded signature would slip past).
    if (p.consumeNonce && !p.consumeNonce(`${holder}|${p.challenge.nonce}`)) {
      run.fail("presentation", "nonce_reused", "this nonce was already used");
      return finish(run, p);
    }
  } else if (mode === "challenge") {
    run.fail("presentation", "wrong_nonce", "presentation carries a nonce, but this checkpoint issued no challenge");
    return finish(run, p);
  } else if (audience === "") {
    run.fail("presentation", "audience_missing", "a static presentation must name the region it is for (aud)");
    return finish(run, p);
  } else if (audience !== regionAudience(p.region)) {
    run.fail("presentation", "wrong_audience", `static presentation is for ${audience.slice(0, 60)}, not ${regionAudience(p.region)}`);
    return finish(run, p);
  }
  run.pass("presentation", mode === "static" ? `static presentation for ${p.region}, iat within ${window} s` : "bound to this checkpoint's challenge");

  const facts = checkCredential(run, p, vcs[0]);
  if (facts && facts.holder !== holder) run.fail("holder_binding", "holder_mismatch", "the presenting holder is not the credential's subject");
  else if (facts) run.pass("holder_binding", "presented by the credential's subject");
  return finish(run, p, { ...(facts ?? {}), presentation: { mode, issuedAt: iat, audience } });
}
