/**
 * The HTTP layer both services share, at its edges (issue 10 item 6): every client error a 4xx
 * with a code, exact media types, strict schemas, no-store and nosniff, and the server limits
 * (partial bodies and slow sockets) — over real sockets on loopback, some of them raw.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect, type Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import type { IssueError } from "../../core/credential.ts";
import { createHttpApp, route } from "../../services/http/app.ts";
import type { ServiceErrorCode } from "../../services/http/errors.ts";
import { listen } from "../../services/http/server.ts";
import type { StoreError } from "../../services/issuer/store.ts";

const LIMITS = {
  headersTimeoutMs: 400,
  requestTimeoutMs: 600,
  keepAliveTimeoutMs: 2_000,
  maxConnections: 200,
  maxConnectionsPerClient: 10,
};
let server: Server;
let port: number;
const errors: Record<string, unknown>[] = [];

const Item = z.object({
  name: z.string(),
  tags: z.array(z.object({ k: z.string() })).optional(),
  meta: z.object({ n: z.number() }).optional(),
});

beforeAll(async () => {
  const app = createHttpApp({
    title: "t",
    version: "1",
    bodyLimit: 1024,
    log: (e) => {
      if (e.level === "error") errors.push(e);
    },
    authenticate: async () => undefined,
    routes: [
      route({
        method: "post",
        path: "/items",
        summary: "",
        auth: "public",
        body: Item,
        responses: {},
        handle: async ({ body }) => ({ status: 201, body }),
      }),
      route({
        method: "get",
        path: "/items/:a/:b",
        summary: "",
        auth: "public",
        responses: {},
        handle: async ({ params }) => ({ status: 200, body: params }),
      }),
      route({
        method: "post",
        path: "/token",
        summary: "",
        auth: "public",
        bodyFormat: "form",
        noStore: true,
        body: z.object({ code: z.string() }),
        responses: {},
        handle: async () => ({ status: 200, body: { token: "t" } }),
      }),
    ],
  });
  server = await listen(app, 0, "127.0.0.1", LIMITS);
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server?.closeAllConnections();
  server?.close();
});

interface Raw {
  readonly status: number;
  readonly headers: string;
  readonly body: string;
  readonly closedAfterMs: number;
}

/** Writes `text` on a fresh socket (from `from`), reads until the server closes it or `waitMs` passes. */
function raw(
  text: string | Buffer,
  o: { from?: string; waitMs?: number; keep?: (s: Socket) => void } = {},
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect({ host: "127.0.0.1", port, ...(o.from ? { localAddress: o.from } : {}) });
    let data = "";
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const [head = "", ...rest] = data.split("\r\n\r\n");
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
        headers: head.toLowerCase(),
        body: rest.join("\r\n\r\n"),
        closedAfterMs: Date.now() - started,
      });
    };
    const timer = setTimeout(finish, o.waitMs ?? 3_000);
    socket.on("data", (d) => (data += d.toString()));
    socket.on("close", finish);
    socket.on("error", () => {});
    socket.once("connect", () => {
      socket.write(text);
      o.keep?.(socket);
    });
    socket.once("error", (e) => (data ? undefined : reject(e)));
  });
}

