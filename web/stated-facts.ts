/**
 * What a presentation says about itself — credential type, issuing agency, region — read
 * without trusting it, so a checkpoint can show them on a REJECT or UNKNOWN too (a verdict
 * stops at the first failed check and then carries no facts). Shown as "as stated, not
 * verified"; never used to decide anything.
 */
import { formatOf, parseEthrDid, type Statement, type TrustBundle } from "../core/index.ts";

export interface StatedFacts {
  readonly type?: string;
  readonly issuerName?: string;
  readonly region?: string;
}

/** What the credential a text is or carries states about itself (its QR or paper form expanded first), as its format reads it. */
function statementOf(text: string): Statement | undefined {
  const { format, form } = formatOf(text);
  const expanded =
    form === "qr" ? format.qr.expand(text) : form === "paper" && format.paper ? format.paper.expand(text) : text;
  return format.statement(expanded);
}

export function statedFacts(text: string, bundle: TrustBundle | undefined): StatedFacts {
  try {
    const stated = statementOf(text.trim());
    if (!stated) return {};
    const ethr = typeof stated.issuer === "string" ? parseEthrDid(stated.issuer) : null;
    const issuer =
      ethr && bundle && Object.hasOwn(bundle.issuers, ethr.address) ? bundle.issuers[ethr.address] : undefined;
    return { type: stated.type?.slice(0, 60), issuerName: issuer?.name, region: issuer?.region };
  } catch {
    return {};
  }
}
