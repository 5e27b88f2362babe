/**
 * The soak's memory: RSS of the `laissez up` process (every issuer, checkpoint and wallet
 * service: one process) and of the chain, sampled every 5 s from /proc, and judged over every
 * sample after warm-up by a least-squares slope in MB per minute — not by two samples, which a
 * single garbage collection or heap step at either end can swing by tens of MB.
 */
import { readFileSync } from "node:fs";
import type { Figures } from "./report.ts";

/** Memory is judged from the first sample after this share of the run (caches, JIT and heaps have grown to their working size). */
export const WARM_UP_SHARE = 0.2;

export interface MemorySample {
  readonly at: number;
  readonly up: number | undefined;
  readonly chain: number | undefined;
}

/**
 * Growth allowed across the judged window: 10 % of the warmed-up size, at least 32 MB. V8 grows
 * and shrinks its heap in steps of several MB and SQLite's page caches (six databases) fill up
 * to their limit, so a process that does not leak still drifts by a few tens of MB.
 */
export const rssAllowanceMb = (warmMb: number): number => Math.max(32, warmMb * 0.1);

/** RSS of a process in MB, from /proc (undefined once it is gone). */
function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** Memory samples of the system process and the chain every `everyMs` (5 s). */
export function sampleMemory(upPid: number | undefined, chainPid: () => number | undefined, everyMs = 5000) {
  const samples: MemorySample[] = [];
  const take = () => samples.push({ at: Date.now(), up: rssMb(upPid), chain: rssMb(chainPid()) });
  take();
  const timer = setInterval(take, everyMs);
  return {
    samples,
    stop: () => {
      clearInterval(timer);
      take();
    },
  };
}

/** The least-squares slope of y over x (undefined with fewer than 3 points or no spread in x). */
export function leastSquaresSlope(points: readonly { x: number; y: number }[]): number | undefined {
  if (points.length < 3) return undefined;
  const mx = points.reduce((s, p) => s + p.x, 0) / points.length;
  const my = points.reduce((s, p) => s + p.y, 0) / points.length;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  return sxx === 0 ? undefined : sxy / sxx;
}

/** One process's RSS after warm-up: first and last sample, and the fitted slope in MB/min. */
export function rssTrend(samples: readonly MemorySample[], warmUntil: number, which: "up" | "chain") {
  const after = samples.filter((s) => s.at >= warmUntil && s[which] !== undefined);
  const warm = after[0]?.[which] ?? 0;
  const last = after.at(-1)?.[which] ?? 0;
  const minutes = after.length > 1 ? ((after.at(-1) as MemorySample).at - (after[0] as MemorySample).at) / 60_000 : 0;
  const slope = leastSquaresSlope(after.map((s) => ({ x: (s.at - warmUntil) / 60_000, y: s[which] as number })));
  return { warm, last, growth: last - warm, slope, samples: after.length, minutes };
}

/**
 * The memory verdict: the services' fitted line may rise at most the allowance (max(32 MB, 10 %
 * of the warmed-up size)) across the judged window, i.e. a slope bound of allowance ÷ window
 * minutes (4 MB/min for the 10-minute run: 32 MB over 8 minutes). The chain (anvil keeps every
 * block in memory) is reported, not judged. Fewer than 3 samples after warm-up is a failure
 * (nothing was judged).
 */
export function judgeMemory(
  samples: readonly MemorySample[],
  warmUntil: number,
): { figures: Figures; failures: string[]; lines: string[] } {
  const services = rssTrend(samples, warmUntil, "up");
  const chain = rssTrend(samples, warmUntil, "chain");
  const allowance = rssAllowanceMb(services.warm);
  const bound = services.minutes > 0 ? allowance / services.minutes : Number.POSITIVE_INFINITY;
  const r1 = (x: number) => Math.round(x * 10) / 10;
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const failures: string[] = [];
  if (services.slope === undefined)
    failures.push(
      `only ${services.samples} memory samples of the services after warm-up: the RSS slope was not judged`,
    );
  else if (services.slope > bound)
    failures.push(
      `the services' RSS rose ${services.slope.toFixed(2)} MB/min after warm-up (least squares over ${services.samples} samples; bound ${bound.toFixed(2)} MB/min)`,
    );
  const figures: Figures = {
    "soak.rss_mb.services": { value: r1(services.warm), unit: "MB, the laissez up process after warm-up" },
    "soak.rss_growth_mb.services": {
      value: r1(services.growth),
      unit: "MB, first to last sample after warm-up (reported; the slope is judged)",
    },
    "soak.rss_growth_mb.chain": {
      value: r1(chain.growth),
      unit: "MB after warm-up (anvil; holds every block in memory: not judged)",
    },
    "soak.rss_slope_mb_per_min.services": {
      value: r2(services.slope ?? Number.NaN),
      unit: `MB/min, least squares over ${services.samples} samples after warm-up (bound ${r2(bound)}: ${r1(allowance)} MB over ${r1(services.minutes)} min)`,
    },
    "soak.rss_slope_mb_per_min.chain": {
      value: r2(chain.slope ?? Number.NaN),
      unit: `MB/min over ${chain.samples} samples (anvil; not judged)`,
    },
  };
  const line = (name: string, t: typeof services, judged: string) =>
    `RSS after warm-up, ${name}: ${t.slope === undefined ? "not enough samples" : `${t.slope >= 0 ? "+" : ""}${t.slope.toFixed(2)} MB/min`} over ${t.samples} samples (${r1(t.warm)} → ${r1(t.last)} MB; ${judged})`;
  return {
    figures,
    failures,
    lines: [
      line("services (laissez up)", services, `bound ${bound.toFixed(2)} MB/min`),
      line("chain (anvil)", chain, "not judged"),
    ],
  };
}
