/**
 * Batch issuance for unlinkability (issue 15 item 10) over real HTTP on an in-process chain:
 * copies of one credential, each with its own holder key, id and status indices; each verifies;
 * one status request on the batch revokes every copy; two presentations from one batch share no
 * holder DID, credential id or status index; an offer redeemed as a batch gives one batch even
 * when ten redemptions race; the wallet presents each copy once and then refuses.
 */
import type { Server } from "node:http";
import type { Signer } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createHolderProof,
  decodeJwt,
  ENDPOINTS,
  type JsonValue,
  PRE_AUTHORIZED_GRANT,
  splitSdJwt,
  verifyCredential,
  verifyPresentation,
} from "../../core/index.ts";
import { decodeDisclosure } from "../../core/formats/sd-jwt-vc/sd-jwt.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import { StatusPublisher } from "../../services/issuer/publish.ts";
import type { IssuerStore } from "../../services/issuer/store.ts";
import { demoSchemas } from "../../scripts/context.ts";
import { nextCopy, walletEntries } from "../../wallet/copies.ts";
import { copyKey, createHolderKey } from "../../wallet/holder.ts";
import { present } from "../../wallet/present.ts";
import { receiveCopies } from "../../wallet/receive.ts";
import { MemoryCredentialStore, type StoredCredential } from "../../wallet/store.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { startIssuerService } from "../helpers/issuer.ts";

let chain: SeededChain;
let store: IssuerStore;
let server: Server;
let base: string;
let token: string;
/** Chain time once the consortium is seeded: the demo agencies' keys are listed from then on. */
let seededAt: number;

beforeAll(async () => {
  chain = await seededChain();
  seededAt = await chain.networkHelpers.time.latest();
  ({ store, server, url: base } = await startIssuerService(chain, 0));
  token = (await store.operators.create("issuer", ["issue", "revoke"])).token;
});
afterAll(() => server?.close());

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
const claims = { healthStatus: "green", givenName: "Mei", familyName: "Li" };
const bundleNow = async () => (await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas })).bundle;
/** Every leaf of a JSON value, as `path=value` (what a checkpoint could compare between two sightings). */
function leaves(value: JsonValue, path: string, out: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === "object")
    for (const [k, v] of Object.entries(value)) leaves(v as JsonValue, `${path}.${k}`, out);
  else out.set(`${path}=${JSON.stringify(value)}`, path);
  return out;
}
/** What a checkpoint sees of a credential: header, payload and (SD-JWT) every disclosure with its salt and digest. */
function sightings(credential: string): Map<string, string> {
  const sd = credential.includes("~");
  const { header, payload } = decodeJwt(sd ? splitSdJwt(credential).issuerJwt : credential);
  const out = leaves(header as JsonValue, "header", leaves(payload as JsonValue, "payload", new Map()));
  if (sd)
    for (const d of splitSdJwt(credential).disclosures.map(decodeDisclosure))
      leaves({ salt: d.salt, digest: d.digest, value: d.value }, `disclosure.${d.name}`, out);
  return out;
}
/**
 * What any two credentials of one agency, type and content share whoever holds them: the issuer,
 * its key, the type and schema, the claims' values, the agency's list URLs and purposes, the
 * format's fixed members. The `_sd` digests and SD-JWT `cnf` are leaves of arrays/objects that
 * differ per copy and are compared as values.
 */
const CONTENT =
  /^(header\.(alg|typ|kid)|payload\.(iss|vct|_sd_alg|@context\.\d+|type\.\d+|vc\.(@context|type)\.\d+|(vc\.)?credentialSchema\.\w+|(vc\.credentialSubject|credentialSubject)\.(healthStatus|givenName|familyName)|(vc\.)?credentialStatus\.\d+\.(type|statusPurpose|statusListCredential)|status\.\w+\.uri|cnf\.jwk\.(kty|crv))|disclosure\.\w+\.value)$/;

interface Copy {
  id: string;
  holder: string;
  credential: string;
  status: { revocation: { list: number; index: number }; suspension: { list: number; index: number } };
}

