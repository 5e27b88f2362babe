/**
 * Paper credentials, for citizens without a smartphone: the credential alone, printed as a QR
 * code (a format's paper form, e.g. `core/formats/jwt-vc/paper.ts`) with the holder's name and
 * date of birth. There is no holder key on paper, so the verdict's mode is `paper`: the
 * checkpoint compares the name and date of birth with the holder's ID document. Whether a type
 * may be shown on paper is the type's policy on chain (`paperAllowed`); revocation, suspension
 * and freshness are checked as for phones. A credential is paper only if its issuer signed it as
 * paper: its holder is a paper subject (no holder key, core/credential.ts). A phone credential
 * lifted from a holder's QR and re-packed as paper is refused (`phone_credential_on_paper`):
 * shown without its key, anyone could show it. core/verify.ts composes this with the
 * credential's own verdict (`verifyPaperCredential`, and `verifyToken` for a paper form's text).
 */
import { isPaperSubject } from "./credential.ts";
import { isObject } from "./json.ts";
import type { Check, Verdict, VerifyCredentialParameters } from "./verdict.ts";

/** What the checkpoint compares with the ID document: a paper credential must carry all three. */
export const PAPER_IDENTITY_CLAIMS = ["familyName", "givenName", "birthDate"] as const;

/** The identity claims a type's schema defines (a business licence names its legal representative instead). */
function identityClaims(schema: unknown): string[] {
  const properties =
    isObject(schema as never) && isObject((schema as { properties?: never }).properties)
      ? Object.keys((schema as { properties: object }).properties)
      : [];
  const personal = PAPER_IDENTITY_CLAIMS.filter((c) => properties.includes(c));
  return personal.length > 0 ? personal : properties.includes("legalRepresentative") ? ["legalRepresentative"] : [];
}

/** What the credential states about itself, read without trusting it (the verdict may stop before its type). */
export interface PaperStatement {
  readonly type: string | undefined;
  readonly issuedAt: unknown;
}

/**
 * A credential's verdict `v` (every check a phone's credential gets except holder binding) as a
 * paper verdict: then the type's paper policy and the identity claims the checkpoint compares
 * with the ID document. `encoding` is the paper form's check, when the credential came as one.
 */
export function paperVerdict(
  v: Verdict,
  p: VerifyCredentialParameters,
  stated: PaperStatement | undefined,
  encoding: readonly Check[],
): Verdict {
  const type = v.credentialType ?? stated?.type;
  const entry =
    type !== undefined && Object.hasOwn(p.bundle.credentialTypes, type) ? p.bundle.credentialTypes[type] : undefined;
  const paper: Check =
    entry && !entry.paperAllowed
      ? {
          code: "paper",
          ok: false,
          reason: "paper_not_allowed",
          detail: `${type} may not be shown on paper in this consortium`,
        }
      : v.verdict === "accept" && !isPaperSubject(v.holder)
        ? {
            code: "paper",
            ok: false,
            reason: "phone_credential_on_paper",
            detail:
              "this credential was issued to a phone's holder key, not printed: only the holder's phone may show it",
          }
        : v.verdict === "accept" && !identityClaims(entry?.schema).every((c) => typeof v.claims?.[c] === "string")
          ? {
              code: "paper",
              ok: false,
              reason: "paper_identity_missing",
              detail: `a paper credential must carry ${PAPER_IDENTITY_CLAIMS.join(", ")} to compare with the ID document`,
            }
          : {
              code: "paper",
              ok: true,
              detail: "on paper: compare the name and date of birth with the holder's ID document",
            };
  const checks = [...encoding, ...v.checks, paper];
  const presentation = { mode: "paper" as const, issuedAt: Number(stated?.issuedAt ?? 0), audience: "" };
  if (v.verdict === "accept" && !paper.ok)
    return { ...v, verdict: "reject", reason: paper.reason ?? "paper_not_allowed", checks, presentation };
  if (v.verdict !== "accept" && !paper.ok && paper.reason === "paper_not_allowed")
    return { ...v, verdict: "reject", reason: "paper_not_allowed", checks, presentation };
  return { ...v, checks, presentation };
}
