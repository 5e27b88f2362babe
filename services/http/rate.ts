/**
 * Fixed one-minute windows counting hits per key (a client address, a signing key): at most
 * `limit` hits in a window. Finished windows are forgotten now and then, so keys seen once do
 * not accumulate.
 */
export class RateWindows {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly windowMs: number;
  constructor(windowMs = 60_000) {
    this.windowMs = windowMs;
  }

  /** Counts a hit for `key`; false when it goes over `limit` in the current window. */
  allow(key: string, limit: number, now = Date.now()): boolean {
    if (this.windows.size > 10_000)
      for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      this.windows.set(key, { start: now, count: 1 });
      return limit >= 1;
    }
    return ++w.count <= limit;
  }
}
