/**
 * The guided scenario, unattended (`npm run demo`): issue a health code in CN-ZJ, receive it in
 * a wallet, show it as a QR code, verify it at a CN-SH checkpoint with no network, see CN-NM
 * refuse it, revoke it, see the offline checkpoint still accept until it re-syncs, then reject.
 * Every verification here is the checkpoint page's: core's verifyPresentation over a signed
 * bundle, with no network call.
 */
import {
  loadSignedBundle,
  nobleVerifier,
  type TrustBundle,
  type Verdict,
  verifyPresentation,
} from "../../core/index.ts";
import { createHolderKey } from "../../wallet/holder.ts";
import { present } from "../../wallet/present.ts";
import { presentationQrText } from "../../wallet/qr.ts";
import { qrSize } from "../../web/qr.ts";
import { qrPng, readQrPng } from "../qr-file.ts";
import { receiveOffer } from "../../wallet/receive.ts";
import { agencyName, dateTimeInWords, reasonText, regionName, typeName } from "../../web/i18n.ts";
import { issuerClient } from "../../services/issuer/client.ts";
import { demoAuthorityKey } from "./consortium.ts";
import type { RunningSystem } from "../system.ts";

const now = (): number => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a checkpoint in `region` holds after a sync: its service's bundle, signature checked against the region authority. */
async function syncCheckpoint(system: RunningSystem, region: string): Promise<TrustBundle> {
  const text = await (await fetch(`${system.checkpoints[region]}/bundle`)).text();
  return loadSignedBundle(
    text,
    { chainId: system.chainId, authorities: [demoAuthorityKey(region).address], region },
    undefined,
  ).bundle;
}

export interface ScenarioStep {
  readonly step: string;
  readonly verdict?: Verdict["verdict"];
  readonly reason?: string | null;
  /** The step did what the scenario expects (for a verification: the expected verdict and reason). */
  readonly ok: boolean;
}

/** Which languages the demo narrates in: Chinese first, English, or both (each Chinese line followed by its English). */
export type Narration = "zh" | "en" | "both";

/** Prints a line in the chosen languages. */
export function narrator(
  languages: Narration,
  print: (line: string) => void = console.log,
): (zh: string, en: string) => void {
  return (zh, en) => {
    if (languages !== "en") print(zh);
    if (languages !== "zh") print(languages === "both" ? `   ${en}` : en);
  };
}

const VERDICT_WORDS: Record<Verdict["verdict"], { zh: string; en: string }> = {
  accept: { zh: "通过", en: "ACCEPT" },
  reject: { zh: "不通过", en: "REJECT" },
  unknown: { zh: "无法确定", en: "UNKNOWN" },
};

/** The narration, the steps so far and the offline check every checkpoint step makes. */
interface Scene {
  readonly system: RunningSystem;
  readonly say: (zh: string, en: string) => void;
  readonly steps: ScenarioStep[];
  /** One offline verification at a checkpoint in `at`, narrated and recorded as a step. */
  readonly check: (
    where: { zh: string; en: string },
    qr: string,
    bundle: TrustBundle,
    at: string,
    expected: Verdict["verdict"],
    expectedReason: string | null,
  ) => void;
}

type Agency = RunningSystem["agencies"][number];
type Issuer = ReturnType<typeof issuerClient>;
type Credential = Awaited<ReturnType<typeof receiveOffer>>;
type HolderKey = ReturnType<typeof createHolderKey>;

const region = (code: string): { zh: string; en: string } => ({
  zh: regionName(code, "zh-CN"),
  en: regionName(code, "en"),
});

/** Runs the scenario against a running system, narrating each step in words. Returns the steps, each with the verdict it expected. */
export async function runScenario(
  system: RunningSystem,
  say: (zh: string, en: string) => void = narrator("both"),
): Promise<ScenarioStep[]> {
  const zj = system.agencies.find((a) => a.region === "CN-ZJ" && /Health/.test(a.name));
  if (!zj) throw new Error("no CN-ZJ health agency in this system");
  const scene = newScene(system, say);
  const { issuer, offer } = await offerHealthCode(scene, zj);
  const { holder, credential } = await receiveHealthCode(scene, offer.offerUri);
  const scanned = await showQrCode(scene, credential, holder);
  const shBefore = await verifyOffline(scene, credential, holder, scanned);
  const block = await revoke(scene, zj, issuer, credential);
  await verifyAfterRevocation(scene, { credential, holder, scanned, shBefore, block });
  return scene.steps;
}

