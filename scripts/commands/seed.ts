import { DEFAULT_DEPLOYMENTS_DIR } from "../../services/chain/deployments.ts";
import { DEFAULT_RPC_URL } from "../../services/chain/rpc.ts";
import { stringOption, type Command } from "../cli.ts";
import { seedDemo } from "../dev-chain.ts";

export const seedCommand: Command = {
  name: "seed",
  summary: "seed the demo consortium: 3 regions, 6 agencies, 3 credential types, a recognition policy",
  usage: "laissez seed [--rpc URL] [--deployments DIR] [--json]",
  options: {
    rpc: { type: "string", default: DEFAULT_RPC_URL },
    deployments: { type: "string", default: DEFAULT_DEPLOYMENTS_DIR },
    json: { type: "boolean" },
  },
  async run({ values }) {
    const result = await seedDemo(
      stringOption(values, "rpc") ?? DEFAULT_RPC_URL,
      stringOption(values, "deployments") ?? DEFAULT_DEPLOYMENTS_DIR,
    );
    if (values.json) console.log(JSON.stringify(result));
    else
      for (const a of result.agencies)
        console.log(`${a.region}  ${a.address}  ${a.name}  (lists ${a.revocationList}, ${a.suspensionList})`);
    return 0;
  },
};
