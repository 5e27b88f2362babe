import { Interface, isError, type Provider, type Signer } from "ethers";
import { loadArtifact } from "../../services/chain/artifacts.ts";
import hre from "hardhat";
import { expect } from "vitest";
import {
  applyConsortium,
  fundAccounts,
  type ConsortiumSpec,
  type SeededAgency,
} from "../../services/chain/consortium.ts";
import { connectLedger, deployLedger, type Deployment, type Ledger } from "../../services/chain/ledger.ts";
import { demoAccounts, demoConsortium, devDeployer } from "../../scripts/demo/consortium.ts";

/** A fresh in-process EDR chain (Hardhat's simulated network) with the ledger deployed; `blockGasLimit` overrides Hardhat's. */
export async function freshChain(options: { blockGasLimit?: bigint } = {}) {
  const connection = await hre.network.create(
    options.blockGasLimit ? { override: { blockGasLimit: options.blockGasLimit } } : undefined,
  );
  const { ethers, networkHelpers } = connection;
  const provider = ethers.provider as unknown as Provider;
  const [funder] = await ethers.getSigners();
  const governance = devDeployer(provider);
  await fundAccounts(funder as unknown as Signer, [governance], 10n ** 20n);
  const deployment = await deployLedger(governance);
  return { connection, ethers, networkHelpers, provider, governance, deployment, funder: funder as unknown as Signer };
}

/** A fresh chain with the demo consortium seeded; `edit` changes the consortium before it goes on chain (e.g. an agency's name). */
export async function seededChain(
  options: { blockGasLimit?: bigint; edit?: (spec: ConsortiumSpec) => ConsortiumSpec } = {},
) {
  const chain = await freshChain(options);
  const accounts = demoAccounts(chain.provider);
  await fundAccounts(chain.funder, [...accounts.authorities, ...accounts.controllers, ...accounts.writers], 10n ** 19n);
  const now = await chain.networkHelpers.time.latest();
  const agencies: SeededAgency[] = await applyConsortium(
    chain.deployment,
    (options.edit ?? ((x) => x))(demoConsortium(chain.provider, now)),
  );
  const as = (signer: Signer): Ledger => connectLedger(chain.deployment, signer);
  return { ...chain, accounts, agencies, now, as };
}

export type SeededChain = Awaited<ReturnType<typeof seededChain>>;
export type { Deployment };

const ledgerErrors = [loadArtifact("TrustRegistry"), loadArtifact("StatusRegistry")].map((a) => new Interface(a.abi));

/** The custom error in a failed call: ethers decodes it over JSON-RPC; in process, Hardhat's error carries the raw data. */
function decodeRevert(e: unknown): { name: string; args: unknown[] } | undefined {
  if (isError(e, "CALL_EXCEPTION") && e.revert) return { name: e.revert.name, args: [...e.revert.args] };
  const data = (e as { data?: unknown }).data;
  if (typeof data !== "string") return undefined;
  for (const iface of ledgerErrors) {
    const parsed = iface.parseError(data);
    if (parsed) return { name: parsed.name, args: [...parsed.args] };
  }
  return undefined;
}

/** Asserts that a transaction reverts with a custom error and, when given, its arguments. */
export async function expectRevert(tx: Promise<unknown>, errorName: string, args?: readonly unknown[]): Promise<void> {
  try {
    await tx;
  } catch (e) {
    const revert = decodeRevert(e);
    if (!revert) throw e;
    expect(revert.name).toBe(errorName);
    if (args) expect(revert.args).toEqual(args);
    return;
  }
  throw new Error(`expected a revert with ${errorName}, but the transaction succeeded`);
}
