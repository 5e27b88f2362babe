import { join } from "node:path";
import { DEFAULT_DEPLOYMENTS_DIR } from "../../services/chain/deployments.ts";
import { issuerClient } from "../../services/issuer/client.ts";
import { EXIT, stringOption, UsageError, type Command } from "../cli.ts";
import { integerOption } from "../context.ts";
import { narrator, runScenario, scenarioPassed, type Narration } from "../demo/scenario.ts";
import { startSystem, type RunningSystem } from "../system.ts";

const SYSTEM_OPTIONS = {
  port: { type: "string", default: "8545" },
  rpc: { type: "string" },
  "base-port": { type: "string", default: "8700" },
  "state-dir": { type: "string", default: join(".data", "system") },
  deployments: { type: "string", default: DEFAULT_DEPLOYMENTS_DIR },
} as const;

function systemOptions(values: Record<string, unknown>) {
  return {
    chainPort: integerOption(values, "port", 8545),
    basePort: integerOption(values, "base-port", 8700),
    stateDir: stringOption(values, "state-dir") ?? join(".data", "system"),
    deploymentsDir: stringOption(values, "deployments") ?? DEFAULT_DEPLOYMENTS_DIR,
    ...externalChain(values),
  };
}

/** `--rpc URL`: use a chain that is already running (its state survives a restart) instead of starting the embedded one. */
function externalChain(values: Record<string, unknown>): { rpc?: string } {
  const rpc = stringOption(values, "rpc");
  if (rpc === undefined) return {};
  if (!/^https?:\/\/[^/?#\s]+\/?$/.test(rpc)) throw new UsageError(`--rpc must be an http(s) JSON-RPC URL (scheme, host and port), got ${JSON.stringify(rpc)}`);
  return { rpc: rpc.replace(/\/$/, "") };
}

/** An offer made now (valid 10 minutes), as the web wallet's ready link, so the first step is one click. */
async function readyOffer(s: RunningSystem): Promise<string | undefined> {
  const zj = s.agencies[0]!;
  try {
    const { offerUri } = await issuerClient(zj.url, { token: zj.token, timeoutMs: 10_000 }).call("POST /offers", { type: "HealthCode", claims: { healthStatus: "green", givenName: "Mei", familyName: "Li" } });
    return offerUri ? `${s.wallet}/#offer=${encodeURIComponent(offerUri)}` : undefined;
  } catch {
    return undefined;
  }
}

function guide(s: RunningSystem, stateDir: string, ready: string | undefined): string {
  const zj = s.agencies[0]!;
  const offer = `curl -s -X POST ${zj.url}/offers -H 'authorization: Bearer ${zj.token}' -H 'content-type: application/json' -d '{"type":"HealthCode","claims":{"healthStatus":"green","givenName":"Mei","familyName":"Li"}}'`;
  return [
    "",
    "Laissez is running (all on 127.0.0.1):",
    `  chain (JSON-RPC)         ${s.rpc}   chain id ${s.chainId}, ${s.chainPid === undefined ? "external (--rpc): not started or watched here" : "a block every 2 s"}`,
    ...s.agencies.map((a) => `  issuer ${a.region}  ${a.url}   ${a.name}`),
    ...Object.entries(s.checkpoints).map(([region, url]) => `  checkpoint ${region}    ${url}/   (page; open registry: ${url}/registry.html; API: /bundle /verify /health)`),
    `  web wallet               ${s.wallet}/`,
    `  operator tokens (development only) and URLs: ${join(stateDir, "system.json")}; service logs: ${join(stateDir, "services.log")}`,
    "",
    "Guided scenario:",
    `  1. Open this link: the web wallet receives a health code that ${zj.name} (CN-ZJ) offers (made now, valid 10 minutes):`,
    `       ${ready ?? "(the ready offer could not be made: use the command below)"}`,
    `     A fresh offer any time — the token is CN-ZJ health's development operator token (${join(stateDir, "system.json")}):`,
    `       ${offer}`,
    `     then open ${s.wallet}/#offer=<its "offerUri", URL-encoded>, or paste the offerUri into the wallet's box.`,
    "  2. The card appears, status Valid. Press Show QR code; pick CN-SH (the region you will show it in); save the image.",
    `  3. Open the CN-SH checkpoint ${s.checkpoints["CN-SH"]}/ — it syncs. Go offline (devtools → Network → Offline, or unplug):`,
    "     read the QR image (or scan it) → ACCEPT, with the bundle's age. The CN-NM checkpoint says REJECT (the QR names CN-SH).",
    "  4. Revoke it. The credential id (urn:uuid:…) is on the wallet's card under \"Technical details\":",
    `       curl -s -X POST ${zj.url}/credentials/status -H 'authorization: Bearer ${zj.token}' -H 'content-type: application/json' -d '{"action":"revoke","ids":["<credential id>"]}'`,
    "  5. Offline, the checkpoint still accepts: it cannot know. Go online, press Sync now, read the QR again → REJECT: revoked.",
    "",
    "Or run it all unattended: npm run demo.   Ctrl-C stops everything.",
  ].join("\n");
}

/** Resolves on the first Ctrl-C or SIGTERM. */
const interrupted = (): Promise<void> =>
  new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });

export const upCommand: Command = {
  name: "up",
  summary: "start the whole system: embedded chain, deployment, demo consortium, issuer and checkpoint services, web pages",
  usage: "laissez up [--port 8545 | --rpc URL] [--base-port 8700] [--state-dir .data/system]",
  options: SYSTEM_OPTIONS,
  async run({ values }) {
    const stop = interrupted();
    const options = systemOptions(values);
    const system = await startSystem(options);
    console.log(guide(system, options.stateDir, await readyOffer(system)));
    console.log("\nready");
    const lost = await Promise.race([stop.then(() => undefined), system.chainLost]);
    if (lost) console.error(`\n${lost}: stopping everything (nothing on chain can be read or anchored without it)`);
    console.log("\nstopping …");
    await system.stop();
    console.log("stopped");
    return lost ? EXIT.failure : EXIT.ok;
  },
};

export const demoCommand: Command = {
  name: "demo",
  summary: "run the guided scenario unattended on a fresh system, narrating each step and its verdict (Chinese, then English)",
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