describe("batch copies", () => {
  it("issues copies with distinct holders, ids and indices; each verifies; revoking the batch rejects every copy; presentations share nothing", async () => {
    const keys = Array.from({ length: 3 }, createHolderKey);
    const res = await post(
      "/credentials",
      { type: "HealthCode", subjects: keys.map((k) => k.did), claims },
      { "idempotency-key": "batch-1" },
    );
    expect(res.status).toBe(201);
    const { batch, copies } = res.json as { batch: string; copies: Copy[] };
    expect(copies).toHaveLength(3);
    for (const pick of [
      (c: Copy): unknown => c.holder,
      (c: Copy): unknown => c.id,
      (c: Copy): unknown => c.status.revocation.index,
      (c: Copy): unknown => c.status.suspension.index,
    ])
      expect(new Set(copies.map(pick)).size).toBe(3);
    expect(copies.map((c) => decodeJwt(c.credential).payload.sub)).toEqual(keys.map((k) => k.did));
    // A replay gives the same batch; another request under the key is refused.
    const replay = await post(
      "/credentials",
      { type: "HealthCode", subjects: keys.map((k) => k.did), claims },
      { "idempotency-key": "batch-1" },
    );
    expect((replay.json.copies as Copy[]).map((c) => c.id)).toEqual(copies.map((c) => c.id));
    expect(
      (
        await post(
          "/credentials",
          { type: "HealthCode", subjects: keys.slice(1).map((k) => k.did), claims },
          { "idempotency-key": "batch-1" },
        )
      ).status,
    ).toBe(409);
    expect(
      (await post("/credentials", { type: "HealthCode", subjects: [keys[0]!.did, keys[0]!.did], claims })).json.error,
    ).toMatchObject({ code: "invalid_request" });
    expect(
      (await post("/credentials", { type: "HealthCode", subjects: Array(21).fill(keys[0]!.did), claims })).status,
    ).toBe(400);

    const now = await chain.networkHelpers.time.latest();
    let p = { bundle: await bundleNow(), region: "CN-SH", now, verifier: nativeVerifier };
    expect(copies.map((c) => verifyCredential(c.credential, p).verdict)).toEqual(["accept", "accept", "accept"]);
    const shown = await Promise.all(
      copies.slice(0, 2).map((c, i) => present(c.credential, keys[i]!, now, { region: "CN-SH" })),
    );
    const seen = shown.map((vp) => verifyPresentation(vp, p));
    expect(seen.map((v) => v.verdict)).toEqual(["accept", "accept"]);
    // What each checkpoint sees: holder, credential id, both status indices — nothing in common.
    const facts = seen.map((v, i) => [
      v.holder,
      v.credentialId,
      `r${copies[i]!.status.revocation.index}`,
      `s${copies[i]!.status.suspension.index}`,
    ]);
    expect(facts.map((f) => f[1])).toEqual([copies[0]!.id, copies[1]!.id]);
    expect(facts[0]!.filter((x) => facts[1]!.includes(x))).toEqual([]);
    expect(new Set(facts.flat()).size).toBe(8);

    // One status request names the batch (a copy's id would do the same): every copy's bit, one batch.
    const revoke = await post("/credentials/status", { action: "revoke", ids: [batch] });
    expect(revoke.status).toBe(202);
    expect((revoke.json.requests as { credentialId: string }[]).map((r) => r.credentialId).sort()).toEqual(
      copies.map((c) => c.id).sort(),
    );
    const record = await (
      await fetch(`${base}/credentials/${encodeURIComponent(copies[1]!.id)}`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json();
    expect(record).toMatchObject({ batch, copies: copies.map((c) => c.id) });
    const anchorer = new StatusPublisher(store, chain.deployment, chain.accounts.writers[0] as Signer);
    await anchorer.drain();
    p = { ...p, bundle: await bundleNow() };
    expect(copies.map((c) => verifyCredential(c.credential, p).reason)).toEqual(["revoked", "revoked", "revoked"]);
  });

  it("an offer redeemed with proofs gives one batch, even to ten racing requests; the wallet presents each copy once, then refuses", async () => {
    const offerUri = (await post("/offers", { type: "HealthCode", claims, format: "jwt_vc" })).json.offerUri as string;
    const code = JSON.parse(new URLSearchParams(offerUri.slice(offerUri.indexOf("?") + 1)).get("credential_offer")!)
      .grants[PRE_AUTHORIZED_GRANT]["pre-authorized_code"] as string;
    const tokenRes = (await (
      await fetch(`${base}${ENDPOINTS.token}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: PRE_AUTHORIZED_GRANT, "pre-authorized_code": code }).toString(),
      })
    ).json()) as { access_token: string; c_nonce: string };
    const now = await chain.networkHelpers.time.latest();
    const keys = Array.from({ length: 4 }, createHolderKey);
    const proofs = await Promise.all(
      keys.map((k) =>
        createHolderProof({ holder: k.did, signer: k.sign, audience: base, nonce: tokenRes.c_nonce, issuedAt: now }),
      ),
    );
    const before = await store.credentials.count();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        fetch(`${base}${ENDPOINTS.credential}`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${tokenRes.access_token}` },
          body: JSON.stringify({ proofs: { jwt: proofs } }),
        }).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { credentials?: { credential: string }[] },
        })),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, ...Array(9).fill(401)]);
    expect(answers.find((a) => a.status === 200)!.body.credentials).toHaveLength(4);
    expect((await store.credentials.count()) - before).toBe(4);

    // The wallet's own path: fresh keys, one proof each, the copies checked and kept with their keys.
    const wallet = new MemoryCredentialStore();
    const uri = (await post("/offers", { type: "HealthCode", claims })).json.offerUri as string;
    const received = await receiveCopies({
      offerUri: uri,
      keys: Array.from({ length: 2 }, createHolderKey),
      fetch,
      now,
      verify: { bundle: await bundleNow(), verifier: nativeVerifier },
      allowHttpLoopback: true,
    });
    for (const c of received) await wallet.put(c);
    expect(new Set(received.map((c) => c.id)).size).toBe(2);
    const bundle = await bundleNow();
    const used: string[] = [];
    for (let i = 0; i < 2; i++) {
      const all = await wallet.list();
      const entry = walletEntries(all);
      expect(entry).toHaveLength(1);
      expect(entry[0]).toMatchObject({ copies: 2, unused: 2 - i });
      const copy = nextCopy(all, entry[0]!.credential) as StoredCredential;
      const vp = await present(copy.jwt, copyKey(copy.copy!), now, { region: "CN-SH" });
      expect(verifyPresentation(vp, { bundle, region: "CN-SH", now, verifier: nativeVerifier }).verdict).toBe("accept");
      expect(verifyPresentation(vp, { bundle, region: "CN-SH", now, verifier: nativeVerifier }).holder).toBeDefined();
      await wallet.put({ ...copy, copy: { ...copy.copy!, used: true } });
      used.push(copy.id);
    }
    expect(new Set(used).size).toBe(2);
    expect(nextCopy(await wallet.list(), received[0]!)).toBeUndefined();
  });

  it("no claim, time, index or key links two copies of a batch: each copy's times are its own, none before the key or the accreditation, none after issuance", async () => {
    // Two hours after seeding: the key and the accreditation have been in force for longer than the widest spread.
    await chain.networkHelpers.time.increase(7200);
    const later = await startIssuerService(chain, 0, { keyValidSince: seededAt });
    const operator = (await later.store.operators.create("issuer", ["issue"])).token;
    try {
      for (const format of ["jwt_vc", "sd_jwt_vc"] as const) {
        const keys = Array.from({ length: 5 }, createHolderKey);
        const before = later.now();
        const res = await fetch(`${later.url}/credentials`, {
          method: "POST",
          headers: { authorization: `Bearer ${operator}`, "content-type": "application/json" },
          body: JSON.stringify({ type: "HealthCode", subjects: keys.map((k) => k.did), claims, format }),
        });
        expect(res.status).toBe(201);
        const { copies } = (await res.json()) as { copies: Copy[] };
        const seen = copies.map((c) => sightings(c.credential));
        for (let i = 0; i < seen.length; i++) {
          for (let j = i + 1; j < seen.length; j++) {
            const shared = [...seen[i]!.keys()].filter(
              (leaf) => seen[j]!.has(leaf) && !CONTENT.test(seen[i]!.get(leaf)!),
            );
            expect(shared, `${format}: copies ${i} and ${j} share`).toEqual([]);
          }
        }
        const times = copies.map((c) => {
          const { payload } = decodeJwt(c.credential.split("~")[0]!);
          return { iat: payload.iat as number, nbf: payload.nbf as number, exp: payload.exp as number };
        });
        for (const t of times) {
          expect(t.iat).toBeGreaterThanOrEqual(Math.max(seededAt, before - 3600));
          expect(t.iat).toBeLessThanOrEqual(later.now());
          expect(t.nbf).toBe(t.iat);
          expect(t.exp - t.iat).toBe(86_400);
        }
        // Each copy verifies now, with the default skew: not before the key's window nor the accreditation's.
        const now = await chain.networkHelpers.time.latest();
        const p = { bundle: await bundleNow(), region: "CN-SH", now, verifier: nativeVerifier };
        expect(copies.map((c) => verifyCredential(c.credential, p).verdict)).toEqual(copies.map(() => "accept"));
      }
    } finally {
      later.server.close();
    }
  });
});
