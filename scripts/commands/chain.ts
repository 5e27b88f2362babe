import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { stringOption, type Command } from "../cli.ts";
import { waitForRpc } from "../../services/chain/rpc.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Starts Hardhat's node (EDR over JSON-RPC) on 127.0.0.1 as a child process and waits until
 * it answers. The node's own output goes to `logTo` ("inherit" in the foreground). The
 * `embedded` network mines a block every 2 s (what `laissez up` runs); the default one mines
 * only on transactions (tests that count blocks).
 */
export async function startEmbeddedChain(port: number, logTo: "inherit" | "ignore" = "ignore", network: "default" | "embedded" = "default"): Promise<ChildProcess> {
  const networkArgs = network === "embedded" ? ["--network", "embedded"] : [];
  const child = spawn(process.execPath, [fileURLToPath(new URL("../../node_modules/hardhat/dist/src/cli.js", import.meta.url)), ...networkArgs, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    stdio: ["ignore", logTo, logTo],
  });
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`hardhat node exited with ${code} before answering`))));
  await Promise.race([waitForRpc(`http://127.0.0.1:${port}`, 60_000), exited]);
  return child;
}

export const chainCommand: Command = {
  name: "chain",
  summary: "start the embedded development chain (Hardhat's node, JSON-RPC on 127.0.0.1)",
  usage: "laissez chain [--port 8545]",
  options: { port: { type: "string", default: "8545" } },
  async run({ values }) {
    const port = Number(stringOption(values, "port") ?? 8545);
    const child = await startEmbeddedChain(port, "inherit");
    console.error(`embedded chain on http://127.0.0.1:${port} (Ctrl-C to stop)`);
    const stop = (): void => void child.kill("SIGINT");
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    return new Promise((resolve) => child.once("exit", () => resolve(0)));
  },
};
