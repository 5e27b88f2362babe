/**
 * Paper credentials, for citizens without a smartphone: the credential alone, printed as a QR
 * code (`LZP1:`: its three JWS segments as bytes, DEFLATE with the compact form's dictionary,
 * base45) with the holder's name and date of birth. There is no holder key on paper, so the
 * verdict's mode is `paper`: the checkpoint compares the name and date of birth with the
 * holder's ID document. Whether a type may be shown on paper is the type's policy on chain
 * (`paperAllowed`); revocation, suspension and freshness are checked as for phones. A credential
 * is paper only if its issuer signed it as paper: its `sub` is a paper subject (no holder key,
 * core/credential.ts). A phone credential lifted from a holder's QR and re-packed as `LZP1:` is
 * refused (`phone_credential_on_paper`): shown without its key, anyone could show it.
 */
import { COMPACT_DICTIONARY, CompactError, join, packQrText, type QrForm, segments, unpackQrText } from "./compact.ts";
import { isPaperSubject } from "./credential.ts";
import { isObject } from "./json.ts";
import { decodeJwt, MAX_JWT_CHARS } from "./jwt.ts";
import { verifyCredential, type Check, type Verdict, type VerifyCredentialParameters } from "./verify.ts";

export const PAPER_PREFIX = "LZP1:";
/** What the checkpoint compares with the ID document: a paper credential must carry all three. */
export const PAPER_IDENTITY_CLAIMS = ["familyName", "givenName", "birthDate"] as const;

/** `LZP1:`: the credential alone, with the compact form's dictionary. */
const LZP1: QrForm = { prefix: PAPER_PREFIX, version: 1, dictionary: COMPACT_DICTIONARY, maxBytes: MAX_JWT_CHARS, carries: "paper credential" };

/** The QR text of a credential JWT on paper. Throws `compact_unsupported` for anything but a compact JWS. */
export function compactCredential(jwt: string): string {
  return packQrText(LZP1, segments(jwt));
}

/** The credential JWT in a paper QR text; capped like the presentation form. */
export function expandCredential(text: string): string {
  const r = unpackQrText(LZP1, text);
  const jwt = join(r.field(), r.field(), r.field());
  r.end();
  return jwt;
}

/** The identity claims a type's schema defines (a business licence names its legal representative instead). */
function identityClaims(schema: unknown): string[] {
  const properties = isObject(schema as never) && isObject((schema as { properties?: never }).properties) ? Object.keys((schema as { properties: object }).properties) : [];
  const personal = PAPER_IDENTITY_CLAIMS.filter((c) => properties.includes(c));
  return personal.length > 0 ? personal : properties.includes("legalRepresentative") ? ["legalRepresentative"] : [];
}

function statedType(jwt: string): string | undefined {
  try {
    const vc = decodeJwt(jwt).payload.vc;
    return isObject(vc) && Array.isArray(vc.type) ? vc.type.find((t): t is string => typeof t === "string" && t !== "VerifiableCredential") : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a paper credential (its `LZP1:` text or the credential JWT): every check a phone's
 * credential gets except holder binding, then the type's paper policy and the identity claims
 * the checkpoint compares with the ID document. The verdict's `presentation.mode` is `paper`.
 */
export function verifyPaperCredential(text: string, p: VerifyCredentialParameters): Verdict {
  let jwt: string;
  const encoding: Check[] = [];
  try {
    jwt = text.trim().startsWith(PAPER_PREFIX) ? expandCredential(text.trim()) : text.trim();
    if (text.trim().startsWith(PAPER_PREFIX)) encoding.push({ code: "encoding", ok: true, detail: `paper QR form (${PAPER_PREFIX})` });
  } catch (e) {
    const reason = e instanceof CompactError ? e.code : "compact_malformed";
    return { verdict: "reject", reason, checks: [{ code: "encoding", ok: false, reason, detail: (e as Error).message }], bundle: { block: p.bundle.block, ageSeconds: Math.max(0, p.now - p.bundle.block.timestamp) } };
  }
  const v = verifyCredential(jwt, p);
  const type = v.credentialType ?? statedType(jwt);
  const entry = type !== undefined && Object.hasOwn(p.bundle.credentialTypes, type) ? p.bundle.credentialTypes[type] : undefined;
  const paper: Check =
    entry && !entry.paperAllowed
      ? { code: "paper", ok: false, reason: "paper_not_allowed", detail: `${type} may not be shown on paper in this consortium` }
      : v.verdict === "accept" && !isPaperSubject(v.holder)
        ? { code: "paper", ok: false, reason: "phone_credential_on_paper", detail: "this credential was issued to a phone's holder key, not printed: only the holder's phone may show it" }
      : v.verdict === "accept" && !identityClaims(entry?.schema).every((c) => typeof v.claims?.[c] === "string")
        ? { code: "paper", ok: false, reason: "paper_identity_missing", detail: `a paper credential must carry ${PAPER_IDENTITY_CLAIMS.join(", ")} to compare with the ID document` }
        : { code: "paper", ok: true, detail: "on paper: compare the name and date of birth with the holder's ID document" };
  const checks = [...encoding, ...v.checks, paper];
  const issuedAt = Number(decodeJwtSafe(jwt)?.iat ?? 0);
  const presentation = { mode: "paper" as const, issuedAt, audience: "" };
  if (v.verdict === "accept" && !paper.ok) return { ...v, verdict: "reject", reason: paper.reason ?? "paper_not_allowed", checks, presentation };
  if (v.verdict !== "accept" && !paper.ok && paper.reason === "paper_not_allowed") return { ...v, verdict: "reject", reason: "paper_not_allowed", checks, presentation };
  return { ...v, checks, presentation };
}

function decodeJwtSafe(jwt: string): Record<string, unknown> | undefined {
  try {
    return decodeJwt(jwt).payload as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
