/**
 * Printing a paper credential at an agency's desk: the agency's issuer service issues the
 * credential to a paper subject it draws (paper carries no holder key, and the signed subject
 * says so: the credential can only be shown as paper, and only it can), and the page is written with its QR code (the
 * credential alone, `LZP1:`), the holder's name and date of birth, the agency and the validity,
 * in Chinese and English. The service's usual checks apply (accreditation, schema, operator role).
 */
import { randomUUID } from "node:crypto";
import { issuerClient } from "../services/issuer/client.ts";
import { compactCredential, decodeJwt, type JsonValue, PAPER_IDENTITY_CLAIMS, parseEthrDid } from "../core/index.ts";
import { qrSize, qrSvg } from "../web/qr.ts";
import { paperCredentialHtml } from "../web/paper-page.ts";
import { UsageError } from "./cli.ts";

export interface PaperRequest {
  readonly issuerUrl: string;
  readonly token: string;
  /** The agency as printed; or `agencyOf`, which names it from the credential's issuer address (a trust bundle's issuers). */
  readonly agency?: { readonly name: string; readonly region: string };
  readonly agencyOf?: (address: string) => { readonly name: string; readonly region: string } | undefined;
  readonly type: string;
  readonly claims: Record<string, unknown>;
  readonly validFor?: number;
}

export interface PrintedCredential {
  readonly id: string;
  readonly qrText: string;
  readonly qrVersion: number | null;
  readonly html: string;
  /** The issuing agency's region (where its own checkpoints verify it). */
  readonly region: string;
}

export async function printPaperCredential(r: PaperRequest): Promise<PrintedCredential> {
  // A person's credential carries what the ID document shows; a business licence its legal representative.
  const missing =
    typeof r.claims.legalRepresentative === "string"
      ? []
      : PAPER_IDENTITY_CLAIMS.filter((c) => typeof r.claims[c] !== "string" || r.claims[c] === "");
  if (missing.length)
    throw new UsageError(
      `a paper credential needs ${missing.join(", ")} (the checkpoint compares them with the ID document)`,
    );
  const client = issuerClient(r.issuerUrl, { token: r.token, retryUnanswered: true });
  // Paper: the service signs a paper subject (no holder key) into the credential, so it can only be shown as paper, and only it can.
  // The same key on a retry returns the same credential: one print, never two credentials. A
  // kept-alive connection the server has just closed fails at once: the client retries once.
  const answer = await client.send(
    "POST /credentials",
    {
      type: r.type,
      paper: true,
      claims: r.claims as Record<string, JsonValue>,
      ...(r.validFor ? { validFor: r.validFor } : {}),
    },
    { headers: { "idempotency-key": `paper-${randomUUID()}` } },
  );
  if (answer.status === 0)
    throw new Error(`the issuer service at ${r.issuerUrl} cannot be reached: ${answer.failure ?? ""}`);
  const body = answer.json as { id?: string; credential?: string; error?: { code: string; message: string } };
  if (answer.status >= 300 || !body.credential || !body.id)
    throw new Error(
      `the issuer service refused: ${body.error?.code ?? answer.status}: ${body.error?.message ?? "no credential"}`,
    );
  const qrText = compactCredential(body.credential);
  const { payload } = decodeJwt(body.credential);
  const address = typeof payload.iss === "string" ? parseEthrDid(payload.iss)?.address : undefined;
  const agency = r.agency ?? (address === undefined ? undefined : r.agencyOf?.(address));
  if (!agency)
    throw new Error(
      `the credential's issuer ${String(payload.iss)} is not in the trust bundle: cannot name the agency on paper`,
    );
  const qrVersion = qrSize(qrText).version;
  const html = paperCredentialHtml({
    type: r.type,
    claims: r.claims,
    agency: agency.name,
    region: agency.region,
    validFrom: Number(payload.nbf ?? payload.iat),
    validUntil: Number(payload.exp),
    credentialId: body.id,
    qrSvg: await qrSvg(qrText),
    qrVersion,
  });
  return { id: body.id, qrText, qrVersion, html, region: agency.region };
}
