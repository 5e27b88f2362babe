/**
 * A checkpoint asks for claims (issue 11): over real HTTP on an in-process chain, the CN-ZJ
 * agency's issuer service offers an SD-JWT VC health code, the wallet receives it (OpenID4VCI),
 * the CN-SH checkpoint service hands out a challenge asking only for `healthStatus`, the wallet
 * presents exactly that, and the checkpoint accepts with only that claim; a presentation that
 * withholds it is refused (`claims_not_disclosed`); a relay that drops the request from the
 * challenge is refused (`challenge_unknown`).
 */
import { mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getBytes } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nobleVerifier } from "../../core/crypto.ts";
import { decodeJwt } from "../../core/jwt.ts";
import { splitSdJwt } from "../../core/formats/sd-jwt-vc/sd-jwt.ts";
import { softwareSigner } from "../../core/signer.ts";
import { createCheckpointApp } from "../../services/checkpoint/app.ts";
import { BundleKeeper } from "../../services/checkpoint/keeper.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import { listen } from "../../services/http/server.ts";
import type { IssuerStore } from "../../services/issuer/store.ts";
import { demoSchemas } from "../../scripts/context.ts";
import { demoAuthorityKey } from "../../scripts/demo/consortium.ts";
import { createHolderKey } from "../../wallet/holder.ts";
import { disclosurePlan, present, type PresentationTarget } from "../../wallet/present.ts";
import { presentationQrText } from "../../wallet/qr.ts";
import { receiveOffer } from "../../wallet/receive.ts";
import type { StoredCredential } from "../../wallet/store.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { startIssuerService } from "../helpers/issuer.ts";

const AUDIENCE = "checkpoint:CN-SH:claims-test";
let chain: SeededChain;
let issuer: { store: IssuerStore; server: Server; url: string };
let checkpoint: Server;
let checkpointUrl: string;
let chainNow: number;
let stored: StoredCredential;
const holder = createHolderKey();

beforeAll(async () => {
  chain = await seededChain();
  chainNow = await chain.networkHelpers.time.latest();
  issuer = await startIssuerService(chain, 0);
  const token = (await issuer.store.operators.create("desk", ["issue"])).token;
  const offer = await fetch(`${issuer.url}/offers`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      type: "HealthCode",
      claims: { healthStatus: "green", givenName: "Mei", familyName: "Li" },
      format: "sd_jwt_vc",
    }),
  });
  expect(offer.status).toBe(201);
  const { offerUri } = (await offer.json()) as { offerUri: string };
  const { bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas });
  stored = await receiveOffer({
    offerUri,
    key: holder,
    fetch,
    now: chainNow,
    verify: { bundle, verifier: nobleVerifier },
    allowHttpLoopback: true,
  });

  const keeper = new BundleKeeper({
    provider: chain.provider,
    deployment: chain.deployment,
    schemas: demoSchemas,
    signerKey: softwareSigner("ES256K", getBytes(demoAuthorityKey("CN-SH").privateKey)),
    path: join(mkdtempSync(join(tmpdir(), "laissez-claims-")), "bundle.json"),
    region: "CN-SH",
  });
  await keeper.sync();
  const started = Math.floor(Date.now() / 1000);
  const now = (): number => chainNow + (Math.floor(Date.now() / 1000) - started);
  const { app } = createCheckpointApp({
    keeper,
    region: "CN-SH",
    chainId: 31337,
    checkpointId: AUDIENCE,
    verifier: nativeVerifier,
    now,
    log: () => {},
  });
  checkpoint = await listen(app, 0, "127.0.0.1");
  checkpointUrl = `http://127.0.0.1:${(checkpoint.address() as AddressInfo).port}`;
}, 120_000);
afterAll(() => {
  for (const s of [checkpoint, issuer?.server]) {
    s?.closeAllConnections();
    s?.close();
  }
});

