import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { InterfaceAbi } from "ethers";

export interface ContractArtifact {
  readonly abi: InterfaceAbi;
  readonly bytecode: string;
}

export type LedgerContractName = "TrustRegistry" | "StatusRegistry";

const cache = new Map<string, ContractArtifact>();

/** ABI and bytecode of one of our contracts, as `hardhat build` wrote them. */
export function loadArtifact(name: LedgerContractName): ContractArtifact {
  const cached = cache.get(name);
  if (cached) return cached;
  const url = new URL(`../../artifacts/contracts/${name}.sol/${name}.json`, import.meta.url);
  let parsed: ContractArtifact;
  try {
    parsed = JSON.parse(readFileSync(url, "utf8")) as ContractArtifact;
  } catch (cause) {
    throw new Error(`contract artifact ${name} not found: run \`npm run build\` first`, { cause });
  }
  cache.set(name, parsed);
  return parsed;
}

/**
 * The ERC-1056 EthereumDIDRegistry, deployed from the `ethr-did-registry` package's own
 * artifact so our did:ethr identities resolve exactly as ethr-did-resolver expects.
 */
export function didRegistryArtifact(): ContractArtifact {
  const require = createRequire(import.meta.url);
  const pkg = require("ethr-did-registry") as { EthereumDIDRegistry: ContractArtifact };
  return pkg.EthereumDIDRegistry;
}
