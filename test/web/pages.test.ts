/**
 * The pages' pure parts, in Node: languages and display names, the pinned trust anchor
 * (issue 15 item 1: a substituted configuration plus an attacker's bundle is refused, an
 * implausibly new bundle is not stored, the device is not bricked), the open registry's
 * counts, the shift history holding nothing about a person, and the checkpoint page's own
 * challenges (issue 11).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkPlausible, parseAnchorFile, type DeviceTrust } from "../../core/anchor.ts";
import { softwareSigner } from "../../core/signer.ts";
import {
  bundleScope,
  deserializeBundle,
  serializeBundle,
  signEnvelope,
  type SerializedBundle,
  type SignedEnvelope,
} from "../../core/bundle-codec.ts";
import { secp256k1Address } from "../../core/crypto.ts";
import { DESCRIBED_REASONS, DESCRIBED_REASONS_ZH, describeReason } from "../../core/reasons.ts";
import { applyStatusChanges, hasStatus } from "../../core/status-set.ts";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { readChallengeText } from "../../core/challenge-text.ts";
import { base64urlDecode } from "../../core/encoding.ts";
import { CHALLENGE_SECONDS, PageChallenges } from "../../services/checkpoint/web/page-challenge.ts";
import { verifyScan } from "../../services/checkpoint/web/scan.ts";
import { holderSigner } from "../../core/credential.ts";
import { presentCredential } from "../../core/formats/jwt-vc/credential.ts";
import { p256DidKey } from "../../core/did.ts";
import { utf8 } from "../../core/encoding.ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { p256 } from "@noble/curves/nist.js";
import { ShiftHistory } from "../../services/checkpoint/web/shift-history.ts";
import {
  claimRows,
  claimValue,
  dateTimeInWords,
  durationInWords,
  personName,
  pickLanguage,
  reasonText,
  t,
  timesInWords,
  typeName,
} from "../../web/i18n.ts";
import { EN, ZH } from "../../web/messages.ts";
import { appendCounts, recognitionMatrix, statusCounts } from "../../web/registry-model.ts";
import { TrustStore } from "../../web/trust-store.ts";
import { VECTOR_FILE, type VectorFile } from "../vectors/generate.ts";

const vectors = JSON.parse(readFileSync(VECTOR_FILE, "utf8")) as VectorFile;
const genuineKey = new Uint8Array(32).fill(9);
const attackerKey = new Uint8Array(32).fill(13);
const address = (key: Uint8Array): string => secp256k1Address(secp256k1.getPublicKey(key, false));
const payload = vectors.bundle.payload as SerializedBundle;
const NOW = payload.block.timestamp + 60;

/** The vector bundle re-signed, with its block moved as a test needs. */
async function signed(
  key: Uint8Array,
  block: Partial<SerializedBundle["block"]> = {},
  change: (p: SerializedBundle) => SerializedBundle = (p) => p,
): Promise<string> {
  // The chain's record of CN-SH's authority is the signing key's address (the device follows the chain's record).
  const p = change({
    ...payload,
    block: { ...payload.block, ...block },
    regions: { ...payload.regions, "CN-SH": { authority: address(key) } },
  });
  return JSON.stringify(await signEnvelope(p, softwareSigner("ES256K", key), bundleScope(p, "CN-SH")));
}

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem = (k: string): string | null => this.items.get(k) ?? null;
  setItem = (k: string, v: string): void => void this.items.set(k, v);
  removeItem = (k: string): void => void this.items.delete(k);
}

const code = async (f: () => unknown): Promise<string | undefined> => {
  try {
    await f();
  } catch (e) {
    return (e as { code?: string }).code ?? (e as Error).message;
  }
  return undefined;
};

