import { mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { p256 } from "@noble/curves/nist.js";
import type { Signer } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base64urlDecode } from "../../core/encoding.ts";
import { holderSigner } from "../../core/credential.ts";
import { createHolderProof } from "../../core/holder-proof.ts";
import { p256DidKey } from "../../core/did.ts";
import { decodeJwt } from "../../core/jwt.ts";
import { decodeStatusList } from "../../core/status-list.ts";
import { getBit } from "../../core/status-bits.ts";
import { verifyCredential } from "../../core/verify.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import { StatusPublisher } from "../../services/issuer/publish.ts";
import { atRest, startIssuerService } from "../helpers/issuer.ts";
import { SqliteIssuerStore } from "../../services/issuer/store.ts";
import { demoSchemas } from "../../scripts/context.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";

let chain: SeededChain;
let store: SqliteIssuerStore;
let otherStore: SqliteIssuerStore;
let server: Server;
let base: string;
const tokens: Record<string, string> = {};
const holderKey = p256.utils.randomSecretKey();
const holder = p256DidKey(p256.getPublicKey(holderKey, false));

beforeAll(async () => {
  chain = await seededChain();
  otherStore = new SqliteIssuerStore(join(mkdtempSync(join(tmpdir(), "laissez-issuer-")), "sh-health.db"));
  ({ store, server, url: base } = await startIssuerService(chain, 0, { bodyLimit: 16 * 1024 }));
  tokens.issuer = (await store.operators.create("issuer", ["issue"])).token;
  tokens.revoker = (await store.operators.create("revoker", ["revoke"])).token;
  tokens.admin = (await store.operators.create("admin", ["admin"])).token;
  tokens.otherAgency = (await otherStore.operators.create("sh issuer", ["issue", "revoke", "admin"])).token;
});
afterAll(() => server?.close());

async function call(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined || opts.raw !== undefined ? { "content-type": "application/json" } : {}),
      ...opts.headers,
    },
    ...(opts.raw !== undefined
      ? { body: opts.raw }
      : opts.body !== undefined
        ? { body: JSON.stringify(opts.body) }
        : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, json, text, headers: res.headers };
}
const issueBody = { type: "HealthCode", subject: holder, claims: { healthStatus: "green" } };
const credentialCount = () => store.credentials.count();
const errorCode = (r: { json: Record<string, unknown> }) => (r.json.error as { code?: string } | undefined)?.code;

