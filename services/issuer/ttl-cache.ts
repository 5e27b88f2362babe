/**
 * A small cache of pending or settled answers, each reused for `ttlMs`, at most `max` entries
 * (the oldest goes first: keys may come from client input). A failed answer is forgotten at
 * once, so the next caller asks again.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { at: number; value: Promise<V> }>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #clock: () => number;

  constructor({ ttlMs, max, clock = Date.now }: { ttlMs: number; max: number; clock?: () => number }) {
    this.#ttlMs = ttlMs;
    this.#max = max;
    this.#clock = clock;
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    const t = this.#clock();
    const hit = this.#entries.get(key);
    if (hit && t - hit.at < this.#ttlMs) return hit.value;
    this.#entries.delete(key);
    while (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value as string);
    const entry = { at: t, value: load() };
    this.#entries.set(key, entry);
    entry.value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return entry.value;
  }

  get size(): number {
    return this.#entries.size;
  }
}
