import { randomInt } from "node:crypto";

/** The widest spread of a batch's issuance times: the agency-hour every copy may come from. */
export const COPY_TIME_SPREAD = 3600;

/**
 * The issuance times of a batch's copies (SECURITY.md: no time shared by two copies). SD-JWT
 * and JWT alike show `iat`/`nbf`/`exp` in clear, so copies signed in one second would be linked
 * by their times; each copy's time is drawn instead, distinct when the window allows, from the
 * last `spread` seconds — at most an hour, and at most a quarter of the validity, so a
 * short-lived credential loses at most a quarter of its life. Never later than `now` (a
 * credential does not verify before it was signed, whatever the verifier's skew) and never
 * before `floor`: the time from which the signing key and the accreditation were certainly in
 * force on chain (verifiers judge both at `iat`, so an earlier draw would be refused).
 * Every copy keeps the requested validity (`exp` = `iat` + validFor).
 */
export function copyTimes(
  o: { now: number; validFor: number; floor: number; count: number },
  draw: (n: number) => number = randomInt,
): number[] {
  const spread = Math.min(COPY_TIME_SPREAD, Math.floor(o.validFor / 4), Math.max(0, o.now - o.floor));
  const width = spread + 1;
  const taken = new Set<number>();
  return Array.from({ length: o.count }, () => {
    let offset = draw(width);
    // Distinct seconds while there are enough of them (a batch has at most 20 copies).
    while (taken.size < width && taken.has(offset)) offset = draw(width);
    taken.add(offset);
    return o.now - offset;
  });
}
