import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyWordMask,
  getBit,
  getTokenStatus,
  setBit,
  setTokenStatus,
  toWordMasks,
  wordMask,
  wordsToBitstring,
  wordsToTokenStatusList,
  WORD_BITS,
} from "../../core/status-bits.ts";

const SIZE = 4 * WORD_BITS;
const indices = fc.uniqueArray(fc.integer({ min: 0, max: SIZE - 1 }), { maxLength: 40 });

/** The chain's words as StatusRegistry holds them after setting these indices. */
function chainWords(set: readonly number[]): bigint[] {
  const words = Array.from({ length: SIZE / WORD_BITS }, () => 0n);
  const { wordIndices, masks } = toWordMasks(set, SIZE);
  wordIndices.forEach((w, i) => (words[Number(w)] = (words[Number(w)] as bigint) | (masks[i] as bigint)));
  return words;
}

describe("status bit orders (one module)", () => {
  it("chain: index i is bit i % 256, least significant first, of word i / 256", () => {
    expect(wordMask(0)).toEqual({ word: 0, mask: 1n });
    expect(wordMask(257)).toEqual({ word: 1, mask: 2n });
    expect(wordMask(255).mask).toBe(1n << 255n);
    expect(toWordMasks([3, 1, 300], SIZE)).toEqual({ wordIndices: [0n, 1n], masks: [10n, 1n << 44n] });
    expect(() => toWordMasks([SIZE], SIZE)).toThrow(RangeError);
  });

  it("W3C: index 0 is the most significant bit of byte 0", () => {
    const bits = new Uint8Array(2);
    setBit(bits, 0, true);
    setBit(bits, 9, true);
    expect([...bits]).toEqual([0x80, 0x40]);
    expect(getBit(bits, 9) && !getBit(bits, 8)).toBe(true);
    expect([...wordsToBitstring([1n | (1n << 9n) | (1n << 255n)]).subarray(0, 2)]).toEqual([0x80, 0x40]);
    expect(wordsToBitstring([1n << 255n])[31]).toBe(0x01);
  });

  it("IETF Token Status List: least significant first (the draft's 1-bit and 2-bit examples)", () => {
    const one = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1];
    const lst1 = new Uint8Array(2);
    one.forEach((s, i) => setTokenStatus(lst1, i, s));
    expect([...lst1]).toEqual([0xb9, 0xa3]);
    const two = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3];
    const lst2 = new Uint8Array(3);
    two.forEach((s, i) => setTokenStatus(lst2, i, s, 2));
    expect([...lst2]).toEqual([0xc9, 0x44, 0xf9]);
    expect(two.map((_, i) => getTokenStatus(lst2, i, 2))).toEqual(two);
  });

  it("chain words → W3C bits and → token status list name the same indices", () => {
    fc.assert(
      fc.property(indices, (set) => {
        const words = chainWords(set);
        const w3c = wordsToBitstring(words);
        const tsl = wordsToTokenStatusList(words);
        const incremental = new Uint8Array(SIZE / 8);
        const { wordIndices, masks } = toWordMasks(set, SIZE);
        wordIndices.forEach((w, i) => applyWordMask(incremental, Number(w), masks[i] as bigint, true));
        for (let i = 0; i < SIZE; i++) {
          const expected = set.includes(i);
          if (
            getBit(w3c, i) !== expected ||
            getBit(incremental, i) !== expected ||
            (getTokenStatus(tsl, i) === 1) !== expected
          )
            return false;
        }
        wordIndices.forEach((w, i) => applyWordMask(incremental, Number(w), masks[i] as bigint, false));
        return incremental.every((b) => b === 0);
      }),
    );
  });
});
