import type { Server } from "node:http";
import { p256 } from "@noble/curves/nist.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { holderSigner } from "../../core/credential.ts";
import { p256DidJwk, p256DidKey } from "../../core/did.ts";
import { jwkSpellings } from "../vectors/generate.ts";
import { hashCanonical } from "../../core/hash.ts";
import { createHolderProof } from "../../core/holder-proof.ts";
import { PRE_AUTHORIZED_GRANT } from "../../core/openid4vci.ts";
import { startHousekeeping } from "../../services/issuer/housekeeping.ts";
import type { IssuerStore } from "../../services/issuer/store.ts";
import type { AgencyLists } from "../../services/chain/lists.ts";
import { TtlCache } from "../../services/issuer/ttl-cache.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { startIssuerService } from "../helpers/issuer.ts";

// Issue 10 items 1, 6 (issuer part), 7, 8: what an attacker at the issuer's HTTP door tries.
let chain: SeededChain;
let store: IssuerStore;
let server: Server;
let base: string;
/** The service's clock: the chain's time plus a skew the tests move forward. */
let skew = 0;
let now: () => number;
let admin: string;
let issuer: string;

beforeAll(async () => {
  chain = await seededChain();
  const chainNow = await chain.networkHelpers.time.latest();
  const started = Math.floor(Date.now() / 1000);
  now = () => chainNow + (Math.floor(Date.now() / 1000) - started) + skew;
  // chainCacheMs 0: every issuance asks the chain, as after the cache has expired.
  ({ store, server, url: base } = await startIssuerService(chain, 0, { now: () => now(), chainCacheMs: 0 }));
  admin = (await store.operators.create("admin", ["admin"])).token;
  issuer = (await store.operators.create("issuer", ["issue", "revoke"])).token;
});
afterAll(() => server?.close());

async function call(
  method: string,
  path: string,
  o: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
) {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      ...(o.body !== undefined ? { "content-type": "application/json" } : {}),
      ...o.headers,
    },
    ...(o.raw !== undefined ? { body: o.raw } : o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
  });
  const text = await res.text();
  const json = (text.startsWith("{") ? JSON.parse(text) : {}) as Record<string, unknown>;
  return { status: res.status, json, headers: res.headers, code: (json.error as { code?: string } | undefined)?.code };
}
const census = () => store.census();
const issueEntries = async () =>
  (await store.auditLog(1_000_000)).filter((a) => a.action === "credential.issue").length;
const holderOf = (key: Uint8Array) => p256DidKey(p256.getPublicKey(key, false));

