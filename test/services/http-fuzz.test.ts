/**
 * A bounded HTTP fuzz (issue 10, evidence): a few thousand malformed requests, written raw on
 * loopback sockets, against both services (the issuer over a seeded in-process chain, the
 * checkpoint with a synced bundle). Every route of each service's own OpenAPI document, every
 * method, mutated paths, headers and bodies, with and without a valid operator token. Nothing
 * may answer ≥ 500, nothing may be stored, and /health must be fine after.
 */
import { mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { getBytes } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCheckpointApp } from "../../services/checkpoint/app.ts";
import { BundleKeeper } from "../../services/checkpoint/keeper.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import { listen } from "../../services/http/server.ts";
import { demoSchemas } from "../../scripts/context.ts";
import { demoAuthorityKey } from "../../scripts/demo/consortium.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { startIssuerService } from "../helpers/issuer.ts";
import { softwareSigner } from "../../core/signer.ts";

const REQUESTS_PER_SERVICE = Number(process.env.LAISSEZ_FUZZ_REQUESTS ?? 1500);

let chain: SeededChain;
let issuer: Awaited<ReturnType<typeof startIssuerService>>;
let checkpoint: { server: Server; url: string; keeper: BundleKeeper };
let token: string;

beforeAll(async () => {
  chain = await seededChain();
  issuer = await startIssuerService(chain, 0);
  token = (await issuer.store.operators.create("fuzz", ["admin", "issue", "revoke"])).token;
  const keeper = new BundleKeeper({
    provider: chain.provider,
    deployment: chain.deployment,
    schemas: demoSchemas,
    signerKey: softwareSigner("ES256K", getBytes(demoAuthorityKey("CN-SH").privateKey)),
    path: join(mkdtempSync(join(tmpdir(), "laissez-fuzz-")), "bundle.json"),
    region: "CN-SH",
  });
  await keeper.sync();
  const { app } = createCheckpointApp({
    keeper,
    region: "CN-SH",
    chainId: chain.deployment.chainId,
    checkpointId: "checkpoint:CN-SH:fuzz",
    verifier: nativeVerifier,
    log: () => {},
  });
  const server = await listen(app, 0, "127.0.0.1", {
    headersTimeoutMs: 1_000,
    requestTimeoutMs: 1_500,
    keepAliveTimeoutMs: 1_000,
    maxConnections: 1_000,
    maxConnectionsPerClient: 1_000,
  });
  checkpoint = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, keeper };
});
afterAll(() => {
  issuer?.server.close();
  checkpoint?.server.close();
});

/** A small deterministic generator (mulberry32): the same requests every run. */
function random(seed: number): { int(n: number): number; pick<T>(xs: readonly T[]): T } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)] as (typeof xs)[number],
  };
}

const SEGMENTS = [
  "%ff",
  "%fe%ff",
  "%",
  "%zz",
  "%00",
  "..",
  "%2e%2e",
  "x".repeat(3000),
  "💥",
  "'; drop table credentials; --",
  "{id}",
  "-1",
  "0x00",
  "%c0%af",
  "a/b/c",
];
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "BREW", "G ET"];
const TYPES = [
  "application/json",
  "application/jsonx",
  "application/json; charset=latin1",
  "application/json; charset=utf-16",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "",
  "application/json; charset=utf-8; q=1",
  "*/*",
];
const ENCODINGS = [undefined, undefined, undefined, "gzip", "deflate", "br", "identity, gzip", "x-unknown"];

/** A body that can never be a valid request: each mutation alone makes it invalid. */
function malformedBody(r: ReturnType<typeof random>): Buffer {
  const valid = JSON.stringify(
    r.pick([
      { type: "HealthCode", subject: "did:key:z6Mk", claims: { healthStatus: "green" } },
      { action: "revoke", ids: ["x"] },
      { presentation: "LZ1:ABC" },
      { name: "op", roles: ["issue"] },
    ]),
  );
  const cases: (() => Buffer | string)[] = [
    () => valid.slice(0, r.int(valid.length)), // truncated
    () => valid.replace(/^\{/, '{"unknownField":1,'), // strict schemas refuse it
    () => valid.replace(/"(\w+)":/, '"$1":1,"$1":'), // duplicate key
    () => `${"[".repeat(5000)}${"]".repeat(5000)}`, // deep nesting
    () => '{"validFor": 1e400, "x": 123456789012345678901234567890}',
    () => Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), // invalid UTF-8
    () => gzipSync(valid), // gzip (with or without a header claiming it)
    () => "\u0000\u0001\u0002",
    () => "null",
    () => "[]",
    () => '"just a string"',
    () => "x".repeat(70_000), // over the body limit
    () => valid.replace(/"[^"]*"(?=[,}])/, "42"), // a value of the wrong type
  ];
  const body = r.pick(cases)();
  return Buffer.isBuffer(body) ? body : Buffer.from(body);
}