function newScene(system: RunningSystem, say: (zh: string, en: string) => void): Scene {
  const steps: ScenarioStep[] = [];
  const keyCache = new Map<string, Uint8Array>();
  const check: Scene["check"] = (where, qr, bundle, at, expected, expectedReason) => {
    const v = verifyPresentation(qr, { bundle, region: at, now: now(), verifier: nobleVerifier, keyCache });
    const ok = v.verdict === expected && v.reason === expectedReason;
    const mark = ok ? "✓" : "✗ (unexpected)";
    const age = v.bundle.ageSeconds;
    say(
      `   ${mark} ${where.zh}：${VERDICT_WORDS[v.verdict].zh}。${reasonText(v.reason, "zh-CN")}（数据为 ${age} 秒前的区块 ${bundle.block.number}）`,
      `${mark} ${where.en}: ${VERDICT_WORDS[v.verdict].en}. ${reasonText(v.reason, "en")} (data from block ${bundle.block.number}, ${age} s old)`,
    );
    steps.push({ step: where.en, verdict: v.verdict, reason: v.reason, ok });
  };
  return { system, say, steps, check };
}

/** 1. The CN-ZJ health agency offers Li Mei a green health code. */
async function offerHealthCode({ say, steps }: Scene, zj: Agency) {
  const zjZh = agencyName(zj.name, "zh-CN");
  say(
    `1. ${zjZh}（浙江）为李梅发出一个健康码领取邀请（绿码）。`,
    `1. ${zj.name} (CN-ZJ) offers Li Mei a health code (green).`,
  );
  const issuer = issuerClient(zj.url, { token: zj.token });
  const offer = await issuer.call("POST /offers", {
    type: "HealthCode",
    claims: { healthStatus: "green", givenName: "Mei", familyName: "Li" },
  });
  steps.push({ step: "offer", ok: true });
  return { issuer, offer };
}

/** 2. Her wallet receives it, proving the holder key and checking it against CN-ZJ's signed bundle. */
async function receiveHealthCode({ system, say, steps }: Scene, offerUri: string) {
  say(
    "2. 她的钱包领取证件：用持有人密钥证明身份，并用浙江核验点的签名数据检查证件。",
    "2. Her wallet receives it: it proves the holder key, and checks the credential against CN-ZJ's signed bundle.",
  );
  const holder = createHolderKey();
  const credential = await receiveOffer({
    offerUri,
    key: holder,
    fetch,
    now: now(),
    verify: { bundle: await syncCheckpoint(system, "CN-ZJ"), verifier: nobleVerifier },
    allowHttpLoopback: true,
  });
  say(
    `   已领取：${typeName(credential.type, "zh-CN")}，有效期至 ${dateTimeInWords(credential.validUntil, "zh-CN")}。`,
    `Received: ${typeName(credential.type, "en")}, valid until ${dateTimeInWords(credential.validUntil, "en")}.`,
  );
  steps.push({ step: "receive", ok: true });
  return { holder, credential };
}

/** 3. The wallet shows a QR code made for CN-SH; the checkpoint reads it from the image. Returns what it read. */
async function showQrCode({ say }: Scene, credential: Credential, holder: HolderKey): Promise<string> {
  say(
    "3. 钱包为上海的核验点生成一个二维码；核验点从图片中读取。",
    "3. The wallet shows a QR code made for CN-SH's checkpoints; the checkpoint reads it from the image.",
  );
  const qr = presentationQrText(await present(credential.jwt, holder, now(), { region: "CN-SH" }));
  const size = qrSize(qr);
  const scanned = readQrPng(await qrPng(qr));
  if (scanned !== qr) throw new Error("the QR image did not decode to the presentation");
  say(
    `   二维码：${size.characters} 个字符，版本 ${size.version}（纠错等级 M）。`,
    `The QR code: ${size.characters} characters, QR version ${size.version} at level M.`,
  );
  return scanned;
}

