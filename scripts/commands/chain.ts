import { stringOption, type Command } from "../cli.ts";
import { startEmbeddedChain } from "../dev-chain.ts";

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
