/**
 * The development chain, as `laissez chain|deploy|seed` and the whole system (`system.ts`) use
 * it: Hardhat's node as a child process, deployment, the demo consortium. Commands and the
 * system both import from here; commands import nothing from each other or from `system.ts`'s
 * callers.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEther } from "ethers";
import { writeFileAtomic } from "../io/files.ts";
import { applyConsortium, fundAccounts, type SeededAgency } from "../services/chain/consortium.ts";
import { readDeployment, writeDeployment } from "../services/chain/deployments.ts";
import { connectLedger, deployLedger, type Deployment } from "../services/chain/ledger.ts";
import { connectRpc, waitForRpc } from "../services/chain/rpc.ts";
import { UsageError } from "./cli.ts";
import { demoAccounts, demoConsortium, DEV_CHAIN_ID, devDeployer } from "./demo/consortium.ts";
import { deployerFor } from "./keys.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Starts Hardhat's node (EDR over JSON-RPC) on 127.0.0.1 as a child process and waits until
 * it answers. The node's own output goes to `logTo` ("inherit" in the foreground). The
 * `embedded` network mines a block every 2 s (what `laissez up` runs); the default one mines
 * only on transactions (tests that count blocks).
 */
export async function startEmbeddedChain(
  port: number,
  logTo: "inherit" | "ignore" = "ignore",
  network: "default" | "embedded" = "default",
): Promise<ChildProcess> {
  const networkArgs = ["--network", network === "embedded" ? "embedded" : "dev"];
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(new URL("../node_modules/hardhat/dist/src/cli.js", import.meta.url)),
      ...networkArgs,
      "node",
      "--hostname",
      "127.0.0.1",
      "--port",
      String(port),
    ],
    {
      cwd: ROOT,
      stdio: ["ignore", logTo, logTo],
    },
  );
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`hardhat node exited with ${code} before answering`))),
  );
  await Promise.race([waitForRpc(`http://127.0.0.1:${port}`, 60_000), exited]);
  return child;
}

export async function deployTo(rpcUrl: string, dir: string): Promise<{ deployment: Deployment; file: string }> {
  const provider = connectRpc(rpcUrl);
  try {
    const chainId = Number((await provider.getNetwork()).chainId);
    const deployment = await deployLedger(deployerFor(provider, chainId));
    return { deployment, file: writeDeployment(deployment, dir) };
  } finally {
    provider.destroy();
  }
}

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
    if (chainId !== DEV_CHAIN_ID)
      throw new UsageError(
        `the demo consortium uses public development keys: chain ${chainId} is not the development chain ${DEV_CHAIN_ID}`,
      );
    const deployment = readDeployment(chainId, dir);
    const trust = connectLedger(deployment, provider).trust;
    if ((await trust.getFunction("regionCount")()) > 0n)
      throw new UsageError(`chain ${chainId} is already seeded (TrustRegistry has regions)`);
    const { authorities, controllers, writers } = demoAccounts(provider);
    await fundAccounts(devDeployer(provider), [...authorities, ...controllers, ...writers], parseEther("10"));
    const now = (await provider.getBlock("latest"))?.timestamp ?? Math.floor(Date.now() / 1000);
    const agencies = await applyConsortium(deployment, demoConsortium(provider, now));
    const result = { chainId, agencies };
    writeFileAtomic(seedFile(chainId, dir), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    provider.destroy();
  }
}
