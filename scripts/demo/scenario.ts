/**
 * The guided scenario, unattended (`npm run demo`): issue a health code in CN-ZJ, receive it in
 * a wallet, show it as a QR code, verify it at a CN-SH checkpoint with no network, see CN-NM
 * refuse it, revoke it, see the offline checkpoint still accept until it re-syncs, then reject.
 * Every verification here is the checkpoint page's: core's verifyPresentation over a signed
 * bundle, with no network call.
 */
import { describeReason, loadSignedBundle, nobleVerifier, type TrustBundle, type Verdict, verifyPresentation } from "../../core/index.ts";
import { createHolderKey } from "../../wallet/holder.ts";
import { present } from "../../wallet/present.ts";
import { presentationQrText, qrSize } from "../../wallet/qr.ts";
import { qrPng, readQrPng } from "../../wallet/qr-file.ts";
import { receiveOffer } from "../../wallet/receive.ts";
import { demoAuthorityKey } from "./consortium.ts";
import type { RunningSystem } from "../system.ts";

const now = (): number => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(url: string, token: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** What a checkpoint in `region` holds after a sync: its service's bundle, signature checked against the region authority. */
async function syncCheckpoint(system: RunningSystem, region: string): Promise<TrustBundle> {
  const text = await (await fetch(`${system.checkpoints[region]}/bundle`)).text();
  return loadSignedBundle(text, { chainId: system.chainId, authorities: [demoAuthorityKey(region).address], region }, undefined).bundle;
}

export interface ScenarioStep {
  readonly step: string;
  readonly verdict?: Verdict["verdict"];
  readonly reason?: string | null;
  /** The step did what the scenario expects (for a verification: the expected verdict and reason). */
  readonly ok: boolean;
}

/** Runs the scenario against a running system; `say` prints each step. Returns the steps, each with the verdict it expected. */
export async function runScenario(system: RunningSystem, say: (line: string) => void = console.log): Promise<ScenarioStep[]> {
  const steps: ScenarioStep[] = [];
  const zj = system.agencies.find((a) => a.region === "CN-ZJ" && /Health/.test(a.name));
  if (!zj) throw new Error("no CN-ZJ health agency in this system");
  const keyCache = new Map<string, Uint8Array>();
  const check = (step: string, qr: string, bundle: TrustBundle, region: string, expected: Verdict["verdict"], expectedReason: string | null): void => {
    const v = verifyPresentation(qr, { bundle, region, now: now(), verifier: nobleVerifier, keyCache });
    const ok = v.verdict === expected && v.reason === expectedReason;
    say(`${ok ? "✓" : "✗"} ${step}: ${v.verdict.toUpperCase()}${v.reason ? ` — ${v.reason}: ${describeReason(v.reason)}` : ""}  (bundle block ${bundle.block.number}, ${v.bundle.ageSeconds} s old)`);
    steps.push({ step, verdict: v.verdict, reason: v.reason, ok });
  };

  say(`1. ${zj.name} (CN-ZJ) offers a health code`);
  const offer = await call(`${zj.url}/offers`, zj.token, { type: "HealthCode", claims: { healthStatus: "green", givenName: "Mei", familyName: "Li" } });
  steps.push({ step: "offer", ok: true });

  say("2. The citizen's wallet receives it (proof of the holder key; checked against CN-ZJ's bundle)");
  const holder = createHolderKey();
  const credential = await receiveOffer({ offerUri: offer.offerUri as string, key: holder, fetch, now: now(), verify: { bundle: await syncCheckpoint(system, "CN-ZJ"), verifier: nobleVerifier } });
  say(`   ${credential.type} ${credential.id} from ${credential.issuer.name} (${credential.issuer.region}), valid until ${new Date(credential.validUntil * 1000).toISOString()}`);
  steps.push({ step: "receive", ok: true });

  say("3. The wallet shows a static presentation QR for CN-SH; the checkpoint reads it from the image");
  const qr = presentationQrText(await present(credential.jwt, holder, now(), { region: "CN-SH" }));
  const size = qrSize(qr);
  const scanned = readQrPng(await qrPng(qr));
  if (scanned !== qr) throw new Error("the QR image did not decode to the presentation");
  say(`   ${size.characters} characters, QR version ${size.version} at level M`);

  say("4. A CN-SH checkpoint syncs while online, then verifies with no network");
  const shBefore = await syncCheckpoint(system, "CN-SH");
  check("CN-SH checkpoint, offline", scanned, shBefore, "CN-SH", "accept", null);
  const nm = await syncCheckpoint(system, "CN-NM");
  check("CN-NM checkpoint, offline, shown the QR made for CN-SH", scanned, nm, "CN-NM", "reject", "wrong_audience");
  const forNm = presentationQrText(await present(credential.jwt, holder, now(), { region: "CN-NM" }));
  check("CN-NM checkpoint, offline, a QR made for CN-NM (CN-NM recognizes no outside health codes)", forNm, nm, "CN-NM", "reject", "region_not_recognized");

  say(`5. ${zj.name} revokes the credential`);
  const request = await call(`${zj.url}/credentials/status`, zj.token, { action: "revoke", ids: [credential.id] });
  say(`   accepted: ${JSON.stringify(request.requests ?? request)}`);
  let block: number | null = null;
  for (let i = 0; i < 100 && block === null; i++) {
    const record = await call(`${zj.url}/credentials/${encodeURIComponent(credential.id)}`, zj.token);
    const revoke = (record.requests as { action: string; state: string; block: number | null }[]).find((r) => r.action === "revoke");
    if (revoke?.state === "anchored") block = revoke.block;
    else await sleep(200);
  }
  if (block === null) throw new Error("the revocation was not anchored within 20 s");
  say(`   anchored on chain in block ${block}`);

  say("6. The CN-SH checkpoint, still offline with its old bundle, cannot know yet");
  check("CN-SH checkpoint, old bundle", scanned, shBefore, "CN-SH", "accept", null);

  say("7. It re-syncs, and verifies again offline");
  let shAfter = await syncCheckpoint(system, "CN-SH");
  for (let i = 0; i < 50 && shAfter.block.number < block; i++) {
    await sleep(200);
    shAfter = await syncCheckpoint(system, "CN-SH");
  }
  const fresh = presentationQrText(await present(credential.jwt, holder, now(), { region: "CN-SH" }));
  check("CN-SH checkpoint, after re-sync", fresh, shAfter, "CN-SH", "reject", "revoked");
  return steps;
}

export const scenarioPassed = (steps: readonly ScenarioStep[]): boolean => steps.every((s) => s.ok);