describe("issuer service over HTTP", () => {
  it("issues a credential that a checkpoint in another region accepts", async () => {
    const r = await call("POST", "/credentials", { token: tokens.issuer, body: issueBody });
    expect(r.status).toBe(201);
    expect(r.headers.get("x-request-id")).toBeTruthy();
    const { bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas });
    const v = verifyCredential(r.json.credential as string, {
      bundle,
      region: "CN-SH",
      now: bundle.block.timestamp + 5,
      verifier: nativeVerifier,
    });
    expect([v.verdict, v.reason, v.checks.at(-1)?.detail]).toEqual(["accept", null, expect.any(String)]);
    // No claims in the store: only what revocation and audit need.
    expect(atRest(store.path, "credentials")).not.toContain("green");
  });

  it("refuses no token, a wrong token, another agency's token, and a role without the right", async () => {
    const before = await credentialCount();
    expect((await call("POST", "/credentials", { body: issueBody })).status).toBe(401);
    expect((await call("POST", "/credentials", { token: "lz_wrong", body: issueBody })).status).toBe(401);
    expect((await call("POST", "/credentials", { token: tokens.otherAgency, body: issueBody })).status).toBe(401);
    const r = await call("POST", "/credentials", { token: tokens.revoker, body: issueBody });
    expect([r.status, errorCode(r)]).toEqual([403, "forbidden"]);
    expect(
      (await call("POST", "/operators", { token: tokens.issuer, body: { name: "x", roles: ["admin"] } })).status,
    ).toBe(403);
    expect(await credentialCount()).toBe(before);
    expect(r.text).not.toMatch(/at .*\.ts|lz_/); // no stack, no token in errors
  });

  it("answers bad input with a 4xx and a code, and stores nothing", async () => {
    const before = await credentialCount();
    const cases: [Parameters<typeof call>[2], number, string][] = [
      [{ raw: "{not json" }, 400, "malformed_json"],
      [{ raw: '{"type":"HealthCode","type":"DriverLicence"}' }, 400, "malformed_json"],
      [
        { raw: JSON.stringify({ ...issueBody, claims: { healthStatus: "green", pad: "x".repeat(20_000) } }) },
        413,
        "payload_too_large",
      ],
      [{ body: { ...issueBody, type: "Passport" } }, 422, "unknown_type"],
      [{ body: { ...issueBody, claims: { healthStatus: "purple" } } }, 422, "schema_invalid"],
      [{ body: { ...issueBody, subject: "did:web:example" } }, 422, "invalid_holder"],
      [{ body: { ...issueBody, type: "DriverLicence", claims: {} } }, 422, "not_accredited"],
      [{ body: { ...issueBody, validFor: 8 * 86400 } }, 422, "validity_exceeds_type_maximum"],
      [{ body: { type: "HealthCode" } }, 400, "invalid_request"],
      [{ raw: "{}", headers: { "content-type": "text/plain" } }, 415, "unsupported_media_type"],
    ];
    for (const [opts, status, code] of cases) {
      const r = await call("POST", "/credentials", { token: tokens.issuer, ...opts });
      expect([r.status, errorCode(r)], JSON.stringify(opts).slice(0, 80)).toEqual([status, code]);
    }
    expect(await credentialCount()).toBe(before);
  });

  it("returns the same credential for a retried Idempotency-Key, also when the retries race", async () => {
    const headers = { "idempotency-key": "order-77" };
    const before = await credentialCount();
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        call("POST", "/credentials", { token: tokens.issuer, body: issueBody, headers }),
      ),
    );
    expect(new Set(results.map((r) => r.status))).toEqual(new Set([201]));
    expect(new Set(results.map((r) => r.json.credential)).size).toBe(1);
    // One credential under the key: one more in the store, and it is the one every retry got.
    expect((await credentialCount()) - before).toBe(1);
    expect((await store.credentials.byIdempotencyKey("order-77"))?.id).toBe(results[0]!.json.id);
    const conflict = await call("POST", "/credentials", {
      token: tokens.issuer,
      body: { ...issueBody, claims: { healthStatus: "red" } },
      headers,
    });
    expect([conflict.status, errorCode(conflict)]).toEqual([409, "idempotency_conflict"]);
  });

  it("revokes: 202 pending, anchored by the worker with transaction and block, then served in the status list", async () => {
    const issued = await call("POST", "/credentials", { token: tokens.issuer, body: issueBody });
    const id = issued.json.id as string;
    const r = await call("POST", "/credentials/status", {
      token: tokens.revoker,
      body: { action: "revoke", ids: [id] },
    });
    expect([r.status, r.json.state]).toEqual([202, "pending"]);
    expect(
      (
        (await call("GET", `/credentials/${encodeURIComponent(id)}`, { token: tokens.revoker })).json.requests as {
          state: string;
        }[]
      )[0]!.state,
    ).toBe("pending");
    const unknown = await call("POST", "/credentials/status", {
      token: tokens.revoker,
      body: { action: "revoke", ids: ["urn:uuid:not-ours"] },
    });
    expect([unknown.status, errorCode(unknown)]).toEqual([404, "unknown_credential"]);

    await new StatusPublisher(store, chain.deployment, chain.accounts.writers[0] as Signer).drain();
    const after = (await call("GET", `/credentials/${encodeURIComponent(id)}`, { token: tokens.revoker })).json;
    const [request] = after.requests as { state: string; transaction: string; block: number }[];
    expect(request!.state).toBe("anchored");
    expect(request!.transaction).toMatch(/^0x[0-9a-f]{64}$/);

    const { revocation } = issued.json.status as { revocation: { list: number; index: number } };
    const list = await call("GET", `/status/31337/${revocation.list}`);
    expect(list.status).toBe(200);
    const vc = decodeJwt(list.text).payload.vc as {
      type: string[];
      credentialSubject: { encodedList: string; statusPurpose: string };
    };
    expect(vc.type).toContain("StatusList2021Credential");
    expect(vc.credentialSubject.statusPurpose).toBe("revocation");
    expect(getBit(decodeStatusList(vc.credentialSubject.encodedList), revocation.index)).toBe(true);
    expect((await call("GET", "/status/31337/999")).status).toBe(404);
    expect(base64urlDecode(list.text.split(".")[2]!).length).toBe(64);
  });

  it("serves health, Prometheus metrics, and an OpenAPI document that matches the routes", async () => {
    const health = await call("GET", "/health");
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ status: "ok", chain: { reachable: true }, outbox: { depth: 0 } });
    const metrics = await call("GET", "/metrics");
    expect(metrics.text).toMatch(/laissez_credentials_issued_total\{type="HealthCode"\} \d+/);
    expect(metrics.text).toMatch(/http_request_duration_ms_bucket/);
    const doc = (await call("GET", "/openapi.json")).json as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ms]) => Object.keys(ms).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(documented).toEqual([
      "GET /.well-known/openid-credential-issuer",
      "GET /credentials/{id}",
      "GET /health",
      "GET /metrics",
      "GET /openapi.json",
      "GET /status/{chainId}/{listId}",
      "POST /credential",
      "POST /credentials",
      "POST /credentials/status",
      "POST /offers",
      "POST /operators",
      "POST /operators/{id}/disable",
      "POST /token",
    ]);
    // Every documented route answers (not 404).
    for (const entry of documented) {
      const [method, path] = entry.split(" ") as [string, string];
      const r = await call(method, path.replace("{id}", "x").replace("{chainId}", "31337").replace("{listId}", "0"), {
        token: tokens.admin,
        ...(method === "POST" ? { body: {} } : {}),
      });
      expect(errorCode(r) === "not_found" && !path.includes("{"), entry).toBe(false);
    }
  });

  it("a wallet picks up a credential offer: pre-authorized code once, proof of its holder key, claims erased after", async () => {
    const created = await call("POST", "/offers", {
      token: tokens.issuer,
      body: { type: "HealthCode", claims: { healthStatus: "yellow" } },
    });
    expect(created.status).toBe(201);
    expect(created.json.offerUri).toMatch(/^openid-credential-offer:\/\/\?credential_offer=/);
    const offer = created.json.credential_offer as {
      credential_issuer: string;
      grants: Record<string, { "pre-authorized_code": string }>;
    };
    const code = offer.grants["urn:ietf:params:oauth:grant-type:pre-authorized_code"]!["pre-authorized_code"];
    const meta = await call("GET", "/.well-known/openid-credential-issuer");
    expect(Object.keys(meta.json.credential_configurations_supported as object)).toContain("HealthCode");

    const form = (c: string) => ({
      raw: new URLSearchParams({
        grant_type: "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        "pre-authorized_code": c,
      }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    const token = await call("POST", "/token", form(code));
    expect(token.status).toBe(200);
    const again = await call("POST", "/token", form(code));
    expect([again.status, errorCode(again)]).toEqual([400, "invalid_grant"]);

    const { access_token, c_nonce } = token.json as { access_token: string; c_nonce: string };
    const at = await chain.networkHelpers.time.latest();
    const proofWith = (o: { nonce?: string; key?: Uint8Array; audience?: string }) =>
      createHolderProof({
        holder,
        signer: holderSigner(o.key ?? holderKey),
        audience: o.audience ?? offer.credential_issuer,
        nonce: o.nonce ?? c_nonce,
        issuedAt: at,
      });
    const redeem = async (jwt: string, bearer = access_token) =>
      call("POST", "/credential", {
        body: { format: "jwt_vc_json", proof: { proof_type: "jwt", jwt } },
        headers: { authorization: `Bearer ${bearer}` },
      });
    for (const bad of [
      await proofWith({ nonce: "wrong" }),
      await proofWith({ key: p256.utils.randomSecretKey() }),
      await proofWith({ audience: "https://elsewhere" }),
    ]) {
      const r = await redeem(bad);
      expect([r.status, errorCode(r)]).toEqual([400, "invalid_proof"]);
    }
    const r = await redeem(await proofWith({}));
    expect(r.status).toBe(200);
    const payload = decodeJwt(r.json.credential as string).payload as {
      sub: string;
      vc: { credentialSubject: unknown };
    };
    expect(payload.sub).toBe(holder);
    expect(payload.vc.credentialSubject).toEqual({ healthStatus: "yellow" });
    const reuse = await redeem(await proofWith({}));
    expect([reuse.status, errorCode(reuse)]).toEqual([401, "invalid_token"]);
    expect(atRest(store.path, "offers")).not.toContain("yellow");
  });
});
