import { deflateSync } from "fflate";
import { base45Decode, base45Encode } from "./base45.ts";
import { CompactError, join, MAX_COMPACT_CHARS, pushField, pushVarint, Reader, segments } from "./compact.ts";
import { base64urlDecode, base64urlEncode, utf8 } from "./encoding.ts";
import { inflateCapped, InflateLimitError } from "./inflate.ts";
import { MAX_DISCLOSURES, MAX_SD_JWT_CHARS, splitSdJwt } from "./sd-jwt.ts";

/**
 * The QR form of an SD-JWT presentation, as `LZ1:` is for a VP JWT (core/compact.ts): every
 * JWT segment and every disclosure back to its bytes, DEFLATE against a fixed dictionary of the
 * SD-JWT VC boilerplate, base45, prefix `LZ2:`. Lossless: `expandSdJwtPresentation(compact(x))
 * === x`, so the issuer signature, the digests and the KB-JWT's sd_hash all hold over the very
 * bytes the holder presented. One QR text per presentation; the text and the inflated size are
 * capped as for `LZ1:`.
 */
export const SD_COMPACT_PREFIX = "LZ2:";

// Format 1 of LZ2's dictionary: changing a byte of it is a new format. Commonest strings last.
const DICTIONARY = utf8(
  [
    '"licenceNumber","givenName","familyName","birthDate","categories",["C1"]',
    '"unifiedSocialCreditCode","entityName","legalRepresentative","registeredCapitalCny",',
    '"DriverLicence","BusinessLicence","HealthCode"',
    '{"alg":"EdDSA","typ":"dc+sd-jwt","kid":"did:ethr:0x7a69:0x',
    '{"alg":"ES256K","typ":"dc+sd-jwt","kid":"did:ethr:0x7a69:0x#key-0x',
    '{"iss":"did:ethr:0x7a69:0x","jti":"urn:uuid:","iat":1800000000,"nbf":1800000000,"exp":1800000000,"vct":"',
    '","cnf":{"jwk":{"kty":"EC","crv":"P-256","x":"","y":""}},',
    '"status":{"status_list":{"idx":,"uri":"http://127.0.0.1:/status/31337/"},"suspension_list":{"idx":,"uri":"http://127.0.0.1:/status/31337/"}},',
    '"_sd":["","',
    '"],"_sd_alg":"sha-256"}',
    '{"alg":"ES256","typ":"kb+jwt"}{"iat":1800000000,"aud":"","nonce":"","sd_hash":"',
    '"healthStatus","green"]',
  ].join(""),
);

const VERSION = 1;

/** The QR text of an SD-JWT presentation (issuer JWT, disclosures, KB-JWT). Throws `compact_unsupported` for other shapes. */
export function compactSdJwtPresentation(presentation: string): string {
  let parts;
  let fields: Uint8Array[];
  try {
    parts = splitSdJwt(presentation);
    fields = [...segments(parts.issuerJwt)];
    fields.push(...(parts.kbJwt ? segments(parts.kbJwt) : [new Uint8Array(0)]));
    fields.push(...parts.disclosures.map((d) => base64urlDecode(d, "disclosure")));
  } catch (e) {
    throw new CompactError("compact_unsupported", `not an SD-JWT presentation the compact form repacks: ${(e as Error).message}`);
  }
  const out: number[] = [VERSION];
  pushVarint(out, parts.disclosures.length);
  for (const f of fields) pushField(out, f);
  return SD_COMPACT_PREFIX + base45Encode(deflateSync(Uint8Array.from(out), { level: 9, mem: 12, dictionary: DICTIONARY }));
}

/** The SD-JWT presentation inside `LZ2:` QR text; capped text and inflation (`compact_too_large`). */
export function expandSdJwtPresentation(text: string): string {
  if (!text.startsWith(SD_COMPACT_PREFIX)) throw new CompactError("compact_malformed", `QR text does not start with ${SD_COMPACT_PREFIX}`);
  if (text.length > MAX_COMPACT_CHARS) throw new CompactError("compact_too_large", `QR text longer than ${MAX_COMPACT_CHARS} characters`);
  let packed: Uint8Array;
  try {
    packed = inflateCapped(base45Decode(text.slice(SD_COMPACT_PREFIX.length), "QR text"), MAX_SD_JWT_CHARS, { dictionary: DICTIONARY });
  } catch (e) {
    if (e instanceof InflateLimitError) throw new CompactError("compact_too_large", `presentation ${e.message}`);
    throw new CompactError("compact_malformed", `QR text is not a Laissez SD-JWT presentation: ${(e as Error).message}`);
  }
  if (packed[0] !== VERSION) throw new CompactError("compact_malformed", `unknown compact version ${packed[0]}`);
  const r = new Reader(packed.subarray(1));
  const count = r.varint();
  if (count > MAX_DISCLOSURES) throw new CompactError("compact_malformed", `more than ${MAX_DISCLOSURES} disclosures`);
  const issuerJwt = join(r.field(), r.field(), r.field());
  const kbHeader = r.field();
  const kbJwt = kbHeader.length === 0 ? "" : join(kbHeader, r.field(), r.field());
  const disclosures: string[] = [];
  for (let i = 0; i < count; i++) disclosures.push(base64urlEncode(r.field()));
  r.end();
  return `${issuerJwt}~${disclosures.map((d) => `${d}~`).join("")}${kbJwt}`;
}
