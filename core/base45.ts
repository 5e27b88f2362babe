/**
 * Base45 (RFC 9285): bytes as the QR alphanumeric alphabet, so a QR code can use alphanumeric
 * mode (5.5 bits a character) instead of byte mode, and every scanner returns the text unchanged.
 */
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

export function base45Encode(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 2) {
    if (i + 1 < bytes.length) {
      const n = (bytes[i] as number) * 256 + (bytes[i + 1] as number);
      out += ALPHABET[n % 45]! + ALPHABET[Math.floor(n / 45) % 45]! + ALPHABET[Math.floor(n / 2025)]!;
    } else {
      const n = bytes[i] as number;
      out += ALPHABET[n % 45]! + ALPHABET[Math.floor(n / 45)]!;
    }
  }
  return out;
}

/** Strict: a character outside the alphabet, a dangling character or an out-of-range group throws. */
export function base45Decode(text: string, field = "value"): Uint8Array {
  if (text.length % 3 === 1) throw new TypeError(`${field}: not base45 (length)`);
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
  const digit = (i: number): number => {
    const c = text.charCodeAt(i);
    const v = c < 128 ? (VALUE[c] as number) : -1;
    if (v < 0) throw new TypeError(`${field}: not base45 (character ${i})`);
    return v;
  };
  let o = 0;
  for (let i = 0; i < text.length; i += 3) {
    if (i + 2 < text.length) {
      const n = digit(i) + digit(i + 1) * 45 + digit(i + 2) * 2025;
      if (n > 0xffff) throw new TypeError(`${field}: not base45 (group at ${i})`);
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    } else {
      const n = digit(i) + digit(i + 1) * 45;
      if (n > 0xff) throw new TypeError(`${field}: not base45 (group at ${i})`);
      out[o++] = n;
    }
  }
  return out;
}