interface Challenge {
  audience: string;
  nonce: string;
  expiresAt: number;
  claims: string[];
}
const askFor = async (query: string): Promise<{ status: number; body: Challenge & { error?: { code: string } } }> => {
  const res = await fetch(`${checkpointUrl}/challenges${query}`, { method: "POST" });
  return { status: res.status, body: (await res.json()) as never };
};
interface VerdictBody {
  verdict: string;
  reason: string | null;
  claims?: Record<string, unknown>;
  withheld?: number;
  checks: { code: string; ok: boolean; reason?: string }[];
  error?: { code: string };
}
async function verify(body: object): Promise<{ status: number; v: VerdictBody }> {
  const res = await fetch(`${checkpointUrl}/verify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, v: (await res.json()) as VerdictBody };
}
/** The wallet answers a challenge: it discloses what the challenge asks (or, given, `disclose`), as QR text. */
async function answer(
  c: Challenge,
  disclose?: readonly string[],
): Promise<{ text: string; plan: ReturnType<typeof disclosurePlan> }> {
  const target: PresentationTarget = { audience: c.audience, nonce: c.nonce, claims: c.claims };
  const plan = disclosurePlan(stored.jwt, undefined, disclose, target);
  const text = presentationQrText(
    await present(
      stored.jwt,
      holder,
      chainNow + 1,
      target,
      plan.disclosed.map((d) => d.name),
    ),
  );
  return { text, plan };
}

describe("a checkpoint's challenge asks for claims; the wallet discloses exactly those", () => {
  it("asks for healthStatus only: the wallet shows it alone, the checkpoint accepts and sees nothing else", async () => {
    const { status, body: c } = await askFor("?claims=healthStatus");
    expect([status, c.audience, c.claims]).toEqual([201, AUDIENCE, ["healthStatus"]]);
    const { text, plan } = await answer(c);
    expect(plan.disclosed.map((d) => d.name)).toEqual(["healthStatus"]);
    expect([...plan.withheld].sort()).toEqual(["familyName", "givenName"]);
    expect(text.startsWith("LZ2:")).toBe(true);
    const { status: s, v } = await verify({ presentation: text, nonce: c.nonce, claims: c.claims });
    expect([s, v.verdict, v.reason]).toEqual([200, "accept", null]);
    expect(v.claims).toEqual({ healthStatus: "green" });
    expect(v.withheld).toBeGreaterThanOrEqual(2);
    expect(v.checks.find((k) => k.code === "disclosure")).toMatchObject({ ok: true });
    // The issuer-signed part names the type; the holder's name travelled nowhere.
    expect(text).not.toMatch(/Mei|Li/);
    expect(decodeJwt(splitSdJwt(stored.jwt).issuerJwt).payload.vct).toBe("HealthCode");
  });

  it("refuses a presentation that withholds a requested claim, with claims_not_disclosed", async () => {
    const { body: c } = await askFor("?claims=healthStatus");
    const { text } = await answer(c, ["givenName"]);
    const { v } = await verify({ presentation: text, nonce: c.nonce, claims: c.claims });
    expect([v.verdict, v.reason]).toEqual(["reject", "claims_not_disclosed"]);
    expect(v.checks.find((k) => k.code === "disclosure")).toMatchObject({ ok: false, reason: "claims_not_disclosed" });
  });

  it("the requested claims are bound to the nonce: a relay that drops them gets challenge_unknown, not an accept", async () => {
    const { body: c } = await askFor("?claims=healthStatus,familyName");
    expect(c.claims).toEqual(["familyName", "healthStatus"]);
    const { text } = await answer({ ...c, claims: [] }, ["givenName"]);
    const dropped = await verify({ presentation: text, nonce: c.nonce });
    expect([dropped.status, dropped.v.error?.code]).toEqual([400, "challenge_unknown"]);
    const honest = await verify({ presentation: text, nonce: c.nonce, claims: c.claims });
    expect([honest.v.verdict, honest.v.reason]).toEqual(["reject", "claims_not_disclosed"]);
  });

  it("a challenge without claims takes what the holder chose; a malformed claims list is a 400", async () => {
    const { body: c } = await askFor("");
    expect(c.claims).toEqual([]);
    const { text } = await answer(c, ["givenName"]);
    const { v } = await verify({ presentation: text, nonce: c.nonce });
    expect([v.verdict, v.claims]).toEqual(["accept", { givenName: "Mei" }]);
    for (const bad of [
      "?claims=a%20b",
      `?claims=${Array.from({ length: 17 }, (_, i) => `c${i}`).join(",")}`,
      "?claims=__proto__,x;y",
    ]) {
      const { status, body } = await askFor(bad);
      expect([status, body.error?.code]).toEqual([400, "invalid_request"]);
    }
    const noNonce = await verify({ presentation: text, claims: ["healthStatus"] });
    expect([noNonce.status, noNonce.v.error?.code]).toEqual([400, "invalid_request"]);
  });
});
