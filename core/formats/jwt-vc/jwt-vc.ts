import {
  isPaperSubject,
  parseStatusListUrl,
  STATUS_LIST_CONTEXT,
  STATUS_LIST_TYPES,
  VC_CONTEXT,
} from "../../credential.ts";
import type { CredentialContent, CredentialTimes, DecodedCredential, StatusClaim } from "../../decoded-credential.ts";
import { holderDidSpellingProblem } from "../../did.ts";
import { isObject, type JsonValue } from "../../json.ts";
import { checkClaimTypes, decodeToken, intClaim, JWT_CLAIM_TYPES } from "../../token-checks.ts";
import type { Problem, Run } from "../../verdict.ts";
import { TYP } from "./credential.ts";

/** A jwt_vc credential (W3C VC in the `vc` claim, `typ` vc+jwt) in the neutral shape the trust checks take. */
export function decodeJwtVc(run: Run, token: string): DecodedCredential | undefined {
  const jwt = decodeToken(run, token);
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
  if (!checkClaimTypes(run, payload, JWT_CLAIM_TYPES)) return undefined;
  const iss = typeof payload.iss === "string" ? payload.iss : "";
  return {
    format: "jwt_vc",
    issuer: iss,
    kid: typeof header.kid === "string" ? header.kid : "",
    alg,
    signingInput: jwt.signingInput,
    signature: jwt.signature,
    times: readTimes(payload),
    content: readContent(payload, iss),
  };
}

function readTimes(payload: Record<string, JsonValue>): CredentialTimes | undefined {
  const issuedAt = intClaim(payload.iat);
  const validUntil = intClaim(payload.exp);
  const validFrom = intClaim(payload.nbf) ?? issuedAt;
  if (issuedAt === undefined || validUntil === undefined || validFrom === undefined) return undefined;
  return { issuedAt, validFrom, validUntil };
}

function readContent(payload: Record<string, JsonValue>, iss: string): CredentialContent | Problem {
  const vc = payload.vc;
  if (
    !isObject(vc) ||
    !isObject(vc.credentialSubject) ||
    !Array.isArray(vc.type) ||
    typeof payload.sub !== "string" ||
    typeof payload.jti !== "string"
  ) {
    return { reason: "malformed_credential", detail: "vc, vc.type, vc.credentialSubject, sub and jti are required" };
  }
  // The data model it follows comes first (VC Data Model 1.1, what did-jwt-vc checks): without it the same claims mean nothing defined.
  const context = vc["@context"];
  if (!Array.isArray(context) || context[0] !== VC_CONTEXT || !context.every((c) => typeof c === "string")) {
    return { reason: "context_invalid", detail: `vc.@context must be an array of URLs starting with ${VC_CONTEXT}` };
  }
  if (vc.issuer !== undefined && (isObject(vc.issuer) ? vc.issuer.id : vc.issuer) !== iss)
    return { reason: "issuer_mismatch", detail: "vc.issuer differs from iss" };
  if (vc.credentialSubject.id !== undefined && vc.credentialSubject.id !== payload.sub) {
    return { reason: "subject_mismatch", detail: "credentialSubject.id differs from sub" };
  }
  // The holder is a key in its one canonical spelling (issue 22 item 9): no key passes as several
  // holders. Or, printed on paper, no key at all (a paper subject: no phone can present it).
  const holderProblem = isPaperSubject(payload.sub) ? null : holderDidSpellingProblem(payload.sub);
  if (holderProblem)
    return {
      reason: holderProblem,
      detail: `sub must be a P-256 did:key or did:jwk in its canonical spelling, or a paper subject`,
    };
  const types = vc.type.filter((t): t is string => typeof t === "string" && t !== "VerifiableCredential");
  if (!vc.type.includes("VerifiableCredential") || types.length !== 1) {
    return { reason: "malformed_credential", detail: "vc.type must be VerifiableCredential plus one credential type" };
  }
  const { id: _subjectId, ...claims } = vc.credentialSubject;
  const status = vc.credentialStatus;
  const entries = Array.isArray(status) ? status : status === undefined ? [] : [status];
  // Status entries are terms of the Status List 2021 vocabulary: without its context they mean nothing defined.
  if (entries.length > 0 && !context.includes(STATUS_LIST_CONTEXT)) {
    return {
      reason: "context_invalid",
      detail: `vc.@context must name ${STATUS_LIST_CONTEXT} for its credentialStatus`,
    };
  }
  return {
    id: payload.jti,
    holder: payload.sub,
    credentialType: types[0] as string,
    claims,
    status: entries.map(readStatusEntry),
  };
}

/** A Status List 2021 entry as a status claim. */
function readStatusEntry(e: JsonValue): StatusClaim | Problem {
  if (
    !isObject(e) ||
    e.type !== STATUS_LIST_TYPES.entry ||
    typeof e.statusListCredential !== "string" ||
    typeof e.statusListIndex !== "string"
  ) {
    return { reason: "status_entry_malformed", detail: `credentialStatus entries must be ${STATUS_LIST_TYPES.entry}` };
  }
  const purpose = e.statusPurpose;
  if (purpose !== "revocation" && purpose !== "suspension")
    return { reason: "status_purpose_mismatch", detail: `unknown status purpose ${String(purpose)}` };
  return {
    purpose,
    listUrl: e.statusListCredential,
    list: parseStatusListUrl(e.statusListCredential),
    index: e.statusListIndex,
  };
}
