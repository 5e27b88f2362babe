/**
 * A jwt_vc on paper: the credential alone, printed as a QR code (`LZP1:`: its three JWS segments
 * as bytes, DEFLATE with the compact form's dictionary, base45). What paper means for a
 * verdict (mode `paper`, the type's policy, the identity claims) is every format's: core/paper.ts.
 */
import { join, packQrText, type QrForm, segments, unpackQrText } from "../../qr-text.ts";
import { MAX_JWT_CHARS } from "../../jwt.ts";
import { COMPACT_DICTIONARY } from "./compact.ts";

export const PAPER_PREFIX = "LZP1:";

/** `LZP1:`: the credential alone, with the compact form's dictionary. */
const LZP1: QrForm = {
  prefix: PAPER_PREFIX,
  version: 1,
  dictionary: COMPACT_DICTIONARY,
  maxBytes: MAX_JWT_CHARS,
  carries: "paper credential",
};

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
