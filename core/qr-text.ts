import { deflateSync } from "fflate";
import { base45Decode, base45Encode } from "./base45.ts";
import { base64urlDecode, base64urlEncode } from "./encoding.ts";
import { CodedError } from "./errors.ts";
import { inflateCapped, InflateLimitError } from "./inflate.ts";

/**
 * QR text, whatever it carries: a prefix naming the form (each format's QR and paper forms
 * declare theirs in their folder under core/formats/), a version byte, length-prefixed fields,
 * DEFLATE against the form's fixed dictionary, base45 for the QR alphanumeric mode (as the EU
 * DCC does with `HC1:`). The text and the inflated size are capped here, once for every form.
 */

/** Largest QR code (version 40, level L) holds 4,296 alphanumeric characters. */
export const MAX_COMPACT_CHARS = 4296;

export class CompactError extends CodedError<"compact_malformed" | "compact_too_large" | "compact_unsupported"> {}

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
    if (this.at + n > this.bytes.length)
      throw new CompactError("compact_malformed", `${this.carries} ends inside a field`);
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
  return (
    form.prefix + base45Encode(deflateSync(Uint8Array.from(out), { level: 9, mem: 12, dictionary: form.dictionary }))
  );
}

/**
 * The packed fields inside QR text of a form, to read in order. Caps the text (4,296
 * characters) and the inflated size (`compact_too_large`); anything else unreadable is
 * `compact_malformed`.
 */
export function unpackQrText(form: QrForm, text: string): Reader {
  if (!text.startsWith(form.prefix))
    throw new CompactError("compact_malformed", `QR text does not start with ${form.prefix}`);
  if (text.length > MAX_COMPACT_CHARS)
    throw new CompactError("compact_too_large", `QR text longer than ${MAX_COMPACT_CHARS} characters`);
  let packed: Uint8Array;
  try {
    packed = inflateCapped(base45Decode(text.slice(form.prefix.length), "QR text"), form.maxBytes, {
      dictionary: form.dictionary,
    });
  } catch (e) {
    if (e instanceof InflateLimitError) throw new CompactError("compact_too_large", `${form.carries} ${e.message}`);
    throw new CompactError("compact_malformed", `QR text is not a Laissez ${form.carries}: ${(e as Error).message}`);
  }
  if (packed[0] !== form.version)
    throw new CompactError("compact_malformed", `unknown ${form.prefix} version ${packed[0]}`);
  return new Reader(packed.subarray(1), form.carries);
}

export const segments = (jwt: string): [Uint8Array, Uint8Array, Uint8Array] => {
  const parts = jwt.split(".");
  if (parts.length !== 3) throw new CompactError("compact_unsupported", "not a compact JWS");
  return parts.map((p, i) => base64urlDecode(p, ["header", "payload", "signature"][i])) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
};

export const join = (h: Uint8Array, p: Uint8Array, s: Uint8Array): string =>
  `${base64urlEncode(h)}.${base64urlEncode(p)}.${base64urlEncode(s)}`;
