/**
 * What a presentation says about itself — credential type, issuing agency, region — read
 * without trusting it, so a checkpoint can show them on a REJECT or UNKNOWN too (a verdict
 * stops at the first failed check and then carries no facts). Shown as "as stated, not
 * verified"; never used to decide anything.
 */
import { COMPACT_PREFIX, decodeJwt, expandPresentation, expandSdJwtPresentation, isObject, isSdJwt, parseEthrDid, SD_COMPACT_PREFIX, splitSdJwt, type TrustBundle } from "../core/index.ts";

export interface StatedFacts {
  readonly type?: string;
  readonly issuerName?: string;
  readonly region?: string;
}

/** The credential JWT a presentation carries (for an SD-JWT VC: its issuer-signed JWT). */
function credentialOf(text: string): string | undefined {
  if (text.startsWith(SD_COMPACT_PREFIX)) text = expandSdJwtPresentation(text);
  if (isSdJwt(text)) return splitSdJwt(text).issuerJwt;
  const token = text.startsWith(COMPACT_PREFIX) ? expandPresentation(text) : text;
  const { payload } = decodeJwt(token);
  const vp = payload.vp;
  if (isObject(vp) && Array.isArray(vp.verifiableCredential) && typeof vp.verifiableCredential[0] === "string") return vp.verifiableCredential[0];
  return isObject(payload.vc) ? token : undefined;
}

export function statedFacts(text: string, bundle: TrustBundle | undefined): StatedFacts {
  try {
    const credential = credentialOf(text.trim());
    if (!credential) return {};
    const { payload } = decodeJwt(credential);
    const vc = payload.vc;
    const types = isObject(vc) && Array.isArray(vc.type) ? vc.type.filter((x): x is string => typeof x === "string" && x !== "VerifiableCredential") : typeof payload.vct === "string" ? [payload.vct] : [];
    const ethr = typeof payload.iss === "string" ? parseEthrDid(payload.iss) : null;
    const issuer = ethr && bundle && Object.hasOwn(bundle.issuers, ethr.address) ? bundle.issuers[ethr.address] : undefined;
    return { type: types[0]?.slice(0, 60), issuerName: issuer?.name, region: issuer?.region };
  } catch {
    return {};
  }
}
