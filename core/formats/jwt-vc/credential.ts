import { createJWS } from "did-jwt";
import {
  type IssueCredentialParameters,
  IssueError,
  type PresentParameters,
  STATUS_LIST_CONTEXT,
  STATUS_LIST_TYPES,
  type StatusReference,
  VC_CONTEXT,
} from "../../credential.ts";
import type { JsonValue } from "../../json.ts";
import type { StatusPurpose } from "../../ledger-events.ts";
import { validateSchema } from "../../schema.ts";

/** Header `typ` of each token kind: explicit, so one kind is never accepted as another (RFC 8725 §3.11). */
export const TYP = { credential: "vc+jwt", presentation: "vp+jwt" } as const;

/** A Status List 2021 entry (`StatusList2021Entry`). */
export interface StatusEntry {
  readonly id: string;
  readonly type: typeof STATUS_LIST_TYPES.entry;
  readonly statusPurpose: StatusPurpose;
  readonly statusListIndex: string;
  readonly statusListCredential: string;
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
  if (problems.length > 0)
    throw new IssueError("schema_invalid", `claims do not match the ${p.credentialType} schema`, problems);
  if ("id" in p.claims)
    throw new IssueError("invalid_request", "claims must not carry id: the subject is the holder DID");
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
      credentialStatus: [
        statusEntry("revocation", p.status.revocation),
        statusEntry("suspension", p.status.suspension),
      ],
    },
  };
  // did-jwt types `typ` as "JWT" only; the header is ours to set.
  return createJWS(payload, p.key.signer, { alg: p.key.alg, typ: TYP.credential as "JWT", kid: p.key.kid });
}

/** A VP JWT carrying one credential, signed by the holder key (ES256). */
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
