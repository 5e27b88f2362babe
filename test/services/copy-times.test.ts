/**
 * The times a batch's copies take (issue 22 item 8, services/issuer/copy-times.ts), drawn with
 * the real CSPRNG: within the window and never after signing, never before the floor (the key
 * listed, the accreditation begun), at most a quarter of the validity back, distinct seconds
 * while the window has them.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COPY_TIME_SPREAD, copyTimes } from "../../services/issuer/copy-times.ts";

describe("batch copies' times", () => {
  it("stay within [max(now − spread, floor), now], distinct while the window allows", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 400 * 86_400 }),
        fc.integer({ min: 1, max: 20 }),
        (now, age, validFor, count) => {
          const floor = now - age;
          const times = copyTimes({ now, validFor, floor, count });
          const spread = Math.min(COPY_TIME_SPREAD, Math.floor(validFor / 4), age);
          expect(times).toHaveLength(count);
          for (const t of times) {
            expect(t).toBeLessThanOrEqual(now);
            expect(t).toBeGreaterThanOrEqual(Math.max(now - spread, floor));
          }
          expect(new Set(times).size).toBe(Math.min(count, spread + 1));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a floor at or after now (the key just listed, a chain clock ahead) gives the signing time itself", () => {
    expect(copyTimes({ now: 1000, validFor: 86_400, floor: 1000, count: 3 })).toEqual([1000, 1000, 1000]);
    expect(copyTimes({ now: 1000, validFor: 86_400, floor: 1005, count: 2 })).toEqual([1000, 1000]);
  });

  it("a day's credential draws from the whole hour; a minute's from its first quarter-minute", () => {
    const day = copyTimes({ now: 100_000, validFor: 86_400, floor: 0, count: 20 });
    expect(Math.min(...day)).toBeGreaterThanOrEqual(100_000 - 3600);
    expect(copyTimes({ now: 100_000, validFor: 60, floor: 0, count: 20 }).every((t) => t >= 100_000 - 15)).toBe(true);
  });
});
