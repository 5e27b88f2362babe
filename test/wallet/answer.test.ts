/**
 * The pure parts of answering a checkpoint's request (issue 11) and of batch copies (issue 15
 * item 10), as the web wallet uses them: what a text is (a live request, foreign, malformed,
 * expired), which credentials can answer and what each would show, which copy is next.
 * The pages' behaviour around them runs in Chromium: test/e2e/wallet-answer.test.ts.
 */
import { p256 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { describe, expect, it } from "vitest";
import { challengeText, es256kIssuerKey, issueCredential, issueSdJwtVc, p256DidKey } from "../../core/index.ts";
import { walletEntries } from "../../wallet/copies.ts";
import { challengeAnswer, credentialClaims } from "../../wallet/present.ts";
import type { StoredCredential } from "../../wallet/store.ts";
import { readRequest, requestChoices } from "../../wallet/web/request-view.ts";

const schema = {
  type: "object",
  additionalProperties: false,
  required: ["healthStatus"],
  properties: { healthStatus: { type: "string" }, givenName: { type: "string" }, familyName: { type: "string" } },
};
const key = es256kIssuerKey(
  "did:ethr:0x7a69:0x0000000000000000000000000000000000000001",
  "key-1",
  secp256k1.utils.randomSecretKey(),
);
const holder = p256DidKey(p256.getPublicKey(p256.utils.randomSecretKey(), false));
const status = {
  revocation: { listUrl: "http://x/status/31337/0", index: 7 },
  suspension: { listUrl: "http://x/status/31337/1", index: 9 },
};
const claims = { healthStatus: "green", givenName: "Mei", familyName: "Li" };
const NOW = 1500;
const common = { key, holder, credentialType: "HealthCode", claims, schema, status, issuedAt: 1000, validUntil: 2000 };
const sdJwt = await issueSdJwtVc({ ...common, id: "urn:uuid:sd" });
const jwtVc = await issueCredential({ ...common, id: "urn:uuid:vc" });
const stored = (id: string, jwt: string, o: Partial<StoredCredential> = {}): StoredCredential => ({
  id,
  jwt,
  type: "HealthCode",
  issuer: { did: key.did },
  validUntil: 2000,
  receivedAt: 1000,
  ...o,
});
const request = (o: { claims?: string[]; expiresAt?: number } = {}) =>
  challengeText({
    audience: "checkpoint:CN-SH:gate-1",
    nonce: "n".repeat(22),
    expiresAt: o.expiresAt ?? NOW + 120,
    claims: o.claims ?? ["healthStatus"],
  });

describe("reading a checkpoint's request", () => {
  it("a live request; foreign, malformed and expired text each named, never thrown", () => {
    expect(readRequest(` ${request()}\n`, NOW)).toEqual({
      challenge: {
        audience: "checkpoint:CN-SH:gate-1",
        nonce: "n".repeat(22),
        expiresAt: NOW + 120,
        claims: ["healthStatus"],
      },
    });
    expect(readRequest("LZ1:ABC", NOW)).toEqual({ problem: "not_challenge" });
    expect(readRequest("openid-credential-offer://?credential_offer=%7B%7D", NOW)).toEqual({
      problem: "not_challenge",
    });
    for (const bad of [
      "LZCH1:",
      "LZCH1:a/b/c/d",
      request().replace("healthStatus", "health status"),
      request({ claims: ["a", "b"] }).replace("a,b", "b,a"),
      `${request()}/x`,
      "LZCH1:" + "x".repeat(600),
    ]) {
      expect(readRequest(bad, NOW), bad.slice(0, 40)).toEqual({ problem: "malformed" });
    }
    expect(readRequest(request({ expiresAt: NOW }), NOW)).toEqual({ problem: "expired", expiredAt: NOW });
  });
});

describe("which credentials can answer, and what each shows", () => {
  it("an SD-JWT VC shows exactly the asked claims; a jwt_vc shows everything; a whole-credential request shows everything", () => {
    expect(credentialClaims(sdJwt)).toEqual(claims);
    expect(credentialClaims(jwtVc)).toEqual(claims);
    expect(credentialClaims("not a credential")).toEqual({});
    const sd = challengeAnswer(sdJwt, ["healthStatus"]);
    expect([sd.missing, sd.plan.selective, sd.plan.disclosed.map((d) => d.name), [...sd.plan.withheld].sort()]).toEqual(
      [[], true, ["healthStatus"], ["familyName", "givenName"]],
    );
    const vc = challengeAnswer(jwtVc, ["healthStatus"]);
    expect([vc.missing, vc.plan.selective, vc.plan.disclosed.map((d) => d.name).sort()]).toEqual([
      [],
      false,
      ["familyName", "givenName", "healthStatus"],
    ]);
    expect(challengeAnswer(sdJwt, []).plan.disclosed).toHaveLength(3);
    expect(challengeAnswer(sdJwt, ["birthDate", "healthStatus"]).missing).toEqual(["birthDate"]);
    expect(challengeAnswer(jwtVc, ["constructor"]).missing).toEqual(["constructor"]);
  });

  it("offers only what is unexpired, has a copy left and holds every asked claim, the selective ones first", () => {
    const batch = (i: number, used: boolean) =>
      stored(`urn:uuid:copy-${i}`, jwtVc, { copy: { batch: "urn:uuid:copy-0", used } });
    const entries = walletEntries([
      stored("vc", jwtVc),
      stored("sd", sdJwt),
      stored("old", sdJwt, { validUntil: NOW }),
      batch(0, true),
      batch(1, true),
    ]);
    const asked = (readRequest(request(), NOW) as { challenge: Parameters<typeof requestChoices>[1] }).challenge;
    expect(requestChoices(entries, asked, NOW).map((c) => c.entry.credential.id)).toEqual(["sd", "vc"]);
    const birth = (
      readRequest(request({ claims: ["birthDate"] }), NOW) as { challenge: Parameters<typeof requestChoices>[1] }
    ).challenge;
    expect(requestChoices(entries, birth, NOW)).toEqual([]);
    // A batch with one unused copy left is offered as its next copy.
    const fresh = walletEntries([batch(0, true), batch(1, false)]);
    expect(
      requestChoices(fresh, asked, NOW).map((c) => [c.entry.credential.id, c.entry.unused, c.entry.copies]),
    ).toEqual([["urn:uuid:copy-1", 1, 2]]);
  });
});
