/**
 * Every bit order a status bit travels through, in one place:
 *
 * - **chain**: StatusRegistry packs a list in uint256 words; index i is bit i % 256 (least
 *   significant first) of word i / 256. `wordMask`, `toWordMasks`.
 * - **W3C Bitstring Status List** (the bundle, `encodedList`): index i is bit 7 - i % 8 (most
 *   significant first) of byte i / 8. `getBit`, `setBit`; `wordsToBitstring`, `applyWordMask`
 *   convert from the chain.
 * - **IETF Token Status List** (SD-JWT VC `status_list.lst`): index i's status is `bits` wide
 *   (1, 2, 4 or 8) at bit (i × bits) % 8, least significant first, of byte (i × bits) / 8.
 *   `getTokenStatus`, `setTokenStatus`; `wordsToTokenStatusList` converts from the chain (with
 *   1-bit statuses a chain word's bytes are already in this order, little-endian).
 */

/** Bits per on-chain word. */
export const WORD_BITS = 256;
const WORD_BYTES = WORD_BITS / 8;

/** W3C order: is index's bit set? */
export function getBit(bits: Uint8Array, index: number): boolean {
  return (((bits[index >> 3] as number) >> (7 - (index & 7))) & 1) === 1;
}

/** W3C order: sets or clears index's bit. */
export function setBit(bits: Uint8Array, index: number, value: boolean): void {
  const mask = 1 << (7 - (index & 7));
  const byte = bits[index >> 3] as number;
  bits[index >> 3] = value ? byte | mask : byte & ~mask;
}

/** Chain order: the word holding index, and the index's bit in it. */
export function wordMask(index: number): { readonly word: number; readonly mask: bigint } {
  return { word: Math.floor(index / WORD_BITS), mask: 1n << BigInt(index % WORD_BITS) };
}

export interface WordMasks {
  /** Ascending word indices. */
  readonly wordIndices: readonly bigint[];
  /** For each word, the bits to change in it. */
  readonly masks: readonly bigint[];
}

/**
 * Groups status-list indices into (word, mask) pairs: the form StatusRegistry.updateStatus
 * takes, so bits in one word cost one storage write. Throws for an index outside [0, size).
 */
export function toWordMasks(indices: Iterable<number>, size: number): WordMasks {
  const byWord = new Map<number, bigint>();
  for (const index of indices) {
    if (!Number.isSafeInteger(index) || index < 0 || index >= size)
      throw new RangeError(`status index ${index} outside [0, ${size})`);
    const { word, mask } = wordMask(index);
    byWord.set(word, (byWord.get(word) ?? 0n) | mask);
  }
  const words = [...byWord.keys()].sort((a, b) => a - b);
  return { wordIndices: words.map(BigInt), masks: words.map((w) => byWord.get(w) as bigint) };
}

/** Each byte with its bits in reverse order: chain (LSB-first) byte ↔ W3C (MSB-first) byte. */
const REVERSED = Uint8Array.from({ length: 256 }, (_, b) => {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
  return r;
});

/** A uint256 word's 32 bytes, least significant first (byte k holds the word's bits 8k..8k+7). */
function wordBytes(word: bigint): Uint8Array {
  if (word < 0n || word >> BigInt(WORD_BITS) !== 0n) throw new RangeError("status word outside uint256");
  const hex = word.toString(16).padStart(2 * WORD_BYTES, "0");
  const out = new Uint8Array(WORD_BYTES);
  for (let k = 0; k < WORD_BYTES; k++) out[k] = parseInt(hex.slice(hex.length - 2 * k - 2, hex.length - 2 * k), 16);
  return out;
}

/** Sets (or clears) in a W3C bitstring the bits a chain word's mask names. */
export function applyWordMask(bits: Uint8Array, word: number, mask: bigint, value: boolean): void {
  if (mask === 0n) return;
  const bytes = wordBytes(mask);
  const base = word * WORD_BYTES;
  for (let k = 0; k < WORD_BYTES; k++) {
    const m = REVERSED[bytes[k] as number] as number;
    if (m !== 0) bits[base + k] = value ? (bits[base + k] as number) | m : (bits[base + k] as number) & ~m;
  }
}

/** A W3C bitstring from a list's words on chain. */
export function wordsToBitstring(words: readonly bigint[]): Uint8Array {
  const bits = new Uint8Array(words.length * WORD_BYTES);
  words.forEach((w, i) => applyWordMask(bits, i, w, true));
  return bits;
}

/** An IETF Token Status List (1-bit statuses) from a list's words on chain. */
export function wordsToTokenStatusList(words: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(words.length * WORD_BYTES);
  words.forEach((w, i) => out.set(wordBytes(w), i * WORD_BYTES));
  return out;
}

export type TokenStatusBits = 1 | 2 | 4 | 8;

/** IETF Token Status List order: the status of index (0 = VALID, 1 = INVALID, 2 = SUSPENDED, …). */
export function getTokenStatus(list: Uint8Array, index: number, bits: TokenStatusBits = 1): number {
  const at = index * bits;
  return ((list[at >> 3] as number) >> (at & 7)) & ((1 << bits) - 1);
}

/** IETF Token Status List order: writes index's status. */
export function setTokenStatus(list: Uint8Array, index: number, status: number, bits: TokenStatusBits = 1): void {
  const at = index * bits;
  const mask = ((1 << bits) - 1) << (at & 7);
  list[at >> 3] = ((list[at >> 3] as number) & ~mask) | ((status << (at & 7)) & mask);
}

/** An IETF Token Status List (1-bit statuses) from a W3C bitstring: each byte's bits reversed. */
export function bitstringToTokenStatusList(bits: Uint8Array): Uint8Array {
  return bits.map((b) => REVERSED[b] as number);
}
