import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { deserializeBundle, openEnvelope, type SerializedBundle } from "../../core/bundle-codec.ts";
import { nobleVerifier, type SignatureVerifier } from "../../core/crypto.ts";
import { describeReason } from "../../core/reasons.ts";
import { isPresentation, verifyCredential, verifyPresentation, verifyToken } from "../../core/verify.ts";
import { verifyPaperCredential } from "../../core/verify.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import { generateVectors, VECTOR_FILE, type VectorFile } from "../vectors/generate.ts";

const file = JSON.parse(readFileSync(VECTOR_FILE, "utf8")) as VectorFile;
const envelope = openEnvelope(JSON.stringify(file.bundle), {
  chainId: 31337,
  authorities: [file.authority],
  region: "CN-SH",
});
const bundle = deserializeBundle(envelope.payload as SerializedBundle);

it("the committed vectors are exactly what the generator makes", async () => {
  expect(JSON.parse(JSON.stringify(await generateVectors()))).toEqual(file);
});

describe.each<[string, SignatureVerifier]>([
  ["noble (browser)", nobleVerifier],
  ["native (node:crypto + libsecp256k1)", nativeVerifier],
])("verification vectors with the %s verifier", (_name, verifier) => {
  it.each(file.vectors.map((v) => [v.name, v] as const))("%s", (_n, v) => {
    // One answer per challenge, whoever gives it: what the checkpoint service and page do (the key's holder part is not used).
    const seen = new Set<string>();
    const consumeNonce = (k: string): boolean =>
      seen.has(k.split("|").at(-1) as string) ? false : (seen.add(k.split("|").at(-1) as string), true);
    const params = {
      bundle,
      region: v.region,
      now: v.now,
      verifier,
      keyCache: new Map(),
      consumeNonce,
      ...(v.challenge ? { challenge: v.challenge } : {}),
      ...(v.requirePresentation ? { requirePresentation: true } : {}),
    };
    const run = () =>
      v.kind === "credential"
        ? verifyCredential(v.token, params)
        : v.kind === "presentation"
          ? verifyPresentation(v.token, params)
          : v.kind === "paper"
            ? verifyPaperCredential(v.token, params)
            : verifyToken(v.token, params);
    if (v.replay) expect(run().verdict).toBe("accept");
    if (v.spentBy) expect(verifyPresentation(v.spentBy, params).verdict).not.toBe("accept");
    const verdict = run();
    expect({ verdict: verdict.verdict, reason: verdict.reason }).toEqual(v.expect);
    // Every verdict carries the checks that ran, each with a code; the last failing one names the reason.
    expect(verdict.checks.length).toBeGreaterThan(0);
    if (v.expect.reason) expect(verdict.checks.find((c) => !c.ok)?.reason).toBe(v.expect.reason);
    // Every reason has a sentence for screens (the ReasonCode union enforces it at compile time).
    if (verdict.reason) expect(describeReason(verdict.reason)).not.toMatch(/^Check failed/);
    if (verdict.verdict === "accept") {
      expect(verdict.claims).toEqual(
        v.kind === "paper" ? { healthStatus: "green", givenName: "Mei" } : { healthStatus: "green" },
      );
      if (v.kind === "paper") expect(verdict.presentation?.mode).toBe("paper");
      expect(verdict.issuer?.region).toBe("CN-ZJ");
    }
  });
});

it("a warm key cache verifies an address key without recovering it again", () => {
  const v = file.vectors[0]!;
  const keyCache = new Map<string, Uint8Array>();
  let recoveries = 0;
  const counting: SignatureVerifier = {
    ...nativeVerifier,
    recoverSecp256k1: (...a) => (recoveries++, nativeVerifier.recoverSecp256k1(...a)),
  };
  for (let i = 0; i < 3; i++)
    expect(
      verifyCredential(v.token, { bundle, region: v.region, now: v.now, verifier: counting, keyCache }).verdict,
    ).toBe("accept");
  expect(recoveries).toBeLessThanOrEqual(2);
  expect(keyCache.size).toBe(1);
});

it("verifyToken (the public entry for a token of unknown kind) gives every vector the verdict of its kind", () => {
  for (const v of file.vectors) {
    // Vectors that present one kind as the other test the kind-specific calls; verifyToken sniffs.
    if (v.replay || v.kind === "token" || v.kind === "paper" || isPresentation(v.token) !== (v.kind === "presentation"))
      continue;
    const params = {
      bundle,
      region: v.region,
      now: v.now,
      verifier: nobleVerifier,
      keyCache: new Map(),
      consumeNonce: () => true,
      ...(v.challenge ? { challenge: v.challenge } : {}),
    };
    const direct = v.kind === "credential" ? verifyCredential(v.token, params) : verifyPresentation(v.token, params);
    expect({ name: v.name, ...pick(verifyToken(v.token, params)) }).toEqual({ name: v.name, ...pick(direct) });
  }
});

const pick = (v: { verdict: string; reason: string | null }) => ({ verdict: v.verdict, reason: v.reason });
