import { CompactError, join, packQrText, pushVarint, type QrForm, segments, unpackQrText } from "../../qr-text.ts";
import { p256 } from "@noble/curves/nist.js";
import { base64urlDecode, base64urlEncode, bytesToHex, fromUtf8, hexToBytes, utf8 } from "../../encoding.ts";
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

/** Exported for tests that make other encodings of one presentation. */
export const SD_COMPACT_DICTIONARY = DICTIONARY;

/** `LZ2:`: an SD-JWT presentation, at most an SD-JWT's size. */
const LZ2: QrForm = {
  prefix: SD_COMPACT_PREFIX,
  version: 1,
  dictionary: DICTIONARY,
  maxBytes: MAX_SD_JWT_CHARS,
  carries: "SD-JWT presentation",
};

/**
 * JSON text with its random parts as bytes: a base64url string of 32 bytes (a digest, a key
 * coordinate, sd_hash) costs 43 characters that DEFLATE codes at ~6.5 bits each; as bytes, 32.
 * A P-256 JWK's `"x":…,"y":…` becomes the 33-byte compressed point (y follows from x and its
 * parity), a `0x` address its 20 bytes. Markers are control bytes JSON text never contains raw;
 * a text that does contain one is left as it is (flag 0). Exact: expansion writes the canonical
 * base64url and lowercase hex the packing matched, so the bytes come back identical.
 */
const B64_32 = 1;
const HEX_20 = 2;
const P256_XY = 3;
const B64_16 = 4;
const PACKABLE =
  /"x":"([A-Za-z0-9_-]{43})","y":"([A-Za-z0-9_-]{43})"|"([A-Za-z0-9_-]{43}|[A-Za-z0-9_-]{22})"|0x([0-9a-f]{40})/g;

function packJson(bytes: Uint8Array): Uint8Array {
  if (bytes.some((b) => b < 5)) return Uint8Array.from([0, ...bytes]);
  const text = fromUtf8(bytes, "segment");
  const out: number[] = [1];
  let at = 0;
  for (const m of text.matchAll(PACKABLE)) {
    const packed = packMatch(m);
    if (!packed) continue;
    for (const b of utf8(text.slice(at, m.index))) out.push(b);
    for (const b of packed) out.push(b);
    at = m.index + m[0].length;
  }
  for (const b of utf8(text.slice(at))) out.push(b);
  return Uint8Array.from(out);
}

/** A match as marker + bytes, or null when re-encoding would not give the same text back. */
function packMatch(m: RegExpMatchArray): number[] | null {
  try {
    if (m[1] !== undefined && m[2] !== undefined) {
      const x = base64urlDecode(m[1], "x");
      const y = base64urlDecode(m[2], "y");
      const point = p256.Point.fromBytes(Uint8Array.from([4, ...x, ...y])).toBytes(true);
      return [P256_XY, ...point];
    }
    if (m[3] !== undefined) {
      const raw = base64urlDecode(m[3], "string");
      return [raw.length === 32 ? B64_32 : B64_16, ...raw];
    }
    return [HEX_20, ...hexToBytes(m[4] as string)];
  } catch {
    return null; // non-canonical base64url, or not a point: left as text
  }
}

function unpackJson(packed: Uint8Array): Uint8Array {
  if (packed[0] === 0) return packed.subarray(1);
  if (packed[0] !== 1) throw new CompactError("compact_malformed", "unknown segment packing");
  const out: number[] = [];
  const take = (at: number, n: number): Uint8Array => {
    if (at + n > packed.length) throw new CompactError("compact_malformed", "packed segment ends inside a value");
    return packed.subarray(at, at + n);
  };
  for (let i = 1; i < packed.length; i++) {
    const b = packed[i] as number;
    let text: string | undefined;
    if (b === B64_32 || b === B64_16) text = `"${base64urlEncode(take(i + 1, b === B64_32 ? 32 : 16))}"`;
    else if (b === HEX_20) text = `0x${bytesToHex(take(i + 1, 20))}`;
    else if (b === P256_XY) {
      let raw: Uint8Array;
      try {
        raw = p256.Point.fromBytes(take(i + 1, 33)).toBytes(false);
      } catch {
        throw new CompactError("compact_malformed", "packed key is not a P-256 point");
      }
      text = `"x":"${base64urlEncode(raw.subarray(1, 33))}","y":"${base64urlEncode(raw.subarray(33))}"`;
    }
    if (text === undefined) out.push(b);
    else {
      for (const c of utf8(text)) out.push(c);
      i += b === B64_32 ? 32 : b === B64_16 ? 16 : b === HEX_20 ? 20 : 33;
    }
  }
  return Uint8Array.from(out);
}

/** The QR text of an SD-JWT presentation (issuer JWT, disclosures, KB-JWT). Throws `compact_unsupported` for other shapes. */
export function compactSdJwtPresentation(presentation: string): string {
  let parts;
  let fields: Uint8Array[];
  try {
    parts = splitSdJwt(presentation);
    const [h, p, sig] = segments(parts.issuerJwt);
    fields = [packJson(h), packJson(p), sig];
    if (parts.kbJwt) {
      const [kh, kp, ks] = segments(parts.kbJwt);
      fields.push(packJson(kh), packJson(kp), ks);
    } else fields.push(new Uint8Array(0));
    fields.push(...parts.disclosures.map((d) => packJson(base64urlDecode(d, "disclosure"))));
  } catch (e) {
    throw new CompactError(
      "compact_unsupported",
      `not an SD-JWT presentation the compact form repacks: ${(e as Error).message}`,
    );
  }
  const count: number[] = [];
  pushVarint(count, parts.disclosures.length);
  return packQrText(LZ2, fields, count);
}

/** The SD-JWT presentation inside `LZ2:` QR text; capped text and inflation (`compact_too_large`). */
export function expandSdJwtPresentation(text: string): string {
  const r = unpackQrText(LZ2, text);
  const count = r.varint();
  if (count > MAX_DISCLOSURES) throw new CompactError("compact_malformed", `more than ${MAX_DISCLOSURES} disclosures`);
  const issuerJwt = join(unpackJson(r.field()), unpackJson(r.field()), r.field());
  const kbHeader = r.field();
  const kbJwt = kbHeader.length === 0 ? "" : join(unpackJson(kbHeader), unpackJson(r.field()), r.field());
  const disclosures: string[] = [];
  for (let i = 0; i < count; i++) disclosures.push(base64urlEncode(unpackJson(r.field())));
  r.end();
  return `${issuerJwt}~${disclosures.map((d) => `${d}~`).join("")}${kbJwt}`;
}
