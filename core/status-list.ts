import { CodedError } from "./errors.ts";
import { gzipSync } from "fflate";
import { inflateCapped, InflateLimitError } from "./inflate.ts";
import { base64urlDecode, base64urlEncode } from "./encoding.ts";

/** Herd privacy floor (W3C Bitstring Status List §6.1): a list this large hides which credential was checked. */
export const MIN_STATUS_LIST_SIZE = 131_072;
/** No list we accept decompresses past this (16 Mi entries): a gzip bomb stops here. */
export const MAX_STATUS_LIST_BYTES = 2 * 1024 * 1024;

export class StatusListError extends CodedError<
  "status_list_malformed" | "status_list_too_short" | "status_list_too_large"
> {}

/** `encodedList` of a StatusList2021Credential: GZIP, then base64url (Status List 2021 has no multibase prefix). */
export function encodeStatusList(bits: Uint8Array): string {
  return base64urlEncode(gzipSync(bits, { level: 9, mtime: 0 }));
}

/**
 * Decodes an `encodedList` (also with Bitstring Status List's multibase `u`: GZIP in base64url
 * always starts `H4sI`, so the prefix cannot be mistaken); refuses lists under `minEntries` (131,072: herd privacy) and
 * anything inflating past `maxBytes` (a gzip bomb).
 */
export function decodeStatusList(
  encoded: string,
  maxBytes = MAX_STATUS_LIST_BYTES,
  minEntries = MIN_STATUS_LIST_SIZE,
): Uint8Array {
  let compressed: Uint8Array;
  try {
    compressed = base64urlDecode(encoded.startsWith("u") ? encoded.slice(1) : encoded, "encodedList");
  } catch (e) {
    throw new StatusListError("status_list_malformed", (e as Error).message);
  }
  let bits: Uint8Array;
  try {
    bits = inflateCapped(compressed, maxBytes, "gzip");
  } catch (e) {
    if (e instanceof InflateLimitError) throw new StatusListError("status_list_too_large", `status list ${e.message}`);
    throw new StatusListError("status_list_malformed", `status list is not valid GZIP: ${(e as Error).message}`);
  }
  if (bits.length * 8 < minEntries) {
    throw new StatusListError(
      "status_list_too_short",
      `status list has ${bits.length * 8} entries, fewer than ${minEntries}`,
    );
  }
  return bits;
}
