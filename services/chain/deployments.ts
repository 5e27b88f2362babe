import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../../io/files.ts";
import { isAddress } from "ethers";
import type { Deployment } from "./ledger.ts";

/** The checkout's `deployments/`, wherever the command runs from (as `--schemas` defaults to the checkout's demo schemas). */
export const DEFAULT_DEPLOYMENTS_DIR = fileURLToPath(new URL("../../deployments", import.meta.url));

export function deploymentFile(chainId: number, dir = DEFAULT_DEPLOYMENTS_DIR): string {
  return join(dir, `${chainId}.json`);
}

/** Writes deployments/<chainId>.json atomically (a crash never leaves half a file). */
export function writeDeployment(deployment: Deployment, dir = DEFAULT_DEPLOYMENTS_DIR): string {
  const file = deploymentFile(deployment.chainId, dir);
  writeFileAtomic(file, `${JSON.stringify(deployment, null, 2)}\n`);
  return file;
}

export function readDeployment(chainId: number, dir = DEFAULT_DEPLOYMENTS_DIR): Deployment {
  const file = deploymentFile(chainId, dir);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new Error(`no deployment for chain ${chainId} at ${file}: run \`laissez deploy\` first`, { cause });
  }
  return parseDeployment(raw, file);
}

function parseDeployment(raw: unknown, where: string): Deployment {
  const d = raw as Partial<Record<keyof Deployment, unknown>>;
  const addresses = ["trustRegistry", "statusRegistry", "didRegistry", "governance"] as const;
  for (const key of addresses) {
    if (typeof d[key] !== "string" || !isAddress(d[key])) throw new Error(`${where}: ${key} is not an address`);
  }
  if (!Number.isSafeInteger(d.chainId) || !Number.isSafeInteger(d.deployedAtBlock)) {
    throw new Error(`${where}: chainId and deployedAtBlock must be integers`);
  }
  return raw as Deployment;
}
