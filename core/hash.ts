import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { canonicalize } from "./canonical.ts";

/** 0x-prefixed SHA-256 of a value's canonical JSON: how a credential type's schema is pinned on chain. */
export function hashCanonical(value: unknown): `0x${string}` {
  return `0x${bytesToHex(sha256(utf8ToBytes(canonicalize(value))))}`;
}
