import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { JsonRpcProvider } from "ethers";
import { DEFAULT_DEPLOYMENTS_DIR, readDeployment } from "../services/chain/deployments.ts";
import { connectLedger, type Ledger } from "../services/chain/ledger.ts";
import { connectRpc, DEFAULT_RPC_URL } from "../services/chain/rpc.ts";
import { directorySchemaSource } from "../services/schemas.ts";
import { isAddress } from "ethers";
import { requireString, stringOption, UsageError } from "./cli.ts";
import { agencyControllerKey, DEMO_AGENCIES, demoAuthorityKey, DEV_CHAIN_ID } from "./demo/consortium.ts";

export const DEMO_SCHEMAS_DIR = fileURLToPath(new URL("./demo/schemas", import.meta.url));
export const demoSchemas = directorySchemaSource(DEMO_SCHEMAS_DIR);

/** Options every chain-facing command takes. */
export const CHAIN_OPTIONS = {
  rpc: { type: "string", default: DEFAULT_RPC_URL },
  deployments: { type: "string", default: DEFAULT_DEPLOYMENTS_DIR },
  json: { type: "boolean" },
} as const;

/** Runs `fn` with a provider and the deployment of the chain it serves; always closes the provider. */
export async function withChain<T>(values: Record<string, unknown>, fn: (provider: JsonRpcProvider, ledger: Ledger) => Promise<T>): Promise<T> {
  const provider = connectRpc(stringOption(values, "rpc") ?? DEFAULT_RPC_URL);
  try {
    const chainId = Number((await provider.getNetwork()).chainId);
    const deployment = readDeployment(chainId, stringOption(values, "deployments") ?? DEFAULT_DEPLOYMENTS_DIR);
    return await fn(provider, connectLedger(deployment, provider));
  } finally {
    provider.destroy();
  }
}

/** Reads a file, or standard input for "-" / no path. */
export function readInput(path: string | undefined): string {
  return readFileSync(path === undefined || path === "-" ? 0 : path, "utf8").trim();
}

export function integerOption(values: Record<string, unknown>, name: string, fallback?: number): number {
  const raw = stringOption(values, name);
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  if (!/^\d{1,15}$/.test(raw)) throw new UsageError(`--${name} must be a non-negative integer`);
  return Number(raw);
}

/** The agency: `--agency 0x…`, or a demo agency's index on the development chain. */
export function agencyAddress(values: Record<string, unknown>, chainId: number): string {
  const raw = requireString(values, "agency");
  if (isAddress(raw)) return raw;
  if (chainId !== DEV_CHAIN_ID || !/^\d+$/.test(raw) || Number(raw) >= DEMO_AGENCIES.length) throw new UsageError("--agency must be the agency's 0x address (or a demo agency's index on the development chain)");
  return agencyControllerKey(Number(raw)).address;
}

/**
 * The trust anchor a checkpoint command checks bundles against: `--chain-id` and the region
 * authority's `--authority` address, which defaults to the demo authority of `region` on the
 * development chain only.
 */
export function anchorOption(values: Record<string, unknown>, region: string): { chainId: number; authorities: string[]; region: string } {
  const chainId = integerOption(values, "chain-id", DEV_CHAIN_ID);
  const authority = stringOption(values, "authority") ?? (chainId === DEV_CHAIN_ID ? demoAuthorityKey(region).address : undefined);
  if (!authority) throw new UsageError("--authority (the region authority's address that signs the bundle) is required off the development chain");
  return { chainId, authorities: [authority], region };
}