describe("languages", () => {
  it("Chinese by default when the browser prefers it, English when it prefers English, the stored choice first", async () => {
    expect(pickLanguage(null, ["zh-CN", "en"])).toBe("zh-CN");
    expect(pickLanguage(null, ["zh-TW"])).toBe("zh-CN");
    expect(pickLanguage(null, ["en-US", "zh-CN"])).toBe("en");
    expect(pickLanguage(null, ["fr-FR"])).toBe("zh-CN");
    expect(pickLanguage("en", ["zh-CN"])).toBe("en");
    expect(pickLanguage("nonsense", ["en-GB"])).toBe("en");
  });

  it("both catalogues have every message, and every reason has a sentence in both languages", async () => {
    expect(Object.keys(ZH).sort()).toEqual(Object.keys(EN).sort());
    for (const [k, v] of Object.entries(ZH)) expect(v, k).not.toBe("");
    expect([...DESCRIBED_REASONS_ZH].sort()).toEqual([...DESCRIBED_REASONS].sort());
    expect(describeReason("revoked", "zh")).toBe("发证机关已撤销此证件。");
    expect(describeReason("some_new_code", "zh")).toBe("检查未通过：some_new_code。");
    expect(reasonText(null, "en")).toBe("All checks passed.");
  });

  it("display names, health colours, dates in the citizen's time zone", async () => {
    expect(typeName("HealthCode", "zh-CN")).toBe("健康码");
    expect(typeName("HealthCode", "en")).toBe("Health code");
    expect(typeName("FishingPermit", "en")).toBe("Fishing Permit");
    expect(typeName("constructor", "en")).toBe("constructor");
    expect(claimValue("healthStatus", "green", "zh-CN")).toBe("绿码");
    expect(claimValue("healthStatus", "red", "en")).toBe("red");
    expect(claimValue("birthDate", "1990-04-12", "zh-CN")).toBe("1990年4月12日");
    // 2026-01-01T00:30Z is still 31 December in New York, and 08:30 on 1 January in Shanghai.
    expect(dateTimeInWords(Date.UTC(2026, 0, 1, 0, 30) / 1000, "zh-CN", "Asia/Shanghai")).toBe("2026年1月1日 08:30");
    expect(dateTimeInWords(Date.UTC(2026, 0, 1, 0, 30) / 1000, "en", "America/New_York")).toMatch(
      /^December 31, 2025 at 7:30\sPM$/,
    );
    expect(durationInWords(3600, "zh-CN")).toBe("1小时");
    expect(durationInWords(7 * 86400, "en")).toBe("7 days");
    expect(t("zh-CN", "checkpoint.title", { region: "上海 (CN-SH)" })).toBe("核验点 上海 (CN-SH)");
  });

  it("words a native reader expects (issue 26 major 5): durations in whole units, status 'updated', names in Chinese order, one word for checkpoint", () => {
    expect(durationInWords(8, "zh-CN")).toBe("8 秒");
    // Core's check details carry unix times: the checks list shows them as dates.
    expect(timesInWords("expired at 1767227400 (now 1767227401)", "zh-CN")).toBe(
      `expired at ${dateTimeInWords(1767227400, "zh-CN")} (now ${dateTimeInWords(1767227401, "zh-CN")})`,
    );
    expect(timesInWords("block 12345, index 99", "en")).toBe("block 12345, index 99");
    expect(t("zh-CN", "checkpoint.fact.dataValue", { age: durationInWords(8, "zh-CN") })).toBe("8 秒前更新");
    expect(durationInWords(4320, "zh-CN")).toBe("1小时12分");
    expect(durationInWords(4320, "en")).toBe("1 hour 12 minutes");
    expect(durationInWords(300, "zh-CN")).toBe("5 分钟");
    expect(durationInWords(60, "en")).toBe("1 minute");
    expect(durationInWords(3 * 86400 + 7200, "zh-CN")).toBe("3天2小时");
    expect(durationInWords(3 * 86400 + 7200, "en")).toBe("3 days 2 hours");
    expect(t("zh-CN", "wallet.status.asOf", { time: "07:12" })).toBe("状态更新于 07:12");
    expect(personName({ familyName: "李", givenName: "梅" }, "zh-CN")).toBe("李梅");
    expect(personName({ familyName: "李", givenName: "梅" }, "en")).toBe("李梅");
    expect(personName({ familyName: "Li", givenName: "Mei" }, "zh-CN")).toBe("Li Mei");
    expect(personName({ familyName: "Li", givenName: "Mei" }, "en")).toBe("Mei Li");
    const rows = claimRows(
      { healthStatus: "green", givenName: "梅", familyName: "李", birthDate: "1990-04-12" },
      "zh-CN",
    );
    expect(rows.map((r) => [r.label, r.value])).toEqual([
      ["健康状态", "绿码"],
      ["姓名", "李梅"],
      ["出生日期", "1990年4月12日"],
    ]);
    // One word for a checkpoint in every Chinese string: 核验点 (docs/glossary.md).
    for (const value of Object.values(ZH)) expect(value).not.toMatch(/检查站|检查点|验证点/);
    for (const code of DESCRIBED_REASONS_ZH) expect(describeReason(code, "zh")).not.toMatch(/检查站|检查点|验证点/);
  });
});

