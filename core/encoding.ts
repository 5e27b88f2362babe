/** Byte encodings, strict: a malformed input throws a TypeError naming the field. */

/**
 * Node's Buffer when present (found on globalThis, never imported: this module also runs in
 * browsers). Its base64 and UTF-8 codecs are native and several times faster than atob or
 * TextEncoder on the verification hot path; the strictness checks below run either way.
 */
interface BufferLike {
  from(text: string, encoding: "base64url" | "utf8" | "latin1"): Uint8Array;
}
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;

const B64URL = /^[A-Za-z0-9_-]*$/;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

export function base64urlDecode(text: string, field = "value"): Uint8Array {
  const rest = text.length % 4;
  if (!B64URL.test(text) || rest === 1) throw new TypeError(`${field}: not base64url`);
  // Non-canonical trailing bits would let two strings decode to the same bytes.
  if (rest !== 0 && ((LOOKUP[text.charCodeAt(text.length - 1)] as number) & (rest === 2 ? 0x0f : 0x03)) !== 0) {
    throw new TypeError(`${field}: non-canonical base64url`);
  }
  if (NodeBuffer) return NodeBuffer.from(text, "base64url");
  // atob is native in browsers: several times faster than decoding in JS.
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function base64urlEncode(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!;
  }
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export const utf8 = (text: string): Uint8Array => (NodeBuffer ? NodeBuffer.from(text, "utf8") : encoder.encode(text));

export function fromUtf8(bytes: Uint8Array, field = "value"): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new TypeError(`${field}: not UTF-8`);
  }
}

export function hexToBytes(hex: string, field = "value"): Uint8Array {
  const h = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new TypeError(`${field}: not hex`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}
