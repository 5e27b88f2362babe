import { parseStatusListUrl } from "../../credential.ts";
import type { CredentialContent, DecodedCredential, StatusClaim } from "../../decoded-credential.ts";
import { isObject, type JsonValue } from "../../json.ts";
import { decodeJwt, JwtFormatError, type DecodedJwt } from "../../jwt.ts";
import { checkClaimTypes, decodeToken, intClaim, JWT_CLAIM_TYPES } from "../../token-checks.ts";
import type { StatusPurpose } from "../../ledger-events.ts";
import { processPayload, SdJwtError, sdHash, splitSdJwt, type SdJwtParts } from "./sd-jwt.ts";
import { jwkHolder, REGISTERED_CLAIMS, SD_TYP } from "./sd-jwt-vc.ts";
import { checkSignature } from "../../trust-checks.ts";
import type { Problem, Run, VerifyPresentationParameters } from "../../verdict.ts";
import type { Presented } from "../format.ts";

/** SD-JWT VC's registered claims besides JWT's: what each must be when present. */
const SD_JWT_VC_CLAIM_TYPES = {
  ...JWT_CLAIM_TYPES,
  vct: ["a string", (v: JsonValue) => typeof v === "string"],
  "vct#integrity": ["a string", (v: JsonValue) => typeof v === "string"],
  cnf: ["an object", isObject],
  status: ["an object", isObject],
  _sd_alg: ["a string", (v: JsonValue) => typeof v === "string"],
  _sd: ["an array", Array.isArray],
} as const;

/**
 * The SD-JWT VC decoder: the format checks (`format`, `typ: dc+sd-jwt`, `alg`), then the
 * disclosures processed per RFC 9901 §7.1 into the neutral shape core/trust-checks.ts takes, so
 * an SD-JWT VC gets exactly the issuer, key, accreditation, recognition, validity, schema,
 * status and freshness checks a jwt_vc gets. A disclosure problem is a `Problem` the trust
 * checks report at `credential`, after the issuer's signature (same order as every format).
 */
export function decodeSdJwtVc(run: Run, token: string): DecodedCredential | undefined {
  const parts = splitParts(run, token);
  if (!parts) return undefined;
  const jwt = decodeToken(run, parts.issuerJwt);
  if (!jwt) return undefined;
  const { header, payload } = jwt;
  if (header.typ !== SD_TYP.credential)
    return void run.fail("typ", "wrong_typ", `typ ${JSON.stringify(header.typ)} is not ${SD_TYP.credential}`);
  run.pass("typ", SD_TYP.credential);
  const alg = header.alg;
  if (alg !== "ES256K" && alg !== "EdDSA")
    return void run.fail("alg", "unsupported_alg", `issuer alg ${JSON.stringify(alg)} is not ES256K or EdDSA`);
  if ("crit" in header || "jwk" in header || "jku" in header || "x5u" in header || "x5c" in header) {
    return void run.fail("alg", "unsupported_header", "crit, jwk, jku, x5u and x5c headers are not accepted");
  }
  run.pass("alg", alg);
  if (!checkClaimTypes(run, payload, SD_JWT_VC_CLAIM_TYPES)) return undefined;
  const issuedAt = intClaim(payload.iat);
  const validUntil = intClaim(payload.exp);
  const validFrom = intClaim(payload.nbf) ?? issuedAt;
  return {
    format: "sd_jwt_vc",
    issuer: typeof payload.iss === "string" ? payload.iss : "",
    kid: typeof header.kid === "string" ? header.kid : "",
    alg,
    signingInput: jwt.signingInput,
    signature: jwt.signature,
    times:
      issuedAt === undefined || validUntil === undefined || validFrom === undefined
        ? undefined
        : { issuedAt, validFrom, validUntil },
    content: readContent(payload, parts.disclosures),
  };
}

function splitParts(run: Run, token: string): SdJwtParts | undefined {
  try {
    return splitSdJwt(token);
  } catch (e) {
    return void run.fail("format", "sd_jwt_malformed", (e as Error).message);
  }
}

