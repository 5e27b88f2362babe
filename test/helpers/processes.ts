import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { waitForRpc } from "../../services/chain/rpc.ts";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const LAISSEZ = fileURLToPath(new URL("../../scripts/laissez.ts", import.meta.url));

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the `laissez` CLI as its own process, the way an operator would. */
export function runLaissez(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; prefix?: readonly string[]; input?: string; cwd?: string } = {},
): Promise<RunResult> {
  // A prefix wraps the command, e.g. ["unshare", "-n"] to run it with no network.
  const [command, ...rest] = [...(options.prefix ?? []), process.execPath, LAISSEZ, ...args] as [string, ...string[]];
  const child = spawn(command, rest, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  if (options.input !== undefined) child.stdin.end(options.input);
  else child.stdin.end();
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `laissez chain` (Hardhat's node) as a separate process on a free port. */
export async function startChainProcess(): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [LAISSEZ, "chain", "--port", String(port)], {
    cwd: ROOT,
    stdio: "ignore",
    detached: true,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForRpc(url, 60_000);
  return {
    url,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        process.kill(-(child.pid as number), "SIGINT");
      }),
  };
}

/**
 * `laissez issuer serve --agency N` as its own process (SQLite in `db`), with its first operator
 * token made by `laissez issuer create-admin`; resolves once /health answers.
 */
export async function startIssuerProcess(o: {
  rpc: string;
  deployments: string;
  db: string;
  agency?: number;
  env?: NodeJS.ProcessEnv;
}) {
  const admin = await runLaissez(["issuer", "create-admin", "--db", o.db]);
  if (admin.code !== 0) throw new Error(`create-admin failed: ${admin.stderr}`);
  const token = (JSON.parse(admin.stdout) as { token: string }).token;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [LAISSEZ, "issuer", "serve", "--agency", String(o.agency ?? 0)], {
    cwd: ROOT,
    stdio: "ignore",
    env: {
      ...process.env,
      LAISSEZ_RPC_URL: o.rpc,
      LAISSEZ_DEPLOYMENTS: o.deployments,
      LAISSEZ_DB: o.db,
      LAISSEZ_PORT: String(port),
      LAISSEZ_PUBLIC_URL: url,
      LAISSEZ_LOG: "off",
      LAISSEZ_ANCHOR_INTERVAL_MS: "50",
      ...o.env,
    },
  });
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`issuer service exited with ${child.exitCode}`);
    try {
      await fetch(`${url}/health`);
      break;
    } catch {
      if (i > 1200) throw new Error("issuer service did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    token,
    /** The environment a `laissez issue/revoke/…` client needs. */
    clientEnv: { ...process.env, LAISSEZ_ISSUER_URL: url, LAISSEZ_ISSUER_TOKEN: token },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
