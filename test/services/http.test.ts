import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createHttpApp, route } from "../../services/http/app.ts";
import type { Server } from "node:http";

let server: Server;
let base: string;
const logged: Record<string, unknown>[] = [];

beforeAll(async () => {
  const app = createHttpApp({
    title: "t",
    version: "1",
    rateLimit: 5,
    log: (e) => logged.push(e),
    authenticate: async () => undefined,
    routes: [
      route({
        method: "get",
        path: "/ok",
        summary: "",
        auth: "public",
        responses: {},
        handle: async () => ({ status: 200, body: { ok: true } }),
      }),
      route({
        method: "get",
        path: "/boom",
        summary: "",
        auth: "public",
        responses: {},
        handle: async () => {
          throw new Error(`secret key 0x${"ab".repeat(32)} token lz_${"q".repeat(40)} at /srv/x.ts:12`);
        },
      }),
    ],
  });
  server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server?.close());

it("echoes a request id, answers unknown routes with a code, never leaks an internal error, and rate-limits", async () => {
  const ok = await fetch(`${base}/ok`, { headers: { "x-request-id": "req-42" } });
  expect(ok.headers.get("x-request-id")).toBe("req-42");
  const missing = await fetch(`${base}/nope`);
  expect([missing.status, ((await missing.json()) as { error: { code: string } }).error.code]).toEqual([
    404,
    "not_found",
  ]);
  const boom = await fetch(`${base}/boom`);
  const text = await boom.text();
  expect(boom.status).toBe(500);
  expect(JSON.parse(text).error.code).toBe("internal");
  expect(text).not.toMatch(/abab|qqqq|\.ts|secret/);
  const error = logged.find((e) => e.level === "error");
  expect(String(error?.error)).toContain("secret key 0x[redacted] token lz_[redacted]"); // the log keeps the cause, not the secrets
  expect(String(error?.error)).not.toContain("abab");
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await fetch(`${base}/ok`)).status);
  expect(statuses).toEqual([200, 200, 429, 429]); // 3 requests above already counted in this minute
  await (await fetch(`${base}/${"a".repeat(4000)}`)).text(); // refused by now, and logged all the same: a bounded line
  await expect
    .poll(() => (logged.find((e) => String(e.path).startsWith("/aaaa"))?.path as string | undefined)?.length)
    .toBe(256);
  expect(logged.every((e) => typeof e.requestId === "string")).toBe(true);
});
