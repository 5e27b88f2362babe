import { mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createIssuerApp, type IssuerDeps } from "../../services/issuer/app.ts";
import { SqliteIssuerStore, type IssuerStore } from "../../services/issuer/store.ts";
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
  const store = new SqliteIssuerStore(join(mkdtempSync(join(tmpdir(), "laissez-issuer-")), "issuer.db"));
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

/**
 * Runs `look` on the store a service process (perhaps killed, perhaps still running) keeps in
 * `file`, opened for the look and closed after: tests ask the store, not the file.
 */
export async function withStoreAt<T>(file: string, look: (store: IssuerStore) => Promise<T>): Promise<T> {
  const store = new SqliteIssuerStore(file);
  try {
    return await look(store);
  } finally {
    await store.close();
  }
}

/**
 * Every row of a table of a SQLite store's file, as text, read-only: for the few assertions
 * about what lies at rest (no claims stored), which only the dialect's own file can show.
 */
export function atRest(file: string, table: "credentials" | "offers"): string {
  const d = new DatabaseSync(file, { readOnly: true });
  try {
    return JSON.stringify(d.prepare(`SELECT * FROM ${table}`).all(), (_k, v: unknown) =>
      v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v,
    );
  } finally {
    d.close();
  }
}

/**
 * The rows a query gives on an issuer's SQLite file, opened read-only for the query. Only the
 * offer-redemption tests (issue 22 item 7) still use it, for what the store's interface does not
 * answer yet (offers left unredeemed, copies per offer): new tests ask the store.
 */
export function readRows<T>(file: string, sql: string): T[] {
  const d = new DatabaseSync(file, { readOnly: true });
  try {
    return d.prepare(sql).all() as T[];
  } finally {
    d.close();
  }
}
