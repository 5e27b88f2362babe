import { FeeData, FetchRequest, JsonRpcProvider, Network } from "ethers";
import { ServiceError } from "../errors.ts";

export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";

export interface RpcOptions {
  /** Every JSON-RPC call fails (ethers `TIMEOUT`) after this long: a frozen node cannot hang a caller. */
  readonly timeoutMs?: number;
  /**
   * The chain's id, when known: the provider then never probes the network (ethers otherwise
   * retries its detection forever while the node is down, and every call waits for it).
   */
  readonly chainId?: number;
}

/**
 * A JSON-RPC provider that pays nothing on a chain whose blocks carry a zero base fee.
 *
 * The consortium's Besu QBFT chain runs with `zeroBaseFee` and `--min-gas-price=0`, and its
 * genesis gives no account any ether. ethers' own fee logic treats a zero base fee as "no
 * EIP-1559" and falls back to `eth_gasPrice`, which nodes may answer with a suggestion above
 * zero (anvil answers 1 gwei): a transaction that then needs ether no account has is refused
 * ("upfront cost exceeds account balance"). So where the latest block's base fee is zero, every
 * fee field is zero. Chains that charge (Hardhat's node) keep ethers' default.
 */
export class LedgerProvider extends JsonRpcProvider {
  override async getFeeData(): Promise<FeeData> {
    const block = await this.getBlock("latest");
    if (block?.baseFeePerGas === 0n) return new FeeData(0n, 0n, 0n);
    return super.getFeeData();
  }
}

/** A provider for a JSON-RPC endpoint; polling is quick because QBFT blocks and automine are fast. */
export function connectRpc(url: string, o: RpcOptions = {}): LedgerProvider {
  const request = new FetchRequest(url);
  if (o.timeoutMs !== undefined) request.timeout = o.timeoutMs;
  const network = o.chainId === undefined ? undefined : Network.from(o.chainId);
  return new LedgerProvider(request, network, {
    polling: true,
    pollingInterval: 250,
    cacheTimeout: -1,
    ...(network ? { staticNetwork: network } : {}),
  });
}

/** The endpoint's chain id, or undefined if it does not answer within `timeoutMs`. */
export async function probeChainId(url: string, timeoutMs: number): Promise<number | undefined> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json()) as { result?: string };
    return body.result ? Number(BigInt(body.result)) : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves once the endpoint answers eth_chainId; rejects after `timeoutMs`. */
export async function waitForRpc(url: string, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const chainId = await probeChainId(url, 2000);
    if (chainId !== undefined) return chainId;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`JSON-RPC endpoint ${url} did not answer within ${timeoutMs} ms`);
}

/** A chain call's failure as a service's client sees it: `chain_unavailable` (503 over HTTP); a service's own refusal passes through. */
export async function chainCall<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ServiceError) throw e;
    throw new ServiceError("chain_unavailable", "the chain node cannot be reached; try again");
  }
}