const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}): Buffer => {
  const all = {
    host: "x",
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    connection: "close",
    ...headers,
  };
  const head = `POST ${path} HTTP/1.1\r\n${Object.entries(all)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\r\n")}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), Buffer.from(body)]);
};
const code = (r: Raw): string | undefined => (JSON.parse(r.body) as { error?: { code?: string } }).error?.code;

describe("HTTP edges", () => {
  it("matches the media type exactly: application/json, optionally charset=utf-8", async () => {
    const cases: [string, number, string | undefined][] = [
      ["application/json", 201, undefined],
      ["Application/JSON; charset=UTF-8", 201, undefined],
      ['application/json; charset="utf-8"', 201, undefined],
      ["application/jsonx", 415, "unsupported_media_type"],
      ["application/json-patch+json", 415, "unsupported_media_type"],
      ["text/plain", 415, "unsupported_media_type"],
      ["application/json; boundary=x", 415, "unsupported_media_type"],
      ["application/json; charset=latin1", 415, "unsupported_charset"],
      ["application/json; charset=nonsense-42", 415, "unsupported_charset"],
    ];
    for (const [type, status, expected] of cases) {
      const r = await raw(post("/items", '{"name":"a"}', { "content-type": type }));
      expect([type, r.status, r.status >= 400 ? code(r) : undefined]).toEqual([type, status, expected]);
    }
  });

  it("refuses content encodings (a real gzip, and one that is not), invalid UTF-8 and oversized bodies with 4xx codes", async () => {
    const gz = await raw(post("/items", gzipSync('{"name":"a"}'), { "content-encoding": "gzip" }));
    const fake = await raw(post("/items", "not gzip at all", { "content-encoding": "gzip" }));
    const br = await raw(post("/items", "x", { "content-encoding": "br" }));
    const latin = await raw(
      post("/items", Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d])),
    );
    const big = await raw(post("/items", JSON.stringify({ name: "x".repeat(2000) })));
    expect([gz, fake, br, latin, big].map((r) => [r.status, code(r)])).toEqual([
      [415, "unsupported_content_encoding"],
      [415, "unsupported_content_encoding"],
      [415, "unsupported_content_encoding"],
      [400, "malformed_json"],
      [413, "payload_too_large"],
    ]);
  });

  it("refuses unknown fields at every depth of a JSON body (strict by default); forms ignore extra parameters (OAuth)", async () => {
    const bodies = [
      { name: "a", extra: 1 },
      { name: "a", tags: [{ k: "x", v: 1 }] },
      { name: "a", meta: { n: 1, m: 2 } },
    ];
    for (const b of bodies) {
      const r = await raw(post("/items", JSON.stringify(b)));
      expect([r.status, code(r)]).toEqual([400, "invalid_request"]);
    }
    expect((await raw(post("/items", JSON.stringify({ name: "a", tags: [{ k: "x" }], meta: { n: 1 } })))).status).toBe(
      201,
    );
    const form = await raw(
      post("/token", "code=abc&unknown=1", { "content-type": "application/x-www-form-urlencoded" }),
    );
    expect(form.status).toBe(200);
  });

  it("answers malformed URIs and malformed HTTP with 400 and a code", async () => {
    const uri = await raw("GET /items/%ff/%fe HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    expect([uri.status, code(uri)]).toEqual([400, "malformed_uri"]);
    const junk = await raw("NOT HTTP AT ALL\r\n\r\n");
    expect([junk.status, code(junk)]).toEqual([400, "malformed_http"]);
    const huge = await raw(`GET /items/a/b HTTP/1.1\r\nhost: x\r\nx-big: ${"a".repeat(20_000)}\r\n\r\n`);
    expect([huge.status, code(huge)]).toEqual([431, "headers_too_large"]);
    expect(errors).toEqual([]);
  });

  it("sets no-store on routes that carry secrets (errors too), and nosniff on every API response", async () => {
    const ok = await raw(post("/token", "code=abc", { "content-type": "application/x-www-form-urlencoded" }));
    const bad = await raw(post("/token", "code=abc", { "content-type": "application/json" }));
    for (const r of [ok, bad]) expect(r.headers).toContain("cache-control: no-store");
    const plain = await raw(post("/items", '{"name":"a"}'));
    expect(plain.headers).not.toContain("no-store");
    const missing = await raw("GET /nope HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    for (const r of [ok, bad, plain, missing]) expect(r.headers).toContain("x-content-type-options: nosniff");
  });

  it("drops a partial body quickly (408), survives an aborted one, and still serves", async () => {
    const partial = await raw(post("/items", '{"name":"a"}').subarray(0, 100), { waitMs: 5_000 });
    const half = post("/items", '{"name":"abc"}', { "content-length": "500" }).toString();
    expect(partial.closedAfterMs).toBeLessThan(3_000);
    const slow = await raw(half, { waitMs: 5_000 });
    expect([slow.status, code(slow), slow.closedAfterMs < 3_000]).toEqual([408, "request_timeout", true]);
    await raw(half, { waitMs: 50 }); // the client goes away mid-body
    const after = await raw(post("/items", '{"name":"a"}'));
    expect(after.status).toBe(201);
    expect(errors).toEqual([]);
  });

  it("many slow sockets from one address neither hold the server nor shut out another address", async () => {
    const slow: Socket[] = [];
    const refused: Promise<Raw>[] = [];
    for (let i = 0; i < 40; i++)
      refused.push(
        raw("GET /items/a/b HTTP/1.1\r\nhost:", { from: "127.0.0.2", waitMs: 4_000, keep: (s) => slow.push(s) }),
      );
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const other = await raw("GET /items/a/b HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n", { from: "127.0.0.1" });
    expect([other.status, Date.now() - started < 1_000]).toEqual([200, true]);
    const results = await Promise.all(refused);
    const codes = results.map((r) => (r.status ? code(r) : "closed"));
    expect(codes.filter((c) => c === "too_many_connections").length).toBe(30); // beyond the per-client cap of 10
    expect(codes.filter((c) => c === "request_timeout").length).toBe(10); // the 10 admitted: dropped at the headers timeout
    expect(Math.max(...results.map((r) => r.closedAfterMs))).toBeLessThan(3_000);
  });

  it("keys the status map by the services' error-code union", () => {
    expectTypeOf<StoreError["code"]>().toExtend<ServiceErrorCode>();
    expectTypeOf<IssueError["code"]>().toExtend<ServiceErrorCode>();
  });
});
