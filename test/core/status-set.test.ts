/**
 * The in-memory status set (core/status-set.ts) against the plain W3C bitstring it replaces:
 * random deltas give the same bits, the smaller representation is chosen (so a writer that
 * sets every bit costs no more memory than the bitstring), and the set it started from is
 * never changed.
 */
import { describe, expect, it } from "vitest";
import { applyWordMask, getBit, setBit, toWordMasks } from "../../core/status-bits.ts";
import {
  applyStatusChanges,
  collectWordMask,
  countSet,
  emptyStatusSet,
  hasStatus,
  statusSetFromBitstring,
  statusSetToBitstring,
  type StatusSet,
} from "../../core/status-set.ts";

const SIZE = 131_072;
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe("status set", () => {
  it("matches the bitstring through random deltas, chain word masks included, and never changes the set it started from", () => {
    const r = rng(7);
    let set: StatusSet = emptyStatusSet();
    const reference = new Uint8Array(SIZE / 8);
    for (let round = 0; round < 40; round++) {
      const before = set;
      const beforeBits = statusSetToBitstring(before, SIZE);
      const changes = new Map<number, boolean>();
      // One delta: several events on the list, later ones overriding earlier ones for an index.
      for (let e = 0; e < 5; e++) {
        const value = r() < 0.7;
        const indices = Array.from({ length: 1 + Math.floor(r() * 300) }, () =>
          Math.floor(r() * (round < 30 ? SIZE : 2048)),
        );
        const { wordIndices, masks } = toWordMasks(indices, SIZE);
        wordIndices.forEach((w, k) => {
          collectWordMask(changes, Number(w), masks[k]!, value);
          applyWordMask(reference, Number(w), masks[k]!, value);
        });
      }
      set = applyStatusChanges(set, SIZE, changes);
      expect(statusSetToBitstring(set, SIZE)).toEqual(reference);
      expect(statusSetToBitstring(before, SIZE)).toEqual(beforeBits);
      for (let q = 0; q < 200; q++) {
        const i = Math.floor(r() * SIZE);
        expect(hasStatus(set, i)).toBe(getBit(reference, i));
      }
    }
  });

  it("holds the set indices while they are smaller than the bitstring, the bitstring once not, and back", () => {
    const few = new Map(Array.from({ length: SIZE / 32 }, (_, k): [number, boolean] => [k * 31, true]));
    const sparse = applyStatusChanges(emptyStatusSet(), SIZE, few);
    expect("sparse" in sparse && sparse.sparse.byteLength).toBe(SIZE / 8);
    const one = applyStatusChanges(sparse, SIZE, new Map([[SIZE - 1, true]]));
    expect("dense" in one && one.dense.byteLength).toBe(SIZE / 8);
    expect(countSet(one)).toBe(SIZE / 32 + 1);
    const all = applyStatusChanges(
      one,
      SIZE,
      new Map(Array.from({ length: SIZE }, (_, i): [number, boolean] => [i, true])),
    );
    expect(["dense" in all, countSet(all), hasStatus(all, 12345)]).toEqual([true, SIZE, true]);
    const cleared = applyStatusChanges(
      all,
      SIZE,
      new Map(Array.from({ length: SIZE - 3 }, (_, i): [number, boolean] => [i, false])),
    );
    expect("sparse" in cleared && [...cleared.sparse]).toEqual([SIZE - 3, SIZE - 2, SIZE - 1]);
  });

  it("reads a W3C bitstring into the smaller form and writes the same bitstring back", () => {
    const bits = new Uint8Array(SIZE / 8);
    for (const i of [0, 7, 8, 255, 256, SIZE - 1]) setBit(bits, i, true);
    const set = statusSetFromBitstring(bits, SIZE);
    expect("sparse" in set && [...set.sparse]).toEqual([0, 7, 8, 255, 256, SIZE - 1]);
    expect(statusSetToBitstring(set, SIZE)).toEqual(bits);
    expect("dense" in statusSetFromBitstring(new Uint8Array(SIZE / 8).fill(0xff), SIZE)).toBe(true);
  });

  it("a chain word's bit k is index word × 256 + k, the top bit included", () => {
    const changes = new Map<number, boolean>();
    collectWordMask(changes, 3, (1n << 255n) | (1n << 31n) | (1n << 32n) | 1n, true);
    expect([...changes.keys()].sort((a, b) => a - b)).toEqual([768, 768 + 31, 768 + 32, 768 + 255]);
  });
});
