/** Median time per operation: `rounds` batches of `batch` calls after a warm-up, the median batch divided by its size. */
export async function perOp(fn: () => unknown, { batch = 200, rounds = 9, warmup = 100 } = {}): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) await fn();
    samples.push((performance.now() - start) / batch);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

/** Synchronous variant: no await per call, so microsecond operations are not swamped by promise overhead. */
export function perOpSync(fn: () => unknown, { batch = 2000, rounds = 9, warmup = 500 } = {}): number {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) fn();
    samples.push((performance.now() - start) / batch);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

/** Latency percentiles (ms) of single calls. */
export function percentiles(fn: () => unknown, n: number): { p50: number; p99: number } {
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    fn();
    t.push(performance.now() - start);
  }
  t.sort((a, b) => a - b);
  return { p50: t[Math.floor(n * 0.5)] as number, p99: t[Math.floor(n * 0.99)] as number };
}

export const round = (ms: number, digits = 4): number => Number(ms.toPrecision(digits));

/**
 * Median time per operation of several functions measured in interleaved rounds (a, b, c, a,
 * b, c, …): on a noisy 2-core machine a slow spell then lands on all of them, not on one.
 */
export function perOpInterleaved(
  fns: readonly (() => unknown)[],
  { batch = 1000, rounds = 21, warmup = 500 } = {},
): number[] {
  for (const fn of fns) for (let i = 0; i < warmup; i++) fn();
  const samples: number[][] = fns.map(() => []);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, k) => {
      const start = performance.now();
      for (let i = 0; i < batch; i++) fn();
      samples[k]!.push((performance.now() - start) / batch);
    });
  }
  return samples.map((s) => s.sort((x, y) => x - y)[Math.floor(s.length / 2)] as number);
}