async function offerToken(claims: Record<string, string> = { healthStatus: "yellow" }) {
  const created = await call("POST", "/offers", { token: issuer, body: { type: "HealthCode", claims } });
  expect(created.status).toBe(201);
  expect(created.headers.get("cache-control")).toBe("no-store");
  const code = (created.json.credential_offer as { grants: Record<string, { "pre-authorized_code": string }> }).grants[
    PRE_AUTHORIZED_GRANT
  ]!["pre-authorized_code"];
  const form = new URLSearchParams({ grant_type: PRE_AUTHORIZED_GRANT, "pre-authorized_code": code }).toString();
  const token = await call("POST", "/token", {
    raw: form,
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  expect(token.status).toBe(200);
  expect(token.headers.get("cache-control")).toBe("no-store");
  return token.json as { access_token: string; c_nonce: string };
}

describe("issuer service under attack", () => {
  it("one offer, one credential: N racing redemptions with N holder proofs give exactly one", async () => {
    const { access_token, c_nonce } = await offerToken();
    const credentialsBefore = (await census()).credentials;
    const auditBefore = await issueEntries();
    const keys = Array.from({ length: 8 }, () => p256.utils.randomSecretKey());
    const proofs = await Promise.all(
      keys.map((k) =>
        createHolderProof({
          holder: holderOf(k),
          signer: holderSigner(k),
          audience: base,
          nonce: c_nonce,
          issuedAt: now(),
        }),
      ),
    );
    const results = await Promise.all(
      proofs.map((jwt) =>
        call("POST", "/credential", {
          body: { format: "jwt_vc_json", proof: { proof_type: "jwt", jwt } },
          headers: { authorization: `Bearer ${access_token}` },
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.every((s) => s === 200 || (s >= 400 && s < 500))).toBe(true);
    expect((await census()).credentials - credentialsBefore).toBe(1);
    expect((await issueEntries()) - auditBefore).toBe(1);
  });

  it("one holder key is one holder: other did:jwk spellings and one key twice are refused, at /credentials and in OpenID4VCI proofs (issue 22 item 9)", async () => {
    const before = (await census()).credentials;
    const key = p256.utils.randomSecretKey();
    const publicKey = p256.getPublicKey(key, false);
    for (const [how, subject] of Object.entries(jwkSpellings(publicKey))) {
      const r = await call("POST", "/credentials", {
        token: issuer,
        body: { type: "HealthCode", subject, claims: { healthStatus: "green" } },
      });
      expect([how, r.status, r.code]).toEqual([how, 422, "holder_did_noncanonical"]);
      const copies = await call("POST", "/credentials", {
        token: issuer,
        body: {
          type: "HealthCode",
          subjects: [holderOf(p256.utils.randomSecretKey()), subject],
          claims: { healthStatus: "green" },
        },
      });
      expect([how, copies.status, copies.code]).toEqual([how, 422, "holder_did_noncanonical"]);
    }
    // The key's did:key and its canonical did:jwk are one holder: not two copies.
    const twice = await call("POST", "/credentials", {
      token: issuer,
      body: {
        type: "HealthCode",
        subjects: [p256DidKey(publicKey), p256DidJwk(publicKey)],
        claims: { healthStatus: "green" },
      },
    });
    expect([twice.status, twice.code]).toEqual([400, "invalid_request"]);
    expect((await census()).credentials).toBe(before);

    const { access_token, c_nonce } = await offerToken();
    const proof = (holder: string) =>
      createHolderProof({ holder, signer: holderSigner(key), audience: base, nonce: c_nonce, issuedAt: now() });
    const redeem = (body: unknown) =>
      call("POST", "/credential", { body, headers: { authorization: `Bearer ${access_token}` } });
    const odd = await redeem({
      format: "jwt_vc_json",
      proof: { proof_type: "jwt", jwt: await proof(jwkSpellings(publicKey)["with an extra member"]!) },
    });
    expect([odd.status, odd.code, (odd.json.error as { message: string }).message]).toEqual([
      400,
      "invalid_proof",
      expect.stringContaining("holder_did_noncanonical"),
    ]);
    const both = await redeem({
      format: "jwt_vc_json",
      proofs: { jwt: [await proof(p256DidKey(publicKey)), await proof(p256DidJwk(publicKey))] },
    });
    expect([both.status, both.code]).toEqual([400, "invalid_proof"]);
    expect((await census()).credentials).toBe(before);
    // The offer is still redeemable by the key under its canonical name.
    const good = await redeem({
      format: "jwt_vc_json",
      proof: { proof_type: "jwt", jwt: await proof(p256DidKey(publicKey)) },
    });
    expect(good.status).toBe(200);
  });

  it("keeps no request hash that a dictionary of claims can reverse", async () => {
    const subject = holderOf(p256.utils.randomSecretKey());
    const r = await call("POST", "/credentials", {
      token: issuer,
      body: { type: "HealthCode", subject, claims: { healthStatus: "red" } },
    });
    expect(r.status).toBe(201);
    const request_hash = (await store.credentials.get(r.json.id as string))!.requestHash;
    const guesses = ["green", "yellow", "red"].map((healthStatus) =>
      hashCanonical({ type: "HealthCode", subject, claims: { healthStatus }, validFor: undefined }),
    );
    expect(guesses).not.toContain(request_hash);
  });

  it("erases the claims of an expired, unredeemed offer on a timer, and request hashes after the idempotency window", async () => {
    await call("POST", "/offers", { token: issuer, body: { type: "HealthCode", claims: { healthStatus: "green" } } });
    const waiting = async () => (await census()).offersWaiting;
    const hashes = async () => (await census()).requestHashesKept;
    expect(await waiting()).toBeGreaterThan(0);
    expect(await hashes()).toBeGreaterThan(0);
    const stop = startHousekeeping(store, { intervalMs: 20, now: () => now(), log: () => {} });
    try {
      skew += 601; // every offer so far has expired; no request arrives
      await vi.waitFor(async () => expect(await waiting()).toBe(0), { timeout: 5000, interval: 20 });
      expect(await hashes()).toBeGreaterThan(0);
      skew += 86_400; // the idempotency window has closed
      await vi.waitFor(async () => expect(await hashes()).toBe(0), { timeout: 5000, interval: 20 });
    } finally {
      stop();
    }
  });

  it("operator tokens can be disabled and can expire: 401 at once", async () => {
    const created = await call("POST", "/operators", {
      token: admin,
      body: { name: "temp", roles: ["issue"], expiresIn: 120 },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("cache-control")).toBe("no-store");
    const { token, id } = created.json as { token: string; id: string };
    const probe = () => call("GET", "/credentials/urn:uuid:nothing", { token });
    expect((await probe()).status).toBe(404); // authenticated, nothing there
    skew += 121;
    expect((await probe()).code).toBe("unauthorized");

    const other = (await call("POST", "/operators", { token: admin, body: { name: "clerk", roles: ["issue"] } }))
      .json as { token: string; id: string };
    expect((await call("GET", "/credentials/urn:uuid:nothing", { token: other.token })).status).toBe(404);
    const disabled = await call("POST", `/operators/${other.id}/disable`, { token: admin });
    expect(disabled.status).toBe(200);
    expect((await call("GET", "/credentials/urn:uuid:nothing", { token: other.token })).code).toBe("unauthorized");
    expect((await call("POST", `/operators/op_nobody/disable`, { token: admin })).code).toBe("not_found");
    expect((await call("POST", `/operators/${id}/disable`, { token: issuer })).status).toBe(403);
    expect((await store.auditLog()).map((a) => a.action)).toContain("operator.disable");
  });

  it("refuses unknown fields in operator requests (400), storing nothing", async () => {
    const before = (await census()).credentials;
    const subject = holderOf(p256.utils.randomSecretKey());
    const cases: [string, unknown][] = [
      ["/credentials", { type: "HealthCode", subject, claims: { healthStatus: "green" }, operator: "someone-else" }],
      ["/offers", { type: "HealthCode", claims: { healthStatus: "green" }, expiresAt: 9e9 }],
      ["/credentials/status", { action: "revoke", ids: ["x"], force: true }],
      ["/operators", { name: "x", roles: ["issue"], id: "op_chosen" }],
    ];
    for (const [path, body] of cases) {
      const r = await call("POST", path, { token: path === "/operators" ? admin : issuer, body });
      expect([r.status, r.code], path).toEqual([400, "invalid_request"]);
    }
    expect((await census()).credentials).toBe(before);
  });
});

describe("health before the agency's lists are known", () => {
  it("says degraded (lists unknown) while issuance would answer 503, ok once they are learnt", async () => {
    let lists: AgencyLists | undefined;
    const a = chain.agencies[0]!;
    const s = await startIssuerService(chain, 0, { lists: () => lists });
    try {
      const first = await fetch(`${s.url}/health`);
      expect([first.status, ((await first.json()) as { lists: string }).lists]).toEqual([503, "unknown"]);
      lists = {
        revocation: { id: a.revocationList, size: 131_072 },
        suspension: { id: a.suspensionList, size: 131_072 },
      };
      const after = await fetch(`${s.url}/health`);
      expect([after.status, ((await after.json()) as { lists: string }).lists]).toEqual([200, "known"]);
    } finally {
      s.server.close();
      await s.store.close();
    }
  });
});

describe("TtlCache (caches keyed by client input)", () => {
  it("holds at most its bound, forgets failures, and reuses an answer within its TTL", async () => {
    let t = 0;
    const cache = new TtlCache<number>({ ttlMs: 100, max: 3, clock: () => t });
    let loads = 0;
    const load = async () => ++loads;
    for (let i = 0; i < 50; i++) await cache.get(`type-${i}`, load);
    expect(cache.size).toBe(3);
    expect(await cache.get("type-49", load)).toBe(50);
    t = 100;
    expect(await cache.get("type-49", load)).toBe(51);
    await expect(cache.get("bad", () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(await cache.get("bad", load)).toBe(52);
  });
});