/** 4. Offline checks: CN-SH accepts; CN-NM rejects the QR made for CN-SH, and one made for itself. Returns CN-SH's bundle. */
async function verifyOffline(
  { system, say, check }: Scene,
  credential: Credential,
  holder: HolderKey,
  scanned: string,
): Promise<TrustBundle> {
  say(
    "4. 上海的核验点在联网时同步，然后断网核验：",
    "4. A CN-SH checkpoint syncs while online, then verifies with no network:",
  );
  const shBefore = await syncCheckpoint(system, "CN-SH");
  check(
    { zh: `${region("CN-SH").zh}核验点（离线）`, en: "CN-SH checkpoint, offline" },
    scanned,
    shBefore,
    "CN-SH",
    "accept",
    null,
  );
  const nm = await syncCheckpoint(system, "CN-NM");
  check(
    {
      zh: `${region("CN-NM").zh}核验点（离线），出示为上海生成的二维码`,
      en: "CN-NM checkpoint, offline, shown the QR made for CN-SH",
    },
    scanned,
    nm,
    "CN-NM",
    "reject",
    "wrong_audience",
  );
  const forNm = presentationQrText(await present(credential.jwt, holder, now(), { region: "CN-NM" }));
  check(
    {
      zh: `${region("CN-NM").zh}核验点（离线），为内蒙古生成的二维码（内蒙古不认可外地健康码）`,
      en: "CN-NM checkpoint, offline, a QR made for CN-NM (CN-NM recognizes no outside health codes)",
    },
    forNm,
    nm,
    "CN-NM",
    "reject",
    "region_not_recognized",
  );
  return shBefore;
}

/** 5. The agency revokes the credential; waits until the revocation is anchored. Returns its block. */
async function revoke({ say }: Scene, zj: Agency, issuer: Issuer, credential: Credential): Promise<number> {
  const zjZh = agencyName(zj.name, "zh-CN");
  say(`5. ${zjZh}撤销这个健康码。`, `5. ${zj.name} revokes the credential.`);
  await issuer.call("POST /credentials/status", { action: "revoke", ids: [credential.id] });
  say("   发证机关已受理撤销，正在写入区块链……", "The agency accepted the revocation; anchoring it on the chain …");
  let block: number | null = null;
  for (let i = 0; i < 100 && block === null; i++) {
    const record = await issuer.call("GET /credentials/:id", undefined, { params: { id: credential.id } });
    const revoke = record.requests.find((r) => r.action === "revoke");
    if (revoke?.state === "anchored") block = revoke.block;
    else await sleep(200);
  }
  if (block === null) throw new Error("the revocation was not anchored within 20 s");
  say(`   撤销已写入区块 ${block}。`, `The revocation is on chain, in block ${block}.`);
  return block;
}

/** 6. The offline CN-SH checkpoint still accepts on its old bundle; 7. after re-syncing, it rejects. */
async function verifyAfterRevocation(
  { system, say, check }: Scene,
  s: { credential: Credential; holder: HolderKey; scanned: string; shBefore: TrustBundle; block: number },
): Promise<void> {
  const { credential, holder, scanned, shBefore, block } = s;
  say(
    "6. 上海的核验点仍在离线，用的是旧数据，因此还无法得知：",
    "6. The CN-SH checkpoint, still offline with its old bundle, cannot know yet:",
  );
  check(
    { zh: `${region("CN-SH").zh}核验点（旧数据）`, en: "CN-SH checkpoint, old bundle" },
    scanned,
    shBefore,
    "CN-SH",
    "accept",
    null,
  );

  say("7. 它重新同步后再次离线核验：", "7. It re-syncs, and verifies again offline:");
  let shAfter = await syncCheckpoint(system, "CN-SH");
  for (let i = 0; i < 50 && shAfter.block.number < block; i++) {
    await sleep(200);
    shAfter = await syncCheckpoint(system, "CN-SH");
  }
  const fresh = presentationQrText(await present(credential.jwt, holder, now(), { region: "CN-SH" }));
  check(
    { zh: `${region("CN-SH").zh}核验点（重新同步后）`, en: "CN-SH checkpoint, after re-sync" },
    fresh,
    shAfter,
    "CN-SH",
    "reject",
    "revoked",
  );
}

export const scenarioPassed = (steps: readonly ScenarioStep[]): boolean => steps.every((s) => s.ok);
