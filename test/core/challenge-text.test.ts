import { describe, expect, it } from "vitest";
import {
  challengeText,
  isChallengeAudience,
  isChallengeText,
  readChallengeText,
  requestedClaims,
} from "../../core/index.ts";

const challenge = {
  audience: "checkpoint:CN-ZJ:8801",
  nonce: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  expiresAt: 1_800_000_000,
  claims: ["healthStatus", "validUntil"],
};

describe("a checkpoint's challenge as QR text (LZCH1)", () => {
  it("round-trips, with the audience percent-encoded and the claims in one form", () => {
    const text = challengeText(challenge);
    expect(text).toBe(
      "LZCH1:checkpoint%3ACN-ZJ%3A8801/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/1800000000/healthStatus,validUntil",
    );
    expect(isChallengeText(text)).toBe(true);
    expect(readChallengeText(text)).toEqual(challenge);
    expect(readChallengeText(challengeText({ ...challenge, claims: [] })).claims).toEqual([]);
    expect(readChallengeText(challengeText({ ...challenge, audience: "检查站·杭州" })).audience).toBe("检查站·杭州");
  });

  const malformed: [string, string][] = [
    ["another prefix", "LZ1:abc"],
    ["three fields", "LZCH1:a/AAAAAAAAAAAAAAAA/1"],
    ["five fields", "LZCH1:a/AAAAAAAAAAAAAAAA/1//x"],
    ["an empty audience", "LZCH1:/AAAAAAAAAAAAAAAA/1/"],
    ["an audience that is not UTF-8", "LZCH1:%ff/AAAAAAAAAAAAAAAA/1/"],
    ["an audience with a control character", "LZCH1:a%0Ab/AAAAAAAAAAAAAAAA/1/"],
    ["an audience with a hidden format character", "LZCH1:a%E2%80%AEb/AAAAAAAAAAAAAAAA/1/"],
    ["an audience encoded a second way", "LZCH1:%61/AAAAAAAAAAAAAAAA/1/"],
    ["a short nonce", "LZCH1:a/AAAA/1/"],
    ["a nonce with padding", "LZCH1:a/AAAAAAAAAAAAAAAA=/1/"],
    ["a fractional expiry", "LZCH1:a/AAAAAAAAAAAAAAAA/1.5/"],
    ["an expiry with a leading zero", "LZCH1:a/AAAAAAAAAAAAAAAA/01/"],
    ["an expiry past 32 bits", "LZCH1:a/AAAAAAAAAAAAAAAA/4294967296/"],
    ["a claim that is not an identifier", "LZCH1:a/AAAAAAAAAAAAAAAA/1/__proto__.x"],
    ["unsorted claims", "LZCH1:a/AAAAAAAAAAAAAAAA/1/b,a"],
    ["repeated claims", "LZCH1:a/AAAAAAAAAAAAAAAA/1/a,a"],
    [
      "seventeen claims",
      `LZCH1:a/AAAAAAAAAAAAAAAA/1/${Array.from({ length: 17 }, (_, i) => `c${String(i).padStart(2, "0")}`).join(",")}`,
    ],
    ["an audience of 129 characters", `LZCH1:${"a".repeat(129)}/AAAAAAAAAAAAAAAA/1/`],
    ["over 2304 characters", `LZCH1:${"a".repeat(2400)}/AAAAAAAAAAAAAAAA/1/`],
  ];
  it.each(malformed)("refuses %s with challenge_malformed", (_, text) => {
    expect(() => readChallengeText(text)).toThrow(expect.objectContaining({ code: "challenge_malformed" }));
  });

  it("refuses to write what it would not read", () => {
    expect(() => challengeText({ ...challenge, claims: ["b", "a"] })).toThrow(
      expect.objectContaining({ code: "challenge_malformed" }),
    );
    expect(() => challengeText({ ...challenge, nonce: "short" })).toThrow(
      expect.objectContaining({ code: "challenge_malformed" }),
    );
  });

  it("reads a claims list into one form", () => {
    expect(requestedClaims("b,a,b")).toEqual(["a", "b"]);
    expect(requestedClaims("")).toEqual([]);
    expect(requestedClaims("a b")).toBeUndefined();
  });

  it("takes any id a checkpoint may be configured with, up to 128 characters of any script", () => {
    const id = "检".repeat(128);
    expect(
      readChallengeText(
        challengeText({
          ...challenge,
          audience: id,
          claims: Array.from({ length: 16 }, (_, i) => `c${String(i).padStart(2, "0")}${"x".repeat(60)}`),
        }),
      ).audience,
    ).toBe(id);
    expect([
      isChallengeAudience(id),
      isChallengeAudience(`${id}检`),
      isChallengeAudience("a b"),
      isChallengeAudience(""),
    ]).toEqual([true, false, false, false]);
  });
});
