/** A small Prometheus text-format registry: counters and fixed-bucket histograms, no dependency. */
const BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000];

type Labels = Record<string, string>;
const rendered = (labels: Labels): string =>
  Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, "_")}"`)
    .join(",");
/** Label sets seen before, by a cheap join: every request records a few; sorting and escaping each time showed in profiles. */
const seen = new Map<string, string>();
const key = (labels: Labels): string => {
  let raw = "";
  for (const k in labels) raw += `${k}\u0000${labels[k]}\u0001`;
  let k = seen.get(raw);
  if (k === undefined) {
    k = rendered(labels);
    if (seen.size < 10_000) seen.set(raw, k);
  }
  return k;
};

export class Metrics {
  private readonly counters = new Map<string, { help: string; values: Map<string, number> }>();
  private readonly histograms = new Map<
    string,
    { help: string; values: Map<string, { buckets: number[]; sum: number; count: number }> }
  >();
  private readonly gauges = new Map<string, { help: string; read: () => number | Promise<number> }>();

  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    let c = this.counters.get(name);
    if (!c) this.counters.set(name, (c = { help, values: new Map() }));
    const k = key(labels);
    c.values.set(k, (c.values.get(k) ?? 0) + by);
  }

  observe(name: string, help: string, labels: Labels, ms: number): void {
    let h = this.histograms.get(name);
    if (!h) this.histograms.set(name, (h = { help, values: new Map() }));
    const k = key(labels);
    let v = h.values.get(k);
    if (!v) h.values.set(k, (v = { buckets: BUCKETS_MS.map(() => 0), sum: 0, count: 0 }));
    BUCKETS_MS.forEach((b, i) => {
      if (ms <= b) v.buckets[i]! += 1;
    });
    v.sum += ms;
    v.count += 1;
  }

  /** A value read at scrape time (outbox depth, last anchored block: perhaps asked of a store). */
  gauge(name: string, help: string, read: () => number | Promise<number>): void {
    this.gauges.set(name, { help, read });
  }

  async render(): Promise<string> {
    const out: string[] = [];
    for (const [name, c] of this.counters) {
      out.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
      for (const [k, v] of c.values) out.push(`${name}${k ? `{${k}}` : ""} ${v}`);
    }
    for (const [name, h] of this.histograms) {
      out.push(`# HELP ${name} ${h.help}`, `# TYPE ${name} histogram`);
      for (const [k, v] of h.values) {
        const sep = k ? `${k},` : "";
        BUCKETS_MS.forEach((b, i) => out.push(`${name}_bucket{${sep}le="${b}"} ${v.buckets[i]}`));
        out.push(
          `${name}_bucket{${sep}le="+Inf"} ${v.count}`,
          `${name}_sum${k ? `{${k}}` : ""} ${v.sum}`,
          `${name}_count${k ? `{${k}}` : ""} ${v.count}`,
        );
      }
    }
    for (const [name, g] of this.gauges)
      out.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`, `${name} ${await g.read()}`);
    return `${out.join("\n")}\n`;
  }
}
