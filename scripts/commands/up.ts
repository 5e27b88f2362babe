import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEFAULT_DEPLOYMENTS_DIR } from "../../services/chain/deployments.ts";
import { issuerClient } from "../../services/issuer/client.ts";
import { EXIT, stringOption, UsageError, type Command } from "../cli.ts";
import { integerOption } from "../context.ts";
import { narrator, runScenario, scenarioPassed, type Narration } from "../demo/scenario.ts";
import { qrTerminal } from "../qr-file.ts";
import { startSystem, type LanSystem, type RunningSystem } from "../system.ts";

const SYSTEM_OPTIONS = {
  port: { type: "string", default: "8545" },
  rpc: { type: "string" },
  "base-port": { type: "string", default: "8700" },
  "state-dir": { type: "string", default: join(".data", "system") },
  deployments: { type: "string", default: DEFAULT_DEPLOYMENTS_DIR },
  lan: { type: "string" },
} as const;

function systemOptions(values: Record<string, unknown>) {
  return {
    chainPort: integerOption(values, "port", 8545),
    basePort: integerOption(values, "base-port", 8700),
    // Absolute from the start: a later chdir, or a checkout deleted under it, cannot move them.
    stateDir: resolve(stringOption(values, "state-dir") ?? join(".data", "system")),
    deploymentsDir: resolve(stringOption(values, "deployments") ?? DEFAULT_DEPLOYMENTS_DIR),
    ...externalChain(values),
    ...(stringOption(values, "lan") ? { lan: stringOption(values, "lan") as string } : {}),
  };
}

/** `--rpc URL`: use a chain that is already running (its state survives a restart) instead of starting the embedded one. */
function externalChain(values: Record<string, unknown>): { rpc?: string } {
  const rpc = stringOption(values, "rpc");
  if (rpc === undefined) return {};
  if (!/^https?:\/\/[^/?#\s]+\/?$/.test(rpc))
    throw new UsageError(`--rpc must be an http(s) JSON-RPC URL (scheme, host and port), got ${JSON.stringify(rpc)}`);
  return { rpc: rpc.replace(/\/$/, "") };
}

/**
 * What the guided offer gives: an SD-JWT VC (the citizen sees selective disclosure: the QR starts
 * with the health status only), with a date of birth to leave unshown.
 */
const GUIDED_OFFER = {
  type: "HealthCode",
  format: "sd_jwt_vc",
  claims: { healthStatus: "green", givenName: "Mei", familyName: "Li", birthDate: "1990-04-12" },
} as const;

/** An offer made now (valid 10 minutes), as the web wallet's ready link, so the first step is one click. */
async function readyOffer(s: RunningSystem): Promise<string | undefined> {
  const zj = s.agencies[0]!;
  try {
    const { offerUri } = await issuerClient(zj.url, { token: zj.token, timeoutMs: 10_000 }).call(
      "POST /offers",
      GUIDED_OFFER,
    );
    return offerUri ? `${s.wallet}/#offer=${encodeURIComponent(offerUri)}` : undefined;
  } catch {
    return undefined;
  }
}

function guide(s: RunningSystem, stateDir: string, ready: string | undefined): string {
  const zj = s.agencies[0]!;
  const offer = `curl -s -X POST ${zj.url}/offers -H 'authorization: Bearer ${zj.token}' -H 'content-type: application/json' -d '${JSON.stringify(GUIDED_OFFER)}'`;
  return [
    "",
    "Laissez is running (all on 127.0.0.1):",
    `  chain (JSON-RPC)         ${s.rpc}   chain id ${s.chainId}, ${s.chainPid === undefined ? "external (--rpc): not started or watched here" : "a block every 2 s"}`,
    ...s.agencies.map((a) => `  issuer ${a.region}  ${a.url}   ${a.name}`),
    ...Object.entries(s.checkpoints).map(
      ([region, url]) =>
        `  checkpoint ${region}    ${url}/   (page; open registry: ${url}/registry.html; API: /bundle /verify /health)`,
    ),
    `  web wallet               ${s.wallet}/`,
    `  operator tokens (development only) and URLs: ${join(stateDir, "system.json")}; service logs: ${join(stateDir, "services.log")}`,
    "",
    "Guided scenario:",
    `  1. Open this link: the web wallet receives a health code that ${zj.name} (CN-ZJ) offers (made now, valid 10 minutes):`,
    `       ${ready ?? "(the ready offer could not be made: use the command below)"}`,
    `     A fresh offer any time — the token is CN-ZJ health's development operator token (${join(stateDir, "system.json")}):`,
    `       ${offer}`,
    `     then open ${s.wallet}/#offer=<its "offerUri", URL-encoded>, or paste the offerUri into the wallet's box.`,
    "  2. The card appears, status Valid; you choose what each showing reveals. Press Show QR code: only the health status is",
    "     ticked (tick your name if asked; the date of birth stays unshown). Pick CN-SH (where you will show it); save the image.",
    `  3. Open the CN-SH checkpoint ${s.checkpoints["CN-SH"]}/ — it syncs. Go offline (devtools → Network → Offline, or unplug):`,
    "     read the QR image (or scan it) → ACCEPT, with the bundle's age. The CN-NM checkpoint says REJECT (the QR names CN-SH).",
    '  4. Revoke it. The credential id (urn:uuid:…) is on the wallet\'s card under "Technical details". The command waits until',
    "     the revocation is anchored on chain (a block or two) and says so; a checkpoint only learns it from then on:",
    `       LAISSEZ_ISSUER_TOKEN=${zj.token} npx laissez revoke --service ${zj.url} <credential id>`,
    '  5. Offline, the checkpoint still accepts: it cannot know. Once step 4 printed "anchored": go online, press Sync now,',
    "     read the QR again → REJECT: revoked.",
    "",
    "Or run it all unattended: npm run demo.   Ctrl-C stops everything.",
  ].join("\n");
}

/**
 * Resolves with a sentence when the state directory disappears (the checkout deleted under a
 * running system): nothing can be logged or locked any more, so `up` stops rather than run on.
 */
function stateGone(stateDir: string): { gone: Promise<string>; cancel(): void } {
  let timer: ReturnType<typeof setInterval> | undefined;
  const gone = new Promise<string>((done) => {
    timer = setInterval(() => {
      if (!existsSync(stateDir)) done(`the state directory ${stateDir} is gone (was the checkout deleted?)`);
    }, 2000);
    timer.unref();
  });
  return { gone, cancel: () => clearInterval(timer) };
}

/** LAN mode's part of the guide: the CA to install first, then the phone URLs, each as a QR code. */
async function lanGuide(lan: LanSystem): Promise<string> {
  const codes = [
    [
      "1. On the phone, install this certificate authority (made for this run only; remove it after testing):",
      lan.caUrl,
    ],
    ["2. Then the web wallet:", `${lan.wallet}/`],
    ...Object.entries(lan.checkpoints).map(([region, url]) => [`   checkpoint ${region}:`, `${url}/`]),
  ];
  const out = [
    "",
    `LAN mode: phones on this network reach the pages over https at ${lan.address} (the chain stays on 127.0.0.1).`,
    `  CA certificate: ${lan.caFile}`,
  ];
  for (const [say, url] of codes) out.push("", `${say} ${url}`, await qrTerminal(url as string));
  return out.join("\n");
}

/** Resolves on the first Ctrl-C or SIGTERM. */
const interrupted = (): Promise<void> =>
  new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });

export const upCommand: Command = {
  name: "up",
  summary:
    "start the whole system: embedded chain, deployment, demo consortium, issuer and checkpoint services, web pages",
  usage: "laissez up [--port 8545 | --rpc URL] [--base-port 8700] [--state-dir .data/system] [--lan ADDRESS]",
  options: SYSTEM_OPTIONS,
  async run({ values }) {
    const stop = interrupted();
    const options = systemOptions(values);
    const system = await startSystem(options);
    console.log(guide(system, options.stateDir, await readyOffer(system)));
    if (system.lan) console.log(await lanGuide(system.lan));
    console.log("\nready");
    const watch = stateGone(options.stateDir);
    const lost = await Promise.race([
      stop.then(() => undefined),
      system.chainLost.then(
        (why) => `${why}: stopping everything (nothing on chain can be read or anchored without it)`,
      ),
      watch.gone.then((why) => `${why}: stopping everything`),
    ]);
    watch.cancel();
    if (lost) console.error(`\n${lost}`);
    console.log("\nstopping …");
    await system.stop();
    console.log("stopped");
    return lost ? EXIT.failure : EXIT.ok;
  },
};

export const demoCommand: Command = {
  name: "demo",
  summary:
    "run the guided scenario unattended on a fresh system, narrating each step and its verdict (Chinese, then English)",
  usage: "laissez demo [--lang both|zh|en] [--port 8545 | --rpc URL] [--base-port 8700] [--state-dir .data/system]",
  options: { ...SYSTEM_OPTIONS, lang: { type: "string", default: "both" } },
  async run({ values }) {
    const lang = stringOption(values, "lang") ?? "both";
    if (lang !== "both" && lang !== "zh" && lang !== "en") throw new UsageError("--lang must be both, zh or en");
    const say = narrator(lang as Narration);
    const system = await startSystem(systemOptions(values));
    try {
      const steps = await runScenario(system, say);
      const passed = scenarioPassed(steps);
      if (passed) say("\n演示完成：每个核验结果都符合预期。", "scenario complete: every verdict as expected");
      else say("\n演示失败：有核验结果与预期不同。", "scenario FAILED: a verdict differed from the expected one");
      return passed ? EXIT.ok : EXIT.failure;
    } finally {
      await system.stop();
    }
  },
};
