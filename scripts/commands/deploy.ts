import { DEFAULT_DEPLOYMENTS_DIR } from "../../services/chain/deployments.ts";
import { DEFAULT_RPC_URL } from "../../services/chain/rpc.ts";
import { stringOption, type Command } from "../cli.ts";
import { deployTo } from "../dev-chain.ts";

export const deployCommand: Command = {
  name: "deploy",
  summary: "deploy the DID registry, TrustRegistry and StatusRegistry; write deployments/<chainId>.json",
  usage: "laissez deploy [--rpc URL] [--deployments DIR] [--json]   (LAISSEZ_DEPLOYER_KEY off the dev chain)",
  options: {
    rpc: { type: "string", default: DEFAULT_RPC_URL },
    deployments: { type: "string", default: DEFAULT_DEPLOYMENTS_DIR },
    json: { type: "boolean" },
  },
  async run({ values }) {
    const { deployment, file } = await deployTo(
      stringOption(values, "rpc") ?? DEFAULT_RPC_URL,
      stringOption(values, "deployments") ?? DEFAULT_DEPLOYMENTS_DIR,
    );
    if (values.json) console.log(JSON.stringify(deployment));
    else {
      console.log(`deployed on chain ${deployment.chainId} (from block ${deployment.deployedAtBlock}) → ${file}`);
      console.log(
        `  TrustRegistry  ${deployment.trustRegistry}\n  StatusRegistry ${deployment.statusRegistry}\n  DID registry   ${deployment.didRegistry}`,
      );
    }
    return 0;
  },
};