describe("the pinned trust anchor (issue 15 item 1)", () => {
  const served = { region: "CN-SH", chainId: payload.chainId, authority: address(genuineKey) };

  it("pins on first use; a substituted configuration and the attacker's bundle (block MAX_SAFE_INTEGER) are refused; the genuine bundle still loads", async () => {
    const storage = new MemoryStorage();
    const store = new TrustStore("checkpoint", storage);
    store.offer(served, NOW);
    store.accept(await signed(genuineKey), NOW);
    expect(store.trust?.anchor.contracts).toEqual(payload.contracts);

    // The attack: the server now names the attacker's key and serves a bundle it signed.
    const cleared = (p: SerializedBundle): SerializedBundle => ({ ...p, statusLists: {} });
    const attack = await signed(attackerKey, { number: Number.MAX_SAFE_INTEGER }, cleared);
    const again = new TrustStore("checkpoint", storage);
    again.offer({ ...served, authority: address(attackerKey) }, NOW);
    expect(again.servedMismatch?.authority).toBe(address(attackerKey));
    expect(await code(() => again.accept(attack, NOW))).toBe("bundle_untrusted_signer");
    expect(again.trust?.highestBlock).toBe(payload.block.number);
    // Not bricked: the genuine next bundle is accepted.
    again.accept(
      await signed(genuineKey, { number: payload.block.number + 2, timestamp: payload.block.timestamp + 4 }),
      NOW,
    );
    expect(again.bundle?.block.number).toBe(payload.block.number + 2);
  });

  it("refuses, and does not store, a bundle implausibly far ahead even under the trusted key", async () => {
    const storage = new MemoryStorage();
    const store = new TrustStore("checkpoint", storage);
    store.offer(served, NOW);
    store.accept(await signed(genuineKey), NOW);
    const before = storage.getItem("laissez.checkpoint.bundle");
    expect(
      await code(async () => store.accept(await signed(genuineKey, { number: Number.MAX_SAFE_INTEGER }), NOW)),
    ).toBe("bundle_implausible");
    expect(
      await code(async () =>
        store.accept(
          await signed(genuineKey, { number: payload.block.number + 1000, timestamp: payload.block.timestamp + 10 }),
          NOW,
        ),
      ),
    ).toBe("bundle_implausible");
    expect(
      await code(async () =>
        store.accept(await signed(genuineKey, { number: payload.block.number + 1, timestamp: NOW + 3600 }), NOW),
      ),
    ).toBe("bundle_implausible");
    expect(
      await code(async () =>
        store.accept(
          await signed(genuineKey, {}, (p) => ({
            ...p,
            contracts: { ...p.contracts, statusRegistry: "0x" + "5".repeat(40) },
          })),
          NOW,
        ),
      ),
    ).toBe("bundle_wrong_scope");
    expect(storage.getItem("laissez.checkpoint.bundle")).toBe(before);
    store.accept(
      await signed(genuineKey, { number: payload.block.number + 1, timestamp: payload.block.timestamp + 2 }),
      NOW,
    );
  });

  it("a changed anchor needs the operator's anchor file; a malformed one is refused", async () => {
    const storage = new MemoryStorage();
    const store = new TrustStore("checkpoint", storage);
    store.offer(served, NOW);
    store.accept(await signed(genuineKey), NOW);
    const file = JSON.stringify({
      kind: "laissez-anchor",
      region: "CN-SH",
      chainId: payload.chainId,
      authorities: [address(attackerKey)],
      contracts: payload.contracts,
    });
    store.replace(parseAnchorFile(file, NOW));
    // Same ledger: the rollback state stays; the old bundle no longer verifies under the new key.
    expect(store.trust?.highestBlock).toBe(payload.block.number);
    expect(store.bundle).toBeUndefined();
    store.accept(
      await signed(attackerKey, { number: payload.block.number + 1, timestamp: payload.block.timestamp + 2 }),
      NOW,
    );
    for (const bad of [
      "{",
      JSON.stringify({ kind: "x" }),
      JSON.stringify({ kind: "laissez-anchor", region: "CN-SH", chainId: 1, authorities: ["0x12"] }),
    ]) {
      expect(await code(() => parseAnchorFile(bad, NOW))).toBe("anchor_malformed");
    }
  });

  it("checkPlausible: a block number cannot exceed its chain time in seconds", async () => {
    const b = deserializeBundle(payload);
    const trust: DeviceTrust = {
      anchor: { region: "CN-SH", chainId: b.chainId, authorities: [], contracts: null, pinnedAt: 0 },
      highestBlock: 0,
      highestTimestamp: 0,
    };
    expect(() => checkPlausible(b, trust, NOW)).not.toThrow();
    expect(
      await code(() => checkPlausible({ ...b, block: { ...b.block, number: b.block.timestamp + 1 } }, trust, NOW)),
    ).toBe("bundle_implausible");
  });
});

