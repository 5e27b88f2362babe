import { CodedError } from "./errors.ts";
import { Gunzip, gzipSync } from "fflate";
import { base64urlDecode, base64urlEncode } from "./encoding.ts";

/** Herd privacy floor (W3C Bitstring Status List §6.1): a list this large hides which credential was checked. */
export const MIN_STATUS_LIST_SIZE = 131_072;
/** No list we accept decompresses past this (16 Mi entries): a gzip bomb stops here. */
export const MAX_STATUS_LIST_BYTES = 2 * 1024 * 1024;

export class StatusListError extends CodedError<"status_list_malformed" | "status_list_too_short" | "status_list_too_large"> {}

/**
 * W3C Bitstring Status List bit order: index 0 is the most significant bit of byte 0.
 * (On chain, index i is bit i % 256, least significant first, of word i / 256: sync converts.)
 */
export function getBit(bits: Uint8Array, index: number): boolean {
  return (((bits[index >> 3] as number) >> (7 - (index & 7))) & 1) === 1;
}

export function setBit(bits: Uint8Array, index: number, value: boolean): void {
  const mask = 1 << (7 - (index & 7));
  const byte = bits[index >> 3] as number;
  bits[index >> 3] = value ? byte | mask : byte & ~mask;
}

/** `encodedList` of a BitstringStatusListCredential: GZIP, then base64url (multibase prefix `u`). */
export function encodeStatusList(bits: Uint8Array): string {
  return `u${base64urlEncode(gzipSync(bits, { level: 9, mtime: 0 }))}`;
}

/**
 * Decodes an `encodedList`; refuses lists under `minEntries` (131,072: herd privacy) and
 * anything inflating past `maxBytes` (a gzip bomb).
 */
export function decodeStatusList(encoded: string, maxBytes = MAX_STATUS_LIST_BYTES, minEntries = MIN_STATUS_LIST_SIZE): Uint8Array {
  let compressed: Uint8Array;
  try {
    compressed = base64urlDecode(encoded.startsWith("u") ? encoded.slice(1) : encoded, "encodedList");
  } catch (e) {
    throw new StatusListError("status_list_malformed", (e as Error).message);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const gunzip = new Gunzip((chunk) => {
    total += chunk.length;
    if (total > maxBytes) throw new StatusListError("status_list_too_large", `status list inflates past ${maxBytes} bytes`);
    chunks.push(chunk);
  });
  try {
    // Feed in small pieces so an oversized output is caught after at most one piece's worth.
    for (let i = 0; i < compressed.length; i += 1024) gunzip.push(compressed.subarray(i, i + 1024), i + 1024 >= compressed.length);
  } catch (e) {
    if (e instanceof StatusListError) throw e;
    throw new StatusListError("status_list_malformed", `status list is not valid GZIP: ${(e as Error).message}`);
  }
  const bits = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    bits.set(c, o);
    o += c.length;
  }
  if (bits.length * 8 < minEntries) {
    throw new StatusListError("status_list_too_short", `status list has ${bits.length * 8} entries, fewer than ${minEntries}`);
  }
  return bits;
}
