/**
 * The whole system on one machine, as `npm start` (laissez up) and `npm run demo` run it:
 * the embedded chain (a child process), deployment, the demo consortium, then in this process
 * one issuer service per demo agency, one checkpoint service per region (each serving the
 * checkpoint page), and the web wallet. All on 127.0.0.1; state in a fresh directory each run,
 * since the embedded chain starts empty each time.
 */
import { existsSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { ethrDid } from "../core/index.ts";
import { startCheckpoint } from "../services/checkpoint/main.ts";
import { loadCheckpointConfig } from "../services/checkpoint/config.ts";
import { createHttpApp, pageCsp, route } from "../services/http/app.ts";
import { listen } from "../services/http/server.ts";
import { loadIssuerConfig } from "../services/issuer/config.ts";
import { startIssuer } from "../services/issuer/main.ts";
import { SqliteIssuerStore } from "../services/issuer/store.ts";
import { buildWeb, webDir } from "./build-web.ts";
import { deployTo, seedDemo, startEmbeddedChain } from "./dev-chain.ts";
import { claimSystem, wipeState } from "./system-lock.ts";
import { DEMO_SCHEMAS_DIR } from "./context.ts";
import { caServer, lanCertificates, tlsFront } from "./lan.ts";
import {
  agencyControllerKey,
  agencySigningKey,
  agencyStatusWriterKey,
  DEMO_AGENCIES,
  DEMO_REGIONS,
  demoAuthorityKey,
  demoBundleSignerKey,
  demoDelegation,
} from "./demo/consortium.ts";

export interface SystemOptions {
  /** JSON-RPC port of the embedded chain. */
  readonly chainPort: number;
  /**
   * An external chain's JSON-RPC URL (`laissez up --rpc`): no embedded chain is started; the
   * system deploys and seeds onto this one (it must be the development chain, 31337, with no
   * consortium yet) and rides out its outages — the services say `degraded` and catch up —
   * instead of stopping, since the chain is not the system's child.
   */
  readonly rpc?: string;
  /** Issuers listen on base+1…, checkpoints on base+101…, the wallet on base+200. */
  readonly basePort: number;
  readonly stateDir: string;
  readonly deploymentsDir: string;
  /** How often checkpoint services re-sync their bundle. */
  readonly syncIntervalMs?: number;
  /**
   * LAN mode (`laissez up --lan ADDRESS`): the wallet, the checkpoint pages and the issuers also
   * answer on https://ADDRESS:<same port> (scripts/lan.ts), and name those URLs to phones.
   * Unset (the default), nothing listens beyond 127.0.0.1.
   */
  readonly lan?: string;
}

/** What LAN mode serves, for the guide and for a phone. */
export interface LanSystem {
  readonly address: string;
  /** The CA certificate to install on a phone, over plain http; and where it is on disk. */
  readonly caUrl: string;
  readonly caFile: string;
  /** base64 SHA-256 of the server certificate's public key. */
  readonly spki: string;
  readonly wallet: string;
  readonly checkpoints: Readonly<Record<string, string>>;
}

export interface RunningAgency {
  readonly index: number;
  readonly region: string;
  readonly name: string;
  readonly did: string;
  readonly url: string;
  /** An operator token with every role (development only: printed for the guided scenario). */
  readonly token: string;
}

export interface RunningSystem {
  readonly rpc: string;
  readonly chainId: number;
  readonly agencies: readonly RunningAgency[];
  readonly checkpoints: Readonly<Record<string, string>>;
  readonly wallet: string;
  /** The chain child's pid (none on an external chain). */
  readonly chainPid: number | undefined;
  /** Resolves (with a sentence) if the chain child dies while the system runs; never on an external chain. */
  readonly chainLost: Promise<string>;
  /** LAN mode's https URLs (only with `lan`). */
  readonly lan?: LanSystem;
  stop(): Promise<void>;
}

/** The web wallet's server: the built page plus its configuration (where to sync status, whom to trust). */
async function startWalletWeb(
  port: number,
  info: { bundleUrl: string; region: string; authority: string; chainId: number },
  issuers: readonly string[],
): Promise<Server> {
  // The page may talk to its own server, the checkpoint it syncs from and the consortium's issuers, nothing else:
  // a hostile offer naming another host is refused by the wallet and, failing that, by the browser.
  const connect = [
    ...new Set(["'self'", new URL(info.bundleUrl).origin, ...issuers.map((u) => new URL(u).origin)]),
  ].join(" ");
  const app = createHttpApp({
    title: "Laissez web wallet",
    version: "1",
    authenticate: async () => undefined,
    routes: [
      route({
        method: "get",
        path: "/config.json",
        summary: "Where the wallet syncs status from, and the region authority that signs it",
        auth: "public",
        responses: { 200: "wallet configuration" },
        async handle() {
          return { status: 200, body: info };
        },
      }),
    ],
    page: { dir: webDir("wallet"), csp: pageCsp(connect) },
  });
  return listen(app, port, "127.0.0.1");
}

/** Every port the system will listen on, named for the refusal message. */
export function systemPorts(
  o: Pick<SystemOptions, "chainPort" | "basePort" | "rpc">,
): { port: number; what: string }[] {
  return [
    ...(o.rpc === undefined ? [{ port: o.chainPort, what: "the chain" }] : []),
    ...DEMO_AGENCIES.map((a, i) => ({ port: o.basePort + 1 + i, what: `issuer ${a.region} ${i}` })),
    ...DEMO_REGIONS.map((r, i) => ({ port: o.basePort + 101 + i, what: `checkpoint ${r}` })),
    { port: o.basePort + 200, what: "the web wallet" },
  ];
}

/** The embedded chain as a child process, or none when the system uses an external chain (`--rpc`). */
async function embeddedChainUnlessExternal(
  o: SystemOptions,
  rpc: string,
  say: (line: string) => void,
): Promise<ChildProcess | undefined> {
  if (o.rpc !== undefined) {
    say(
      `using the chain at ${rpc} (not started or watched by this system: its outages degrade the services until it is back)`,
    );
    return undefined;
  }
  say(`starting the embedded chain on ${rpc} …`);
  return startEmbeddedChain(o.chainPort, "ignore", "embedded");
}

type ServiceEnv = {
  readonly LAISSEZ_RPC_URL: string;
  readonly LAISSEZ_DEPLOYMENTS: string;
  readonly LAISSEZ_HOST: string;
};

/** One issuer service per demo agency, each with its own store and a demo operator token. */
async function startIssuers(
  o: SystemOptions,
  common: ServiceEnv,
  chainId: number,
  stops: (() => Promise<void>)[],
): Promise<RunningAgency[]> {
  const agencies: RunningAgency[] = [];
  for (const [i, a] of DEMO_AGENCIES.entries()) {
    const db = join(o.stateDir, `issuer-${i}.db`);
    const store = new SqliteIssuerStore(db);
    const { token } = await store.operators.create("demo-operator", ["admin", "issue", "revoke"]);
    await store.close();
    const port = o.basePort + 1 + i;
    const service = await startIssuer(
      loadIssuerConfig({
        ...common,
        ...(o.lan ? { LAISSEZ_PUBLIC_URL: lanUrl(o.lan, port) } : {}),
        LAISSEZ_DB: db,
        LAISSEZ_PORT: String(port),
        LAISSEZ_AGENCY: agencyControllerKey(i).address,
        LAISSEZ_STATUS_WRITER_KEY: agencyStatusWriterKey(i).privateKey,
        LAISSEZ_SIGNING_KEY: agencySigningKey(i).privateKey,
        LAISSEZ_ANCHOR_INTERVAL_MS: "200",
      }),
      DEMO_SCHEMAS_DIR,
    );
    stops.push(() => service.stop());
    agencies.push({
      index: i,
      region: a.region,
      name: a.name,
      did: ethrDid(chainId, agencyControllerKey(i).address),
      url: service.url,
      token,
    });
  }
  return agencies;
}

/** https://ADDRESS:port, brackets around an IPv6 address. */
const lanUrl = (address: string, port: number): string =>
  `https://${address.includes(":") ? `[${address}]` : address}:${port}`;

/** LAN mode: the certificates, a TLS front on the address for every service a phone uses, the CA at base+199 over http. */
async function startLan(
  o: SystemOptions & { lan: string },
  checkpoints: Record<string, string>,
  stops: (() => Promise<void>)[],
): Promise<LanSystem> {
  const certs = await lanCertificates(o.lan);
  const caFile = join(o.stateDir, "laissez-ca.crt");
  writeFileSync(caFile, certs.caPem);
  const ports = [
    ...DEMO_AGENCIES.map((_, i) => o.basePort + 1 + i),
    ...DEMO_REGIONS.map((_, i) => o.basePort + 101 + i),
    o.basePort + 200,
  ];
  const servers: { close(cb: () => void): unknown }[] = [];
  stops.push(() =>
    Promise.all(servers.map((s) => new Promise<void>((r) => void s.close(() => r())))).then(() => undefined),
  );
  for (const port of ports) servers.push(await tlsFront(o.lan, port, certs));
  servers.push(await caServer(o.lan, o.basePort + 199, certs));
  const host = o.lan.includes(":") ? `[${o.lan}]` : o.lan;
  return {
    address: o.lan,
    caUrl: `http://${host}:${o.basePort + 199}/laissez-ca.crt`,
    caFile,
    spki: certs.spki,
    wallet: lanUrl(o.lan, o.basePort + 200),
    checkpoints: Object.fromEntries(
      Object.keys(checkpoints).map((region, i) => [region, lanUrl(o.lan, o.basePort + 101 + i)]),
    ),
  };
}

/** One checkpoint service per demo region, its bundle signer delegated by the region authority. */
async function startCheckpoints(
  o: SystemOptions,
  common: ServiceEnv,
  chainId: number,
  stops: (() => Promise<void>)[],
): Promise<Record<string, string>> {
  const checkpoints: Record<string, string> = {};
  for (const [i, region] of DEMO_REGIONS.entries()) {
    const port = o.basePort + 101 + i;
    // The authority's offline step, done here for the demo: a delegation to the region's bundle signer.
    const delegationFile = join(o.stateDir, `delegation-${region}.json`);
    writeFileSync(delegationFile, JSON.stringify(await demoDelegation(region, chainId, Math.floor(Date.now() / 1000))));
    const cp = await startCheckpoint(
      loadCheckpointConfig({
        ...common,
        LAISSEZ_REGION: region,
        LAISSEZ_BUNDLE_SIGNER_KEY: demoBundleSignerKey(region).privateKey,
        LAISSEZ_BUNDLE_DELEGATION: delegationFile,
        LAISSEZ_PORT: String(port),
        LAISSEZ_STATE_DIR: o.stateDir,
        LAISSEZ_CHECKPOINT_ID: `checkpoint:${region}:gate-1`,
        LAISSEZ_SYNC_INTERVAL_MS: String(o.syncIntervalMs ?? 2000),
      }),
      { schemasDir: DEMO_SCHEMAS_DIR, pageDir: webDir("checkpoint") },
    );
    stops.push(() => cp.stop());
    checkpoints[region] = cp.url;
  }
  return checkpoints;
}

export async function startSystem(o: SystemOptions, say: (line: string) => void = console.log): Promise<RunningSystem> {
  // Refuse before touching anything: a second system would redeploy onto the running chain.
  const release = await claimSystem(o.stateDir, systemPorts(o));
  wipeState(o.stateDir);
  process.env.LAISSEZ_LOG ??= join(o.stateDir, "services.log");
  // `npm start`, `npm run demo` and `npm test` build the pages first; a bare `laissez up` builds them if missing.
  if (!existsSync(join(webDir("checkpoint"), "app.js")) || !existsSync(join(webDir("wallet"), "app.js")))
    await buildWeb();
  const rpc = o.rpc ?? `http://127.0.0.1:${o.chainPort}`;
  let child: ChildProcess | undefined;
  try {
    child = await embeddedChainUnlessExternal(o, rpc, say);
  } catch (e) {
    release();
    throw e;
  }
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  // The chain is a child: if it dies while we run, everything else would go on degraded and
  // silently. Say so, once, and let `up` stop cleanly. An external chain is not ours to watch.
  const chainLost = new Promise<string>((resolve) => {
    child?.once("exit", (code, signal) => {
      if (!stopping)
        resolve(
          `the embedded chain (pid ${child?.pid}) exited (${signal ?? `code ${code}`}) while the system was running`,
        );
    });
  });
  const stop = async (): Promise<void> => {
    stopping = true;
    for (const s of stops.reverse()) await s().catch(() => {});
    // A terminal's Ctrl-C reaches the chain too (same process group): it may be gone already.
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGINT");
      await exited;
    }
    release();
  };
  try {
    const { deployment } = await deployTo(rpc, o.deploymentsDir);
    say(`deployed on chain ${deployment.chainId}; seeding the demo consortium …`);
    await seedDemo(rpc, o.deploymentsDir);
    const common = { LAISSEZ_RPC_URL: rpc, LAISSEZ_DEPLOYMENTS: o.deploymentsDir, LAISSEZ_HOST: "127.0.0.1" };

    const agencies = await startIssuers(o, common, deployment.chainId, stops);
    const checkpoints = await startCheckpoints(o, common, deployment.chainId, stops);

    // The citizen lives in CN-ZJ: the wallet checks status with CN-ZJ's signed bundle.
    const home = "CN-ZJ";
    const lan = o.lan ? await startLan({ ...o, lan: o.lan }, checkpoints, stops) : undefined;
    // In LAN mode the wallet (on a phone) syncs and receives over the https fronts.
    const bundleUrl = `${lan ? lan.checkpoints[home] : checkpoints[home]}/bundle`;
    const issuerUrls = agencies.map((a, i) => (o.lan ? lanUrl(o.lan, o.basePort + 1 + i) : a.url));
    const walletServer = await startWalletWeb(
      o.basePort + 200,
      { bundleUrl, region: home, authority: demoAuthorityKey(home).address.toLowerCase(), chainId: deployment.chainId },
      issuerUrls,
    );
    stops.push(
      () =>
        new Promise((r) => {
          walletServer.closeAllConnections();
          walletServer.close(() => r());
        }),
    );
    const system: RunningSystem = {
      rpc,
      chainId: deployment.chainId,
      agencies,
      checkpoints,
      wallet: `http://127.0.0.1:${o.basePort + 200}`,
      chainPid: child?.pid,
      chainLost,
      ...(lan ? { lan } : {}),
      stop,
    };
    const { stop: _stop, chainLost: _lost, ...record } = system;
    writeFileSync(join(o.stateDir, "system.json"), JSON.stringify(record, null, 2), { mode: 0o600 });
    return system;
  } catch (e) {
    await stop();
    throw e;
  }
}