function malformedRequest(r: ReturnType<typeof random>, paths: readonly string[]): Buffer {
  const path = r.pick(paths).replace(/\{[^}]+\}|\/[^/]*$/g, (m) => (r.int(2) ? `/${r.pick(SEGMENTS)}` : m));
  const method = r.pick(METHODS);
  const body = malformedBody(r);
  const headers: string[] = ["host: 127.0.0.1", "connection: close"];
  const type = r.pick(TYPES);
  if (type) headers.push(`content-type: ${type}`);
  const encoding = r.pick(ENCODINGS);
  if (encoding) headers.push(`content-encoding: ${encoding}`);
  if (r.int(2)) headers.push(`authorization: Bearer ${r.int(3) ? token : "lz_not-a-token"}`);
  if (r.int(10) === 0) headers.push(`x-request-id: ${"%".repeat(100)}`);
  // Mostly the true length; sometimes a shorter one (the rest is read as the next request).
  const length = r.int(8) === 0 ? Math.max(0, body.length - 1 - r.int(body.length + 1)) : body.length;
  headers.push(`content-length: ${length}`);
  if (r.int(12) === 0)
    return Buffer.from(
      `${method} ${path} HTTP/1.1\r\n${headers.join("\r\n")}\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n`,
    );
  return Buffer.concat([Buffer.from(`${method} ${path} HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n`), body]);
}

/** Sends raw bytes and returns every status line the server wrote before closing (0: none). */
function send(url: string, bytes: Buffer): Promise<number[]> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port: Number(port) });
    let data = "";
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on("data", (d) => (data += d.toString("latin1")));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      const statuses = [...data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      resolve(statuses.length ? statuses : [0]);
    });
    socket.on("connect", () => socket.end(bytes));
  });
}

async function fuzz(url: string, seed: number): Promise<Map<number, number>> {
  const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
  const paths = Object.keys(doc.paths);
  const r = random(seed);
  const requests = Array.from({ length: REQUESTS_PER_SERVICE }, () => malformedRequest(r, paths));
  const statuses = new Map<number, number>();
  for (let i = 0; i < requests.length; i += 16) {
    for (const list of await Promise.all(requests.slice(i, i + 16).map((b) => send(url, b))))
      for (const s of list) statuses.set(s, (statuses.get(s) ?? 0) + 1);
  }
  return statuses;
}

const serverErrors = (m: Map<number, number>): [number, number][] => [...m].filter(([s]) => s >= 500);

describe("HTTP fuzz: both services", () => {
  it(`${REQUESTS_PER_SERVICE} malformed requests to the issuer: no 5xx, nothing stored, healthy after`, async () => {
    const before = await issuer.store.census();
    const statuses = await fuzz(issuer.url, 1);
    expect(serverErrors(statuses)).toEqual([]);
    expect([...statuses.keys()].some((s) => s >= 400 && s < 500)).toBe(true);
    expect(await issuer.store.census()).toEqual(before);
    const health = await fetch(`${issuer.url}/health`);
    expect(health.status).toBe(200);
  });

  it(`${REQUESTS_PER_SERVICE} malformed requests to the checkpoint: no 5xx, the bundle unchanged, healthy after`, async () => {
    const bundle = checkpoint.keeper.current?.envelope;
    const statuses = await fuzz(checkpoint.url, 2);
    expect(serverErrors(statuses)).toEqual([]);
    expect(checkpoint.keeper.current?.envelope).toBe(bundle);
    const health = await fetch(`${checkpoint.url}/health`);
    expect([health.status, ((await health.json()) as { status: string }).status]).toEqual([200, "ok"]);
  });
});
