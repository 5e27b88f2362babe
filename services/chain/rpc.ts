import { FetchRequest, JsonRpcProvider, Network } from "ethers";

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

/** A provider for a JSON-RPC endpoint; polling is quick because QBFT blocks and automine are fast. */
export function connectRpc(url: string, o: RpcOptions = {}): JsonRpcProvider {
  const request = new FetchRequest(url);
  if (o.timeoutMs !== undefined) request.timeout = o.timeoutMs;
  const network = o.chainId === undefined ? undefined : Network.from(o.chainId);
  return new JsonRpcProvider(request, network, { polling: true, pollingInterval: 250, cacheTimeout: -1, ...(network ? { staticNetwork: network } : {}) });
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
