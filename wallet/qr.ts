import { CompactError, compactPresentation, compactSdJwtPresentation, isSdJwt } from "../core/index.ts";

/**
 * The text a presentation's QR code carries: the compact form (`LZ1:` for a VP JWT, `LZ2:` for
 * an SD-JWT presentation; base45, alphanumeric mode), or the presentation itself when it is not
 * a shape the compact form repacks.
 */
export function presentationQrText(vpJwt: string): string {
  try {
    return isSdJwt(vpJwt) ? compactSdJwtPresentation(vpJwt) : compactPresentation(vpJwt);
  } catch (e) {
    if (e instanceof CompactError) return vpJwt;
    throw e;
  }
}