function readContent(payload: Record<string, JsonValue>, disclosures: readonly string[]): CredentialContent | Problem {
  let processed;
  try {
    processed = processPayload(payload, disclosures);
  } catch (e) {
    if (e instanceof SdJwtError) return { reason: e.code, detail: e.message };
    throw e;
  }
  const smuggled = processed.disclosed.find((n) => REGISTERED_CLAIMS.has(n));
  if (smuggled) return { reason: "sd_claim_invalid", detail: `${smuggled} may not be selectively disclosed` };
  if (typeof payload.vct !== "string" || typeof payload.jti !== "string")
    return { reason: "malformed_credential", detail: "vct and jti are required" };
  const holder = jwkHolder(payload.cnf);
  if (!holder) return { reason: "holder_key_invalid", detail: "cnf.jwk must be a public P-256 key" };
  const claims: Record<string, JsonValue> = {};
  for (const name of processed.disclosed)
    Object.defineProperty(claims, name, {
      value: processed.claims[name],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  const status = isObject(payload.status) ? payload.status : {};
  return {
    id: payload.jti,
    holder: holder.did,
    credentialType: payload.vct,
    claims,
    withheld: processed.undisclosed,
    status: [
      readStatusReference(status.status_list, "revocation"),
      ...(status.suspension_list === undefined ? [] : [readStatusReference(status.suspension_list, "suspension")]),
    ],
  };
}

/** `status.status_list {idx, uri}` (the revocation list), `status.suspension_list` (same shape). */
function readStatusReference(ref: JsonValue | undefined, purpose: StatusPurpose): StatusClaim | Problem {
  if (!isObject(ref) || typeof ref.uri !== "string" || !Number.isSafeInteger(ref.idx) || (ref.idx as number) < 0) {
    return { reason: "status_entry_malformed", detail: "status.status_list must be {idx, uri}" };
  }
  return { purpose, listUrl: ref.uri, list: parseStatusListUrl(ref.uri), index: String(ref.idx) };
}

/** What a checked KB-JWT tells the presentation checks. */
export interface KeyBinding {
  readonly holder: string;
  readonly mode: "challenge" | "static";
  readonly issuedAt: number | undefined;
  readonly aud: JsonValue | undefined;
  readonly nonce: JsonValue | undefined;
  readonly exp: JsonValue | undefined;
  readonly nbf: JsonValue | undefined;
}

/**
 * The KB-JWT's own checks (RFC 9901 §7.3): present (a stripped key binding is refused), `typ:
 * kb+jwt`, ES256, signed by the `cnf` key of the credential, `sd_hash` over exactly the issuer
 * JWT and the disclosures presented. The binding (aud, nonce, iat window) is checked by the
 * caller, as for a VP JWT. Returns the holder (did:key of `cnf`).
 */
export function checkKeyBinding(
  run: Run,
  token: string,
  verify: (kb: DecodedJwt, publicKey: Uint8Array) => boolean,
): KeyBinding | undefined {
  const parts = splitParts(run, token);
  if (!parts) return undefined;
  if (!parts.kbJwt)
    return void run.fail(
      "holder_binding",
      "key_binding_missing",
      "the SD-JWT carries no KB-JWT: a presentation must prove the holder key",
    );
  let issuer: DecodedJwt;
  let kb: DecodedJwt;
  try {
    issuer = decodeJwt(parts.issuerJwt);
    kb = decodeJwt(parts.kbJwt);
  } catch (e) {
    return void run.fail("format", e instanceof JwtFormatError ? e.code : "malformed_jwt", (e as Error).message);
  }
  if (kb.header.typ !== SD_TYP.keyBinding)
    return void run.fail("typ", "wrong_typ", `KB-JWT typ ${JSON.stringify(kb.header.typ)} is not ${SD_TYP.keyBinding}`);
  if (kb.header.alg !== "ES256")
    return void run.fail("alg", "unsupported_alg", `KB-JWT alg ${JSON.stringify(kb.header.alg)} is not ES256`);
  run.pass("typ", `${SD_TYP.keyBinding} (key binding)`);
  const holder = jwkHolder(issuer.payload.cnf);
  if (!holder) return void run.fail("holder", "holder_key_invalid", "cnf.jwk must be a public P-256 key");
  if (!verify(kb, holder.publicKey)) return undefined;
  if (kb.payload.sd_hash !== sdHash(parts.presented))
    return void run.fail(
      "holder_binding",
      "sd_hash_mismatch",
      "the KB-JWT's sd_hash does not cover the disclosures presented",
    );
  run.pass("holder_binding", "KB-JWT signed by the credential's cnf key over exactly what was presented");
  const { iat, aud, nonce, exp, nbf } = kb.payload;
  return {
    holder: holder.did,
    mode: nonce === undefined ? "static" : "challenge",
    issuedAt: intClaim(iat),
    aud,
    nonce,
    exp,
    nbf,
  };
}

/**
 * An SD-JWT VC presentation's own checks: the KB-JWT (present, typ, signed by the credential's
 * cnf key, sd_hash over exactly what is shown); then the same binding as a VP JWT (challenge, or
 * a static QR for this region) and the credential through the same trust checks as a jwt_vc.
 * The verdict carries only the disclosed claims and the count of undisclosed digests.
 */
export function checkSdJwtPresentation(
  run: Run,
  p: VerifyPresentationParameters,
  token: string,
): Presented | undefined {
  const kb = checkKeyBinding(run, token, (jwt, publicKey) => checkSignature(run, p, jwt, "ES256", { publicKey }));
  if (!kb) return undefined;
  const aud = Array.isArray(kb.aud) && kb.aud.length === 1 ? kb.aud[0] : kb.aud;
  const audience = typeof aud === "string" ? aud : "";
  // checkKeyBinding verified the KB-JWT with the very cnf key the credential's holder is derived from.
  return {
    binding: {
      holder: kb.holder,
      mode: kb.mode,
      issuedAt: kb.issuedAt,
      audience,
      nonce: kb.nonce,
      exp: kb.exp,
      nbf: kb.nbf,
    },
    credential: token,
    holderMismatch: "the key binding is not by the credential's holder key",
  };
}