describe("the open registry and the shift history", () => {
  it("counts set revocation and suspension bits per agency, and keeps one point per block", async () => {
    const b = deserializeBundle(payload);
    const [id, list] = Object.entries(b.statusLists).find(([, l]) => l.purpose === "revocation")!;
    const before = statusCounts(b)[list.issuer]!.revoked;
    const free = Array.from({ length: list.size }, (_, i) => i).find((i) => !hasStatus(list.set, i))!;
    const after = {
      ...b,
      statusLists: {
        ...b.statusLists,
        [id]: { ...list, set: applyStatusChanges(list.set, list.size, new Map([[free, true]])) },
      },
    };
    expect(statusCounts(after)[list.issuer]!.revoked).toBe(before + 1);
    const series = appendCounts(appendCounts([], b), b);
    expect(series).toHaveLength(1);
    expect(JSON.stringify(series)).not.toMatch(/did:key|urn:uuid/);
    expect(recognitionMatrix(b).accepts("CN-SH", "CN-SH")).toBe("own");
    expect(serializeBundle(b).kind).toBe("bundle");
  });

  it("the shift history keeps time, verdict and type only", async () => {
    const storage = new MemoryStorage();
    const h = new ShiftHistory(storage);
    h.add({ at: 1, verdict: "accept", type: "HealthCode", name: "Li Mei" } as never);
    expect(h.entries).toEqual([{ at: 1, verdict: "accept", type: "HealthCode" }]);
    h.clear();
    expect(h.entries).toEqual([]);
    const env = JSON.parse(await signed(genuineKey)) as SignedEnvelope;
    expect(env.signer).toBe(address(genuineKey));
  });
});

