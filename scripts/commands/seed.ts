import { writeFileAtomic } from "../../services/files.ts";
import { join } from "node:path";
import { applyConsortium, fundAccounts, type SeededAgency } from "../../services/chain/consortium.ts";
import { DEFAULT_DEPLOYMENTS_DIR, readDeployment } from "../../services/chain/deployments.ts";
import { connectLedger } from "../../services/chain/ledger.ts";
import { connectRpc, DEFAULT_RPC_URL } from "../../services/chain/rpc.ts";
import { stringOption, UsageError, type Command } from "../cli.ts";
import { demoAccounts, demoConsortium, DEV_CHAIN_ID, devDeployer } from "../demo/consortium.ts";
import { parseEther } from "ethers";

export interface SeedResult {
  readonly chainId: number;
  readonly agencies: readonly SeededAgency[];
}

export function seedFile(chainId: number, dir: string): string {
  return join(dir, `${chainId}.consortium.json`);
}

/** Seeds the demo consortium on the embedded chain; refuses a chain that already has regions. */
export async function seedDemo(rpcUrl: string, dir: string): Promise<SeedResult> {
  const provider = connectRpc(rpcUrl);
  try {
    const chainId = Number((await provider.getNetwork()).chainId);
    if (chainId !== DEV_CHAIN_ID) throw new UsageError(`the demo consortium uses public development keys: chain ${chainId} is not the development chain ${DEV_CHAIN_ID}`);
    const deployment = readDeployment(chainId, dir);
    const trust = connectLedger(deployment, provider).trust;
    if ((await trust.getFunction("regionCount")()) > 0n) throw new UsageError(`chain ${chainId} is already seeded (TrustRegistry has regions)`);
    const { authorities, controllers } = demoAccounts(provider);
    await fundAccounts(devDeployer(provider), [...authorities, ...controllers], parseEther("10"));
    const now = (await provider.getBlock("latest"))?.timestamp ?? Math.floor(Date.now() / 1000);
    const agencies = await applyConsortium(deployment, demoConsortium(provider, now));
    const result = { chainId, agencies };
    writeFileAtomic(seedFile(chainId, dir), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    provider.destroy();
  }
}

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
    const result = await seedDemo(stringOption(values, "rpc") ?? DEFAULT_RPC_URL, stringOption(values, "deployments") ?? DEFAULT_DEPLOYMENTS_DIR);
    if (values.json) console.log(JSON.stringify(result));
    else for (const a of result.agencies) console.log(`${a.region}  ${a.address}  ${a.name}  (lists ${a.revocationList}, ${a.suspensionList})`);
    return 0;
  },
};
