import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { KIT_DEFAULTS } from "../../deploy/besu/params.ts";
import { waitForRpc } from "../../services/chain/rpc.ts";
import { freePort } from "./processes.ts";

const require = createRequire(import.meta.url);

/**
 * The anvil binary from its npm platform package, or where `@foundry-rs/anvil`'s postinstall
 * put it when npm skipped that optional package: what the package's own launcher runs, without
 * the extra Node process in between (signals reach anvil itself).
 */
function anvilBinary(): string {
  const exe = process.platform === "win32" ? "anvil.exe" : "anvil";
  const pkg = `@foundry-rs/anvil-${process.platform}-${process.arch === "x64" ? "amd64" : process.arch}`;
  const candidates = [
    () => join(dirname(require.resolve(`${pkg}/package.json`)), "bin", exe),
    () => join(dirname(require.resolve("@foundry-rs/anvil/package.json")), exe),
  ];
  for (const candidate of candidates) {
    try {
      const path = candidate();
      if (existsSync(path)) return path;
    } catch {
      // not installed: try the next place
    }
  }
  throw new Error(`anvil is not installed (${pkg}): run the README's set-up command (npm install under Node 24)`);
}

export interface AnvilNode {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** A JSON-RPC call straight to anvil, bypassing any guard: tests only (snapshots, mining). */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

export interface AnvilOptions {
  readonly port?: number;
  readonly blockGasLimit?: number;
  /** Seconds between blocks; without it anvil mines one block per transaction. */
  readonly blockTime?: number;
  /**
   * A file the chain's state (blocks, receipts, logs, accounts) is loaded from at start, if it
   * exists, and dumped to every second: a node restarted with it continues the same ledger,
   * less at most its last second of blocks (as a node that lost unflushed writes).
   */
  readonly state?: string;
}

/**
 * Foundry's anvil as a separate process on 127.0.0.1: a second, independent EVM client
 * (Rust, revm) configured like the kit's network — chain id 31337 so the demo keys work, zero
 * base fee, the kit's block gas limit, the cancun EVM the contracts are compiled for.
 */
export async function startAnvil(options: AnvilOptions = {}): Promise<AnvilNode> {
  const port = options.port ?? (await freePort());
  const args = [
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--chain-id",
    "31337",
    "--base-fee",
    "0",
    "--gas-price",
    "0",
    "--gas-limit",
    String(options.blockGasLimit ?? KIT_DEFAULTS.blockGasLimit),
    "--hardfork",
    "cancun",
    "--silent",
  ];
  if (options.blockTime) args.push("--block-time", String(options.blockTime));
  if (options.state) args.push("--state", options.state, "--state-interval", "1");
  const child = spawn(anvilBinary(), args, { stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`anvil exited with ${code} before answering`))),
  );
  exited.catch(() => {});
  await Promise.race([waitForRpc(url, 30_000), exited]);
  let id = 0;
  return {
    url,
    port,
    child,
    async rpc<T>(method: string, params: unknown[] = []): Promise<T> {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
      });
      const body = (await res.json()) as { result?: T; error?: { message: string } };
      if (body.error) throw new Error(`${method}: ${body.error.message}`);
      return body.result as T;
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