describe("the checkpoint page's own challenges (issue 11)", () => {
  it("the scan path takes as paper only what its issuer signed as paper: a phone credential lifted from a QR and re-packed as LZP1 is refused (issue 22 item 11)", () => {
    const bundle = deserializeBundle(vectors.bundle.payload as SerializedBundle);
    const token = (prefix: string) => vectors.vectors.find((v) => v.name.startsWith(prefix))!;
    const paper = token("accept: a credential printed for paper");
    const lifted = token("reject: a phone credential (bound to a holder key) lifted from a QR and re-packed as paper");
    const ctx = {
      bundle,
      region: "CN-SH",
      now: paper.now,
      keyCache: new Map<string, Uint8Array>(),
      challenges: new PageChallenges("checkpoint:CN-SH:page"),
    };
    const printed = verifyScan(paper.token, ctx);
    expect([printed.verdict, printed.reason, "presentation" in printed && printed.presentation?.mode]).toEqual([
      "accept",
      null,
      "paper",
    ]);
    const phone = verifyScan(lifted.token, ctx);
    expect([phone.verdict, phone.reason]).toEqual(["reject", "phone_credential_on_paper"]);
    expect(describeReason("phone_credential_on_paper", "zh")).not.toMatch(/^检查未通过/);
  });

  it("a stranger's answer, signed by their own key, leaves the challenge open; of ten valid answers one is accepted (issue 22 item 14)", async () => {
    const bundle = deserializeBundle(vectors.bundle.payload as SerializedBundle);
    const accepted = vectors.vectors.find((v) => v.name === "accept: ES256K veriKey delegate")!;
    // The vectors' holder (test/vectors/generate.ts) and a stranger who read the challenge off the screen.
    const holderKey = sha256(utf8("laissez test vector holder"));
    const strangerKey = sha256(utf8("a stranger at the checkpoint"));
    const challenges = new PageChallenges("checkpoint:CN-SH:page");
    const ctx = { bundle, region: "CN-SH", now: accepted.now, keyCache: new Map<string, Uint8Array>(), challenges };
    const c = challenges.open([], accepted.now);
    const answer = (key: Uint8Array, at: number) =>
      presentCredential({
        credential: accepted.token,
        holder: p256DidKey(p256.getPublicKey(key, false)),
        signer: holderSigner(key),
        issuedAt: at,
        audience: c.audience,
        nonce: c.nonce,
      });
    const junk = verifyScan(await answer(strangerKey, accepted.now), ctx);
    expect([junk.verdict, junk.reason]).toEqual(["reject", "holder_mismatch"]);
    expect(challenges.state(accepted.now)).toBe("open");
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => answer(holderKey, accepted.now - i)));
    const verdicts = answers.map((a) => verifyScan(a, ctx)).map((v) => `${v.verdict} ${v.reason}`);
    expect(verdicts).toEqual(["accept null", ...Array.from({ length: 9 }, () => "reject nonce_reused")]);
    expect(challenges.state(accepted.now)).toBe("answered");
  });

  it("a 128-bit nonce from the CSPRNG, this checkpoint as audience, 120 s, the claims sorted; its LZCH1 text reads back", () => {
    const challenges = new PageChallenges("checkpoint:CN-SH:8802");
    const c = challenges.open(["healthStatus", "familyName", "healthStatus"], 1000);
    expect(readChallengeText(c.text)).toEqual({
      audience: "checkpoint:CN-SH:8802",
      nonce: c.nonce,
      expiresAt: 1000 + CHALLENGE_SECONDS,
      claims: ["familyName", "healthStatus"],
    });
    expect(base64urlDecode(c.nonce, "nonce")).toHaveLength(16);
    const nonces = new Set(Array.from({ length: 200 }, () => challenges.open([], 1000).nonce));
    expect(nonces.size).toBe(200);
    expect(() => challenges.open(["not a name"], 1000)).toThrow(RangeError);
    // An id the challenge form cannot carry (the service takes any 200 characters) is refused, not written.
    expect(() => new PageChallenges("checkpoint one").open([], 1000)).toThrow(/challenge: the audience/);
    expect(() => new PageChallenges("c".repeat(129)).open([], 1000)).toThrow(/challenge: the audience/);
  });

  it("one answer per challenge, whoever gives it; a new challenge replaces the open one; expired after its time", () => {
    const challenges = new PageChallenges("cp");
    const first = challenges.open([], 1000);
    expect(challenges.state(1000)).toBe("open");
    expect(challenges.secondsLeft(1030)).toBe(CHALLENGE_SECONDS - 30);
    expect(challenges.consume(first.nonce)).toBe(true);
    expect(challenges.consume(first.nonce)).toBe(false);
    expect(challenges.state(1001)).toBe("answered");
    const second = challenges.open(["healthStatus"], 1002);
    expect(challenges.consume(first.nonce)).toBe(false); // not the open challenge's nonce
    expect(challenges.state(second.expiresAt)).toBe("open");
    expect(challenges.state(second.expiresAt + 1)).toBe("expired");
    challenges.close();
    expect(challenges.state(1002)).toBeUndefined();
    expect(challenges.consume(second.nonce)).toBe(false);
  });
});
