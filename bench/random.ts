/** `n` distinct pseudo-random indices in [0, size) from a seed (xorshift32): the same every run, so runs compare. */
export function randomIndices(n: number, size: number, seed: number): number[] {
  const out = new Set<number>();
  let x = seed >>> 0 || 1;
  while (out.size < n) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.add(x % size);
  }
  return [...out];
}
