import { createServer, type Server } from "node:http";
import { Transaction } from "ethers";
import { KIT_DEFAULTS } from "../../deploy/besu/params.ts";
import { freePort } from "./processes.ts";

/**
 * A JSON-RPC guard in front of a development node (anvil) that answers the way the
 * consortium's Besu QBFT nodes do wherever our code could tell the difference, and refuses
 * what Besu refuses. A test helper, not a product component: the product talks standard
 * JSON-RPC and must pass through this unchanged.
 *
 * - eth_getLogs spanning more than `maxLogsRange` blocks (Besu's `--rpc-max-logs-range`) → -32005;
 * - node-side signing (eth_sendTransaction, eth_sign*, personal_*) → -32601; eth_accounts → []
 *   (a Besu node holds no account keys);
 * - client-private methods (hardhat_*, anvil_*, evm_*, debug_*, …) → -32601;
 * - a raw transaction with any non-zero fee field → refused as Besu refuses it when the
 *   sender holds no ether (the kit's genesis allocates none; gas is free: zeroBaseFee and
 *   --min-gas-price=0);
 * - a raw transaction whose gas limit exceeds the kit's block gas limit → refused.
 */
export interface BesuGuard {
  readonly url: string;
  /** Every method the guard forwarded, in order. */
  readonly forwarded: string[];
  /** Every request it refused: the method and why. */
  readonly refused: { method: string; code: number; message: string }[];
  close(): Promise<void>;
}

interface RpcRequest {
  jsonrpc?: string;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

interface RpcError {
  code: number;
  message: string;
}

const PRIVATE_NAMESPACES = /^(hardhat|anvil|evm|debug|personal|ots|tenderly|txpool|miner|admin)_/;
const NODE_SIGNING = new Set([
  "eth_sendTransaction",
  "eth_sign",
  "eth_signTransaction",
  "eth_signTypedData",
  "eth_signTypedData_v3",
  "eth_signTypedData_v4",
]);

export interface GuardOptions {
  readonly maxLogsRange?: number;
  readonly blockGasLimit?: number;
}

/** Where the guard forwards: a node's JSON-RPC URL, or an EIP-1193 provider (Hardhat's in-process EDR). */
export type Upstream = string | { request(args: { method: string; params?: unknown[] }): Promise<unknown> };

/** One JSON-RPC request to the upstream, answered as a JSON-RPC response object. */
function forwarder(upstream: Upstream): (req: RpcRequest) => Promise<unknown> {
  if (typeof upstream === "string") {
    return async (req) =>
      (
        await fetch(upstream, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(req),
        })
      ).json();
  }
  return async (req) => {
    try {
      return {
        jsonrpc: "2.0",
        id: req.id ?? null,
        result: await upstream.request({ method: String(req.method), params: (req.params ?? []) as unknown[] }),
      };
    } catch (e) {
      const error = e as { code?: number; message?: string; data?: unknown };
      return {
        jsonrpc: "2.0",
        id: req.id ?? null,
        error: { code: error.code ?? -32603, message: error.message ?? String(e), data: error.data },
      };
    }
  };
}

export async function startBesuGuard(upstream: Upstream, options: GuardOptions = {}): Promise<BesuGuard> {
  const maxLogsRange = options.maxLogsRange ?? KIT_DEFAULTS.rpcMaxLogsRange;
  const blockGasLimit = BigInt(options.blockGasLimit ?? KIT_DEFAULTS.blockGasLimit);
  const forwarded: string[] = [];
  const refused: BesuGuard["refused"] = [];

  const call = forwarder(upstream);
  const blockNumber = async (): Promise<bigint> =>
    BigInt(
      ((await call({ jsonrpc: "2.0", id: 0, method: "eth_blockNumber", params: [] })) as { result: string }).result,
    );
  const resolveTag = async (tag: unknown): Promise<bigint> => {
    if (
      tag === undefined ||
      tag === null ||
      tag === "latest" ||
      tag === "pending" ||
      tag === "safe" ||
      tag === "finalized"
    )
      return blockNumber();
    if (tag === "earliest") return 0n;
    return BigInt(tag as string);
  };

  /** Why Besu would refuse this request, or undefined when it would serve it. */
  const check = async (method: string, params: unknown[]): Promise<RpcError | undefined> => {
    if (PRIVATE_NAMESPACES.test(method) || NODE_SIGNING.has(method))
      return { code: -32601, message: "Method not found" };
    if (method === "eth_getLogs") {
      const filter = (params[0] ?? {}) as { fromBlock?: unknown; toBlock?: unknown; blockHash?: unknown };
      if (filter.blockHash !== undefined) return undefined;
      const span = (await resolveTag(filter.toBlock)) - (await resolveTag(filter.fromBlock)) + 1n;
      if (span > BigInt(maxLogsRange))
        return {
          code: -32005,
          message: `Requested range exceeds maximum RPC range limit (${span} > ${maxLogsRange} blocks)`,
        };
    }
    if (method === "eth_sendRawTransaction") {
      let tx: Transaction;
      try {
        tx = Transaction.from(String(params[0]));
      } catch {
        return { code: -32602, message: "Invalid params" };
      }
      const fees = [tx.gasPrice, tx.maxFeePerGas, tx.maxPriorityFeePerGas].filter((f): f is bigint => f !== null);
      if (fees.some((f) => f > 0n))
        return {
          code: -32004,
          message: `Upfront cost exceeds account balance (fees ${fees.join("/")} wei; no account holds ether on the consortium chain)`,
        };
      if (tx.gasLimit > blockGasLimit)
        return {
          code: -32000,
          message: `Transaction gas limit ${tx.gasLimit} exceeds block gas limit ${blockGasLimit}`,
        };
    }
    return undefined;
  };

  const handleOne = async (req: RpcRequest): Promise<unknown> => {
    const method = typeof req.method === "string" ? req.method : "";
    const params = Array.isArray(req.params) ? (req.params as unknown[]) : [];
    if (method === "eth_accounts") {
      forwarded.push(method);
      return { jsonrpc: "2.0", id: req.id ?? null, result: [] };
    }
    const error = await check(method, params);
    if (error) {
      refused.push({ method, ...error });
      return { jsonrpc: "2.0", id: req.id ?? null, error };
    }
    forwarded.push(method);
    return call(req);
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      void (async () => {
        let body: RpcRequest | RpcRequest[];
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RpcRequest | RpcRequest[];
        } catch (e) {
          response.writeHead(200, { "content-type": "application/json" }).end(
            JSON.stringify({
              jsonrpc: "2.0",
              id: null,
              error: { code: -32700, message: `Parse error: ${(e as Error).message}` },
            }),
          );
          return;
        }
        try {
          const answer = Array.isArray(body) ? await Promise.all(body.map(handleOne)) : await handleOne(body);
          response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
        } catch {
          // The node behind the guard is down (a restart under test): the client sees a dead node.
          response.destroy();
        }
      })();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    refused,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
