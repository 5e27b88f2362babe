import { fromUtf8, utf8 } from "../../encoding.ts";
import { MAX_JWT_CHARS } from "../../jwt.ts";
import { CompactError, join, packQrText, type QrForm, segments, unpackQrText } from "../../qr-text.ts";

/**
 * The QR form of a presentation: the VP JWT, losslessly repacked. A VP JWT carries its credential
 * JWT inside its own base64url payload, so the credential is base64url-encoded twice (2.2 KB for
 * a health code: QR version 40). Here every JWT segment goes back to its bytes (JSON or raw
 * signature), the credential is cut out of the VP payload and spliced back on the way in, the
 * whole is DEFLATEd against a fixed dictionary of the formats' boilerplate, and written in base45
 * for the QR alphanumeric mode (as the EU DCC does with `HC1:`).
 *
 * Lossless: `expandPresentation(compactPresentation(vp)) === vp`, so both signatures verify
 * over their original bytes, and a checkpoint verifies exactly what a raw VP JWT would give.
 * base64url is canonical here (core/encoding.ts refuses other spellings), so re-encoding the
 * bytes gives back the very same segments.
 */
export const COMPACT_PREFIX = "LZ1:";
// Version 1's dictionary: changing a byte of it is a new format (LZ2:). Later strings cost fewer
// bits to reference, so the most common boilerplate comes last. It predates the move to Status
// List 2021's names (docs/decisions.md): those still match its "StatusList…Entry", "statusPurpose"
// and URL runs, and the QR texts already printed on paper stay readable.
const DICTIONARY = utf8(
  [
    '"DriverLicence","BusinessLicence","licenceNumber","givenName","familyName","birthDate","categories",',
    '"unifiedSocialCreditCode","entityName","legalRepresentative","registeredCapitalCny",',
    '"healthStatus":"green","yellow","red","HealthCode"',
    '{"alg":"EdDSA","typ":"vc+jwt","kid":"did:ethr:0x',
    '{"alg":"ES256","typ":"vp+jwt"}{"iss":"did:key:zDn',
    '","iat":1700000000,"vp":{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiablePresentation"],"verifiableCredential":[""]},"aud":"","nonce":"',
    '{"alg":"ES256K","typ":"vc+jwt","kid":"did:ethr:0x7a69:0x#key-',
    '{"iss":"did:ethr:0x7a69:0x","sub":"did:key:zDn","jti":"urn:uuid:","iat":1700000000,"nbf":1700000000,"exp":1700000000,',
    '"vc":{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential","HealthCode"],"credentialSubject":{',
    '"credentialStatus":[{"id":"http://127.0.0.1:/status/31337/',
    '#","type":"BitstringStatusListEntry","statusPurpose":"revocation","statusListIndex":"","statusListCredential":"http://127.0.0.1:/status/31337/',
    '"},{"id":"http://127.0.0.1:/status/31337/#","type":"BitstringStatusListEntry","statusPurpose":"suspension","statusListIndex":"","statusListCredential":"http://127.0.0.1:/status/31337/"}]}}',
  ].join(""),
);

/** Shared with the paper form (core/paper.ts), which packs the credential alone. */
export const COMPACT_DICTIONARY = DICTIONARY;

/** `LZ1:`: a VP JWT, the credential inside it at most a JWT's size. */
const LZ1: QrForm = {
  prefix: COMPACT_PREFIX,
  version: 1,
  dictionary: DICTIONARY,
  maxBytes: 2 * MAX_JWT_CHARS,
  carries: "presentation",
};

/** The QR text of a VP JWT carrying one credential JWT. Throws `compact_unsupported` for other shapes. */
export function compactPresentation(vpJwt: string): string {
  const [vpHeader, vpPayload, vpSig] = segments(vpJwt);
  const payloadText = fromUtf8(vpPayload, "payload");
  const vc = /"verifiableCredential":\["([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)"\]/.exec(payloadText);
  if (!vc) throw new CompactError("compact_unsupported", "the presentation does not carry exactly one credential JWT");
  const cut = vc.index + '"verifiableCredential":["'.length;
  const [vcHeader, vcPayload, vcSig] = segments(vc[1] as string);
  return packQrText(LZ1, [
    vcHeader,
    vcPayload,
    vcSig,
    vpHeader,
    utf8(payloadText.slice(0, cut)),
    utf8(payloadText.slice(cut + (vc[1] as string).length)),
    vpSig,
  ]);
}

/**
 * The VP JWT inside QR text. Caps the text (4,296 characters) and the inflated size (the JWT
 * limit), so a crafted code cannot make a checkpoint allocate without bound.
 */
export function expandPresentation(text: string): string {
  const r = unpackQrText(LZ1, text);
  const vc = join(r.field(), r.field(), r.field());
  const vpHeader = r.field();
  let prefix: string, suffix: string;
  try {
    prefix = fromUtf8(r.field(), "payload");
    suffix = fromUtf8(r.field(), "payload");
  } catch (e) {
    throw new CompactError("compact_malformed", (e as Error).message);
  }
  const vpSig = r.field();
  r.end();
  return join(vpHeader, utf8(prefix + vc + suffix), vpSig);
}

/** A scanned presentation: the compact QR form or a raw VP JWT (pasted), as the VP JWT. */
export function readPresentation(text: string): string {
  const t = text.trim();
  return t.startsWith(COMPACT_PREFIX) ? expandPresentation(t) : t;
}
