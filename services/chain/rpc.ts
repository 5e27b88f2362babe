import { JsonRpcProvider } from "ethers";

export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";

/** A provider for a JSON-RPC endpoint; polling is quick because QBFT blocks and automine are fast. */
export function connectRpc(url: string): JsonRpcProvider {
  const provider = new JsonRpcProvider(url, undefined, { polling: true, pollingInterval: 250, cacheTimeout: -1 });
  return provider;
}

/** Resolves once the endpoint answers eth_chainId; rejects after `timeoutMs`. */
export async function waitForRpc(url: string, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        signal: AbortSignal.timeout(2000),
      });
      const body = (await res.json()) as { result?: string };
      if (body.result) return Number(BigInt(body.result));
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`JSON-RPC endpoint ${url} did not answer within ${timeoutMs} ms`, { cause: lastError });
}
