/** Bits per on-chain word: StatusRegistry packs a list in uint256 words, least significant bit first. */
export const WORD_BITS = 256;

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
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError(`status index ${index} outside [0, ${size})`);
    const word = Math.floor(index / WORD_BITS);
    byWord.set(word, (byWord.get(word) ?? 0n) | (1n << BigInt(index % WORD_BITS)));
  }
  const words = [...byWord.keys()].sort((a, b) => a - b);
  return { wordIndices: words.map(BigInt), masks: words.map((w) => byWord.get(w) as bigint) };
}
