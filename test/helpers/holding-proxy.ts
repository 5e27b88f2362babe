import { createServer, type Server } from "node:http";
import { freePort } from "./processes.ts";

interface RpcRequest {
  readonly method?: unknown;
  readonly params?: unknown;
}

/** Where a held call stops: before the node sees it, or after the node answered (the answer never returns). */
export type HoldPoint = "request" | "response";

interface Hold {
  readonly method: string;
  readonly at: HoldPoint;
  /** Armed only once a call to this method has been forwarded (e.g. the receipt poll after the broadcast). */
  after: string | undefined;
  readonly arrived: (params: unknown[]) => void;
}

export interface HoldingProxy {
  readonly url: string;
  /** Raw transactions the node received through the proxy, in order. */
  readonly sentRaw: string[];
  /**
   * Holds the next call to `method` (alone or in a JSON-RPC batch) for good: the caller waits
   * until it gives up or dies. Resolves, with the call's params, when the call arrives — so a
   * test acts at a known point of the caller's work, not after a guessed delay.
   */
  hold(method: string, at: HoldPoint, o?: { after?: string }): Promise<unknown[]>;
  /** Ends every held call's connection, as a node that died would. */
  dropHeld(): void;
  close(): Promise<void>;
}

/**
 * A JSON-RPC proxy in front of a node that can stop one chosen call: the deterministic way to
 * catch a client (the issuer's anchoring worker) at one phase of its work and kill it there.
 * Everything else is forwarded unchanged.
 */
export async function startHoldingProxy(upstream: string): Promise<HoldingProxy> {
  const holds: Hold[] = [];
  const sentRaw: string[] = [];
  const held = new Set<import("node:http").ServerResponse>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      void (async () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const calls = ([] as RpcRequest[]).concat(JSON.parse(text) as RpcRequest | RpcRequest[]);
        const armed = holds.find((h) => h.after === undefined && calls.some((c) => c.method === h.method));
        const params = () => (calls.find((c) => c.method === armed!.method)?.params ?? []) as unknown[];
        if (armed?.at === "request") {
          holds.splice(holds.indexOf(armed), 1);
          held.add(response);
          return armed.arrived(params());
        }
        let answer: string;
        try {
          answer = await (
            await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body: text })
          ).text();
        } catch {
          response.destroy(); // the node is down: the client sees a dead node
          return;
        }
        for (const c of calls)
          if (c.method === "eth_sendRawTransaction") sentRaw.push(String((c.params as unknown[])[0]));
        for (const h of holds)
          if (h.after !== undefined && calls.some((c) => c.method === h.after)) h.after = undefined;
        if (armed?.at === "response") {
          holds.splice(holds.indexOf(armed), 1);
          held.add(response);
          return armed.arrived(params());
        }
        response.writeHead(200, { "content-type": "application/json" }).end(answer);
      })();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    sentRaw,
    hold: (method, at, o = {}) => new Promise((arrived) => holds.push({ method, at, after: o.after, arrived })),
    dropHeld: () => {
      for (const r of held) r.destroy();
      held.clear();
    },
    close: () =>
      new Promise((resolve) => {
        for (const r of held) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
