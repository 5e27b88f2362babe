/**
 * Load generator (its own process, so the server keeps a core to itself): POSTs one JSON body
 * `count` times with `concurrency` requests in flight and prints {ms, latencies, failures} as
 * JSON. A response other than `expect` counts as a failure.
 * Usage: node bench/load.ts URL BODY COUNT CONCURRENCY EXPECT [TOKEN]
 *
 * undici's `request` (its dispatcher API), not `fetch`: fetch's WHATWG layers (Headers,
 * Request, Response, body streams) cost this process 0.45 ms of CPU per request against
 * 0.16 ms here (30 November, /verify at 32 in flight), and a generator that slow leaves the
 * service waiting for requests about a tenth of the time, so it measured the generator too.
 */
import { Agent, request } from "undici";

const [url, body, countArg, concurrencyArg, expectArg, token] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string | undefined,
];
const count = Number(countArg);
const concurrency = Number(concurrencyArg);
const expected = Number(expectArg);
const dispatcher = new Agent({ connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
const headers: Record<string, string> = {
  "content-type": "application/json",
  ...(token ? { authorization: `Bearer ${token}` } : {}),
};
const latencies: number[] = [];
let next = 0;
let failures = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next++;
      const t = performance.now();
      const res = await request(url, { method: "POST", headers, body, dispatcher });
      await res.body.arrayBuffer();
      if (res.statusCode !== expected) failures++;
      latencies.push(performance.now() - t);
    }
  }),
);
console.log(JSON.stringify({ ms: performance.now() - started, latencies, failures }));
await dispatcher.close();
