import { Contract, ContractFactory, type ContractRunner, type Provider, type Signer } from "ethers";
import { type ContractArtifact, didRegistryArtifact, loadArtifact } from "./artifacts.ts";

/** Where the three contracts live on one chain: what deployments/<chainId>.json holds. */
export interface Deployment {
  readonly chainId: number;
  readonly trustRegistry: string;
  readonly statusRegistry: string;
  readonly didRegistry: string;
  readonly governance: string;
  /** Block of the first deployment transaction: sync reads events from here. */
  readonly deployedAtBlock: number;
}

/** The contracts of one deployment, bound to a signer or a provider. */
export interface Ledger {
  readonly trust: Contract;
  readonly status: Contract;
  readonly did: Contract;
  readonly deployment: Deployment;
}

export function connectLedger(deployment: Deployment, runner: ContractRunner): Ledger {
  return {
    trust: new Contract(deployment.trustRegistry, loadArtifact("TrustRegistry").abi, runner),
    status: new Contract(deployment.statusRegistry, loadArtifact("StatusRegistry").abi, runner),
    did: new Contract(deployment.didRegistry, didRegistryArtifact().abi, runner),
    deployment,
  };
}

function requireProvider(signer: Signer): Provider {
  if (!signer.provider) throw new TypeError("signer must be connected to a provider");
  return signer.provider;
}

/**
 * Deploys the ERC-1056 DID registry, TrustRegistry (governed by `governance`, the deployer
 * by default; it reads identity owners from that DID registry) and StatusRegistry. Standard JSON-RPC only, so the same call targets
 * Hardhat's node and Besu.
 */
export async function deployLedger(deployer: Signer, governance?: string): Promise<Deployment> {
  const provider = requireProvider(deployer);
  const { chainId } = await provider.getNetwork();
  const governanceAddress = governance ?? (await deployer.getAddress());
  const startBlock = await provider.getBlockNumber();

  const deploy = async (artifact: ContractArtifact, args: unknown[]) => {
    const factory = new ContractFactory(artifact.abi, artifact.bytecode, deployer);
    const contract = await factory.deploy(...args);
    await contract.waitForDeployment();
    return contract.getAddress();
  };
  const didRegistry = await deploy(didRegistryArtifact(), []);
  const trustRegistry = await deploy(loadArtifact("TrustRegistry"), [governanceAddress, didRegistry]);
  const statusRegistry = await deploy(loadArtifact("StatusRegistry"), [trustRegistry]);
  return {
    chainId: Number(chainId),
    trustRegistry,
    statusRegistry,
    didRegistry,
    governance: governanceAddress,
    deployedAtBlock: startBlock + 1,
  };
}
