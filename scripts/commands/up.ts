import { DEFAULT_DEPLOYMENTS_DIR } from "../../services/chain/deployments.ts";
import { stringOption, type Command } from "../cli.ts";
import { startEmbeddedChain } from "./chain.ts";
import { deployTo } from "./deploy.ts";
import { seedDemo } from "./seed.ts";

export const upCommand: Command = {
  name: "up",
  summary: "start the whole system on one machine: embedded chain, deployment, demo consortium",
  usage: "laissez up [--port 8545]",
  options: { port: { type: "string", default: "8545" }, deployments: { type: "string", default: DEFAULT_DEPLOYMENTS_DIR } },
  async run({ values }) {
    const port = Number(stringOption(values, "port") ?? 8545);
    const dir = stringOption(values, "deployments") ?? DEFAULT_DEPLOYMENTS_DIR;
    const rpc = `http://127.0.0.1:${port}`;
    console.log(`starting the embedded chain on ${rpc} …`);
    const chain = await startEmbeddedChain(port);
    const stop = (): void => {
      console.log("\nstopping …");
      chain.kill("SIGINT");
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    try {
      const { deployment, file } = await deployTo(rpc, dir);
      console.log(`deployed on chain ${deployment.chainId} → ${file}`);
      const { agencies } = await seedDemo(rpc, dir);
      console.log("demo consortium:");
      for (const a of agencies) console.log(`  ${a.region}  ${a.name}  did:ethr:0x${deployment.chainId.toString(16)}:${a.address}`);
      console.log(`\nchain: ${rpc}   (Ctrl-C to stop)`);
    } catch (e) {
      chain.kill("SIGINT");
      throw e;
    }
    return new Promise((resolve) => chain.once("exit", () => resolve(0)));
  },
};
