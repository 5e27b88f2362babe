import type { Provider, Signer } from "ethers";
import { softwareAccount } from "../services/chain/key-account.ts";
import { UsageError } from "./cli.ts";
import { DEV_CHAIN_ID, devDeployer } from "./demo/consortium.ts";

/**
 * The account that deploys and governs: LAISSEZ_DEPLOYER_KEY if set, else — on the embedded
 * development chain only — Hardhat's public account #0. A real network never gets a public key.
 */
export function deployerFor(provider: Provider, chainId: number): Signer {
  const key = process.env.LAISSEZ_DEPLOYER_KEY;
  if (key) return softwareAccount(key, provider);
  if (chainId === DEV_CHAIN_ID) return devDeployer(provider);
  throw new UsageError(
    `chain ${chainId} is not the development chain: set LAISSEZ_DEPLOYER_KEY to the governance account's private key`,
  );
}
