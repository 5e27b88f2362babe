/**
 * What a credential's status means to its holder (issue 26 item 1): the shared verification
 * vectors through `holderStatus` give revoked / suspended / expired / issuer no longer accredited
 * as their own kinds (not a bare "invalid"), and the CLI wallet says each in words with what to
 * do next, as the web wallet's card does.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { deserializeBundle, openEnvelope, type SerializedBundle } from "../../core/bundle-codec.ts";
import { nobleVerifier } from "../../core/crypto.ts";
import { statusLine } from "../../scripts/commands/wallet.ts";
import { holderStatus, looksValid, type StatusKind, type WalletSync } from "../../wallet/status.ts";
import type { StoredCredential } from "../../wallet/store.ts";
import { VECTOR_FILE, type VectorFile } from "../vectors/generate.ts";

const file = JSON.parse(readFileSync(VECTOR_FILE, "utf8")) as VectorFile;
const bundle = deserializeBundle(
  openEnvelope(JSON.stringify(file.bundle), { chainId: 31337, authorities: [file.authority], region: "CN-SH" })
    .payload as SerializedBundle,
);

const EXPECTED: Record<string, StatusKind> = {
  revoked: "revoked",
  suspended: "suspended",
  expired: "expired",
  issuer_not_accredited: "not_accredited",
  accreditation_expired: "not_accredited",
  accreditation_withdrawn: "not_accredited",
  issuer_suspended: "not_accredited",
  issuer_removed: "not_accredited",
  status_stale: "unknown",
  bad_signature: "invalid",
};

const stored = (token: string, region: string): StoredCredential => ({
  id: "urn:x",
  jwt: token,
  type: "HealthCode",
  issuer: { did: "did:x", name: "Zhejiang Provincial Health Commission", region },
  validUntil: 1_700_000_000,
  receivedAt: 0,
});

describe("a credential's status in the holder's terms", () => {
  const cases = file.vectors.filter(
    (v) => v.kind === "credential" && (v.expect.verdict === "accept" || Object.hasOwn(EXPECTED, v.expect.reason ?? "")),
  );
  it("the vectors cover every kind", () => {
    const kinds = new Set(cases.map((v) => (v.expect.verdict === "accept" ? "valid" : EXPECTED[v.expect.reason!])));
    expect([...kinds].sort()).toEqual([
      "expired",
      "invalid",
      "not_accredited",
      "revoked",
      "suspended",
      "unknown",
      "valid",
    ]);
  });
  it.each(cases.map((v) => [v.name, v] as const))("%s", (_n, v) => {
    const s = holderStatus(stored(v.token, v.region), bundle, v.now, nobleVerifier);
    const kind = v.expect.verdict === "accept" ? "valid" : EXPECTED[v.expect.reason!];
    expect(s.kind).toBe(kind);
    expect(looksValid(s.kind)).toBe(kind === "valid");
  });

  it("the CLI says each in words, with what to do next", () => {
    const sync = (kind: StatusKind, reason: string | null): WalletSync => ({
      source: "x",
      region: "CN-ZJ",
      block: 7,
      blockTime: 1_700_000_100,
      syncedAt: 0,
      regions: [],
      statuses: { "urn:x": { kind, reason } },
    });
    const c = stored("x", "CN-ZJ");
    const say = (kind: StatusKind, reason: string | null) => statusLine(c, sync(kind, reason));
    expect(say("valid", null)).toBe("valid as of 2023-11-14T22:15:00Z (block 7)");
    expect(say("revoked", "revoked")).toMatch(
      /^REVOKED by Zhejiang Provincial Health Commission: no longer valid, checkpoints refuse it; ask the agency why, or for a new one/,
    );
    expect(say("suspended", "suspended")).toMatch(
      /^SUSPENDED by Zhejiang Provincial Health Commission: not usable while suspended; ask the agency; once reinstated/,
    );
    expect(say("expired", "expired")).toMatch(
      /^EXPIRED on 2023-11-14T22:13:20Z: ask Zhejiang Provincial Health Commission for a new one/,
    );
    expect(say("not_accredited", "accreditation_withdrawn")).toMatch(
      /^ISSUER NO LONGER ACCREDITED \(The issuing agency's accreditation in force when it issued this was withdrawn for cause\): checkpoints refuse it; ask an agency accredited now/,
    );
    expect(say("unknown", "status_stale")).toMatch(
      /^status unknown \(The revocation data on this device is too old.*\): sync when you have a network/,
    );
    expect(say("invalid", "bad_signature")).toMatch(
      /^NOT VALID \(The signature does not match.*\): ask Zhejiang Provincial Health Commission to issue it again/,
    );
  });
});
