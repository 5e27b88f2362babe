/**
 * The soak's memory verdict (issue 10's evidence, "RSS flat after warm-up"): judged over every
 * sample after warm-up by a least-squares slope, not by the first and last sample.
 */
import { describe, expect, it } from "vitest";
import { judgeMemory, leastSquaresSlope, type MemorySample } from "../../bench/soak-memory.ts";

/** A 10-minute run sampled every 5 s (warm-up: the first 2 minutes), RSS in MB as a function of minutes. */
function run(rss: (minute: number, i: number) => number): MemorySample[] {
  return Array.from({ length: 121 }, (_, i) => ({ at: i * 5000, up: rss((i * 5) / 60, i), chain: 100 + i }));
}
const WARM_UNTIL = 120_000;
// Deterministic jitter of ±6 MB, as V8's heap steps give.
const jitter = (i: number) => ((i * 7919) % 13) - 6;

describe("soak memory: RSS slope after warm-up", () => {
  it("fits a line: the slope of exact points, undefined with fewer than three", () => {
    expect(
      leastSquaresSlope([
        { x: 0, y: 1 },
        { x: 1, y: 3 },
        { x: 2, y: 5 },
      ]),
    ).toBeCloseTo(2);
    expect(
      leastSquaresSlope([
        { x: 0, y: 1 },
        { x: 1, y: 3 },
      ]),
    ).toBeUndefined();
    expect(
      leastSquaresSlope([
        { x: 1, y: 1 },
        { x: 1, y: 3 },
        { x: 1, y: 5 },
      ]),
    ).toBeUndefined();
  });

  it("flat with jitter, and a garbage collection at the last sample: passes (two samples would have said -40 MB)", () => {
    const m = judgeMemory(
      run((_, i) => (i === 120 ? 260 : 300 + jitter(i))),
      WARM_UNTIL,
    );
    expect(m.failures).toEqual([]);
    expect(Math.abs(m.figures["soak.rss_slope_mb_per_min.services"]!.value)).toBeLessThan(1);
    expect(m.figures["soak.rss_growth_mb.services"]!.value).toBeLessThan(-30);
    expect(m.figures["soak.rss_slope_mb_per_min.chain"]!.value).toBeCloseTo(12, 0); // 1 MB a sample, reported only
    expect(m.lines[0]).toMatch(
      /^RSS after warm-up, services \(laissez up\): [+-]0\.\d\d MB\/min over 97 samples \(.* MB; bound 4\.00 MB\/min\)$/,
    );
  });

  it("a leak of 6 MB a minute fails, in a sentence with the slope and its bound", () => {
    const m = judgeMemory(
      run((minute, i) => 300 + 6 * minute + jitter(i)),
      WARM_UNTIL,
    );
    expect(m.failures).toEqual([
      expect.stringMatching(
        /^the services' RSS rose (5\.9|6\.0)\d MB\/min after warm-up \(least squares over 97 samples; bound 4\.\d\d MB\/min\)$/,
      ),
    ]);
  });

  it("too few samples after warm-up is a failure, not a pass", () => {
    expect(judgeMemory(run(() => 300).slice(0, 25), WARM_UNTIL).failures).toEqual([
      expect.stringContaining("the RSS slope was not judged"),
    ]);
  });
});
