/**
 * A status list's bits as a checkpoint holds them in memory. At national scale (1.9 × 10^9
 * entries, 0.5 % set) full bitstrings take 475 MB — more than a phone's browser gives a page —
 * while the set indices alone take 38 MB (BENCHMARKS.md, national scale). So a list is held as
 * its set indices, sorted (`sparse`: 4 bytes per set bit), until that would be larger than the
 * bitstring (`dense`: size / 8 bytes, W3C order), then as the bitstring: whichever is smaller,
 * so a list whose writer sets every bit costs no more than its bitstring.
 *
 * Plain data (typed arrays in an object), so a bundle stays `structuredClone`-able; changes make
 * a new value and never touch the old one (a delta never changes the bundle it started from).
 */
import { getBit, WORD_BITS } from "./status-bits.ts";

export type StatusSet = { readonly sparse: Uint32Array } | { readonly dense: Uint8Array };

export const emptyStatusSet = (): StatusSet => ({ sparse: new Uint32Array(0) });

/** Sparse while 4 bytes per set index stay within the bitstring's size / 8 bytes. */
const sparseFits = (count: number, size: number): boolean => count * 32 <= size;

/** Is `index`'s bit set? Binary search over the set indices, or one bit of the bitstring. */
export function hasStatus(s: StatusSet, index: number): boolean {
  if ("dense" in s) return getBit(s.dense, index);
  const set = s.sparse;
  let lo = 0;
  let hi = set.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = set[mid] as number;
    if (v === index) return true;
    if (v < index) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** How many bits are set. */
export function countSet(s: StatusSet): number {
  if ("sparse" in s) return s.sparse.length;
  let n = 0;
  for (const byte of s.dense) {
    let b = byte;
    while (b) {
      b &= b - 1;
      n++;
    }
  }
  return n;
}

/** The set indices of a W3C bitstring, ascending. */
function setIndices(bits: Uint8Array): Uint32Array {
  const out: number[] = [];
  for (let byte = 0; byte < bits.length; byte++) {
    const b = bits[byte] as number;
    if (b !== 0) for (let j = 0; j < 8; j++) if (b & (0x80 >> j)) out.push(byte * 8 + j);
  }
  return Uint32Array.from(out);
}

/** The held form of a W3C bitstring of `size` entries (the smaller of the two). */
export function statusSetFromBitstring(bits: Uint8Array, size: number): StatusSet {
  const count = countSet({ dense: bits });
  return sparseFits(count, size) ? { sparse: setIndices(bits) } : { dense: bits.slice() };
}

/** The W3C bitstring of `size` entries (what the bundle's `encodedList` carries). */
export function statusSetToBitstring(s: StatusSet, size: number): Uint8Array {
  if ("dense" in s) return s.dense.slice();
  const bits = new Uint8Array(Math.ceil(size / 8));
  for (const i of s.sparse) bits[i >> 3] = (bits[i >> 3] as number) | (0x80 >> (i & 7));
  return bits;
}

/**
 * `s` with `changes` applied (index → set or cleared; the last change to an index is the one
 * that counts, so a caller collects a whole delta's changes and applies them once: a merge, not
 * one copy per event). Indices must be within [0, size).
 */
export function applyStatusChanges(s: StatusSet, size: number, changes: ReadonlyMap<number, boolean>): StatusSet {
  if (changes.size === 0) return s;
  if ("dense" in s) {
    const bits = s.dense.slice();
    for (const [i, value] of changes) {
      const mask = 0x80 >> (i & 7);
      bits[i >> 3] = value ? (bits[i >> 3] as number) | mask : (bits[i >> 3] as number) & ~mask;
    }
    return statusSetFromBitstring(bits, size);
  }
  const added = [...changes]
    .filter(([, v]) => v)
    .map(([i]) => i)
    .sort((a, b) => a - b);
  const merged = new Uint32Array(s.sparse.length + added.length);
  let n = 0;
  let a = 0;
  const keep = (i: number) => {
    // Cleared by this delta, or already written (an index set twice): skip.
    if (changes.get(i) === false || (n > 0 && merged[n - 1] === i)) return;
    merged[n++] = i;
  };
  for (const i of s.sparse) {
    while (a < added.length && (added[a] as number) < i) keep(added[a++] as number);
    keep(i);
  }
  while (a < added.length) keep(added[a++] as number);
  const next = merged.slice(0, n);
  return sparseFits(next.length, size) ? { sparse: next } : { dense: statusSetToBitstring({ sparse: next }, size) };
}

/** The indices a chain word's mask names (chain order: bit k of word w is index w × 256 + k), into `changes`. */
export function collectWordMask(changes: Map<number, boolean>, word: number, mask: bigint, value: boolean): void {
  let m = mask;
  let base = word * WORD_BITS;
  while (m !== 0n) {
    // 32 bits at a time: BigInt shifts cost more than number bit tests.
    let chunk = Number(m & 0xffffffffn);
    while (chunk !== 0) {
      const low = chunk & -chunk;
      changes.set(base + 31 - Math.clz32(low), value);
      chunk ^= low;
    }
    m >>= 32n;
    base += 32;
  }
}
