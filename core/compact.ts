import { deflateSync } from "fflate";
import { base45Decode, base45Encode } from "./base45.ts";
import { base64urlDecode, base64urlEncode, fromUtf8, utf8 } from "./encoding.ts";
import { CodedError } from "./errors.ts";
import { inflateCapped, InflateLimitError } from "./inflate.ts";
import { MAX_JWT_CHARS } from "./jwt.ts";

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
/** Largest QR code (version 40, level L) holds 4,296 alphanumeric characters. */
export const MAX_COMPACT_CHARS = 4296;

export class CompactError extends CodedError<"compact_malformed" | "compact_too_large" | "compact_unsupported"> {}

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
const LZ1: QrForm = { prefix: COMPACT_PREFIX, version: 1, dictionary: DICTIONARY, maxBytes: 2 * MAX_JWT_CHARS, carries: "presentation" };

export function pushVarint(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
}

function pushField(out: number[], bytes: Uint8Array): void {
  pushVarint(out, bytes.length);
  for (const b of bytes) out.push(b);
}

export class Reader {
  private at = 0;
  private readonly bytes: Uint8Array;
  /** What the bytes carry, as errors name it. */
  private readonly carries: string;
  constructor(bytes: Uint8Array, carries = "presentation") {
    this.bytes = bytes;
    this.carries = carries;
  }
  varint(): number {
    let n = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = this.bytes[this.at++];
      if (b === undefined) throw new CompactError("compact_malformed", `${this.carries} ends inside a length`);
      n |= (b & 0x7f) << shift;
      if (b < 0x80) return n;
    }
    throw new CompactError("compact_malformed", "length too long");
  }
  field(): Uint8Array {
    const n = this.varint();
    if (this.at + n > this.bytes.length) throw new CompactError("compact_malformed", `${this.carries} ends inside a field`);
    return this.bytes.subarray(this.at, (this.at += n));
  }
  end(): void {
    if (this.at !== this.bytes.length) throw new CompactError("compact_malformed", "trailing bytes");
  }
}

/** One QR text form (`LZ1:`, `LZ2:`, `LZP1:`): its prefix, version byte and DEFLATE dictionary. */
export interface QrForm {
  readonly prefix: string;
  readonly version: number;
  /** Changing a byte of it is a new format. */
  readonly dictionary: Uint8Array;
  /** The inflated size cap, bytes: a crafted code cannot make a checkpoint allocate without bound. */
  readonly maxBytes: number;
  /** What the text carries, as errors name it. */
  readonly carries: string;
}

/** QR text of packed fields: the version byte, `head` (a count), each field length-prefixed; DEFLATE against the form's dictionary; base45. */
export function packQrText(form: QrForm, fields: readonly Uint8Array[], head: readonly number[] = []): string {
  const out: number[] = [form.version, ...head];
  for (const f of fields) pushField(out, f);
  return form.prefix + base45Encode(deflateSync(Uint8Array.from(out), { level: 9, mem: 12, dictionary: form.dictionary }));
}

/**
 * The packed fields inside QR text of a form, to read in order. Caps the text (4,296
 * characters) and the inflated size (`compact_too_large`); anything else unreadable is
 * `compact_malformed`, and so is a second encoding of the same bytes: data after the stream,
 * or a stream that never refers to the form's dictionary (core/inflate.ts).
 */
export function unpackQrText(form: QrForm, text: string): Reader {
  if (!text.startsWith(form.prefix)) throw new CompactError("compact_malformed", `QR text does not start with ${form.prefix}`);
  if (text.length > MAX_COMPACT_CHARS) throw new CompactError("compact_too_large", `QR text longer than ${MAX_COMPACT_CHARS} characters`);
  let packed: Uint8Array;
  try {
    packed = inflateCapped(base45Decode(text.slice(form.prefix.length), "QR text"), form.maxBytes, { dictionary: form.dictionary });
  } catch (e) {
    if (e instanceof InflateLimitError) throw new CompactError("compact_too_large", `${form.carries} ${e.message}`);
    throw new CompactError("compact_malformed", `QR text is not a Laissez ${form.carries}: ${(e as Error).message}`);
  }
  if (packed[0] !== form.version) throw new CompactError("compact_malformed", `unknown ${form.prefix} version ${packed[0]}`);
  return new Reader(packed.subarray(1), form.carries);
}

export const segments = (jwt: string): [Uint8Array, Uint8Array, Uint8Array] => {
  const parts = jwt.split(".");
  if (parts.length !== 3) throw new CompactError("compact_unsupported", "not a compact JWS");
  return parts.map((p, i) => base64urlDecode(p, ["header", "payload", "signature"][i])) as [Uint8Array, Uint8Array, Uint8Array];
};

export const join = (h: Uint8Array, p: Uint8Array, s: Uint8Array): string => `${base64urlEncode(h)}.${base64urlEncode(p)}.${base64urlEncode(s)}`;

/** The QR text of a VP JWT carrying one credential JWT. Throws `compact_unsupported` for other shapes. */
export function compactPresentation(vpJwt: string): string {
  const [vpHeader, vpPayload, vpSig] = segments(vpJwt);
  const payloadText = fromUtf8(vpPayload, "payload");
  const vc = /"verifiableCredential":\["([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)"\]/.exec(payloadText);
  if (!vc) throw new CompactError("compact_unsupported", "the presentation does not carry exactly one credential JWT");
  const cut = vc.index + '"verifiableCredential":["'.length;
  const [vcHeader, vcPayload, vcSig] = segments(vc[1] as string);
  return packQrText(LZ1, [vcHeader, vcPayload, vcSig, vpHeader, utf8(payloadText.slice(0, cut)), utf8(payloadText.slice(cut + (vc[1] as string).length)), vpSig]);
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
