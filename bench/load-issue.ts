/**
 * Load generator (its own process, so the server keeps a core): POSTs `count` issuance
 * requests with `concurrency` in flight and prints {ms, latencies} as JSON.
 * Usage: node bench/load-issue.ts URL TOKEN HOLDER COUNT CONCURRENCY
 */
import { Agent, setGlobalDispatcher } from "undici";

const [url, token, holder, countArg, concurrencyArg] = process.argv.slice(2) as [string, string, string, string, string];
const count = Number(countArg);
const concurrency = Number(concurrencyArg);
setGlobalDispatcher(new Agent({ connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 }));
const body = JSON.stringify({ type: "HealthCode", subject: holder, claims: { healthStatus: "green" } });
const latencies: number[] = [];
let next = 0;
let failures = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next++;
      const t = performance.now();
      const res = await fetch(`${url}/credentials`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body });
      await res.arrayBuffer();
      if (res.status !== 201) failures++;
      latencies.push(performance.now() - t);
    }
  }),
);
console.log(JSON.stringify({ ms: performance.now() - started, latencies, failures }));
