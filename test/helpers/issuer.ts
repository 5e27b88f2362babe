import { mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createIssuerApp, type IssuerDeps } from "../../services/issuer/app.ts";
import { IssuerStore } from "../../services/issuer/store.ts";
import { demoIssuerKey } from "../../scripts/demo/consortium.ts";
import { demoSchemas } from "../../scripts/context.ts";
import type { SeededChain } from "./chain.ts";
import { freePort } from "./processes.ts";

/**
 * Demo agency `agency`'s issuer service on 127.0.0.1 over a seeded in-process chain, with its
 * SQLite store in a temp dir. The in-process chain stamps each block a second after the last,
 * so its clock runs ahead of the wall clock after seeding: the service takes the chain's time,
 * as it would on Besu.
 */
export async function startIssuerService(chain: SeededChain, agency = 0, overrides: Partial<IssuerDeps> = {}) {
  const store = new IssuerStore(join(mkdtempSync(join(tmpdir(), "laissez-issuer-")), "issuer.db"));
  const a = chain.agencies[agency]!;
  const chainNow = await chain.networkHelpers.time.latest();
  const started = Math.floor(Date.now() / 1000);
  const now = () => chainNow + (Math.floor(Date.now() / 1000) - started);
  // Reserve the port first so the public URL (what offers and credentials name) is the real one.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { app } = createIssuerApp({
    store,
    key: demoIssuerKey(31337, agency, "ES256K"),
    agency: a.address,
    provider: chain.provider,
    deployment: chain.deployment,
    lists: { revocation: { id: a.revocationList, size: 131_072 }, suspension: { id: a.suspensionList, size: 131_072 } },
    schemas: demoSchemas,
    publicUrl: url,
    now,
    log: () => {},
    ...overrides,
  });
  const server: Server = app.listen(port, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  return { store, server, url, now };
}

const rawConnections = new Map<string, DatabaseSync>();

/** A second connection to a store's database file, to look at (or try to tamper with) what it wrote. */
export function rawDb(store: IssuerStore): DatabaseSync {
  let db = rawConnections.get(store.path);
  if (!db) rawConnections.set(store.path, (db = new DatabaseSync(store.path)));
  return db;
}

/** The rows a query gives on an issuer's database file, opened read-only for the query: what a service process (perhaps killed) left there. */
export function readRows<T>(file: string, sql: string): T[] {
  const d = new DatabaseSync(file, { readOnly: true });
  try {
    return d.prepare(sql).all() as T[];
  } finally {
    d.close();
  }
}
