/**
 * The issuer service's two formats over HTTP on an in-process chain: one record signed as jwt_vc
 * and SD-JWT VC on the same status bits; offers that name a format or leave it to the wallet;
 * each status list at one URL as a W3C credential or an IETF Token Status List token, which a
 * standard decoder (sd-jwt-js's) reads and which agrees bit for bit with the W3C list and the
 * chain after revocations and suspensions.
 */
import type { Server } from "node:http";
import { p256 } from "@noble/curves/nist.js";
import { getListFromStatusListJWT } from "@sd-jwt/jwt-status-list";
import type { Signer } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holderSigner, regionAudience } from "../../core/credential.ts";
import { p256DidKey } from "../../core/did.ts";
import { decodeJwt } from "../../core/jwt.ts";
import { isSdJwt } from "../../core/formats/sd-jwt-vc/sd-jwt.ts";
import { presentSdJwtVc } from "../../core/formats/sd-jwt-vc/sd-jwt-vc.ts";
import { bitstringToTokenStatusList, wordsToTokenStatusList } from "../../core/status-bits.ts";
import { decodeStatusList } from "../../core/status-list.ts";
import { decodeStatusListToken } from "../../core/token-status-list.ts";
import { verifyCredential, verifyPresentation } from "../../core/verify.ts";
import { connectLedger } from "../../services/chain/ledger.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import { StatusPublisher } from "../../services/issuer/publish.ts";
import type { IssuerStore } from "../../services/issuer/store.ts";
import { receiveOffer } from "../../wallet/receive.ts";
import { holderKeyFromSecret } from "../../wallet/holder.ts";
import { demoSchemas } from "../../scripts/context.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { startIssuerService } from "../helpers/issuer.ts";

let chain: SeededChain;
let store: IssuerStore;
let server: Server;
let base: string;
let token: string;
const holderSecret = p256.utils.randomSecretKey();
const holder = p256DidKey(p256.getPublicKey(holderSecret, false));

beforeAll(async () => {
  chain = await seededChain();
  ({ store, server, url: base } = await startIssuerService(chain, 0));
  token = (await store.operators.create("issuer", ["issue", "revoke"])).token;
});
afterAll(() => server?.close());

async function post(path: string, body: unknown) {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
const bundleNow = async () => (await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas })).bundle;
const claims = { healthStatus: "green", givenName: "Mei", familyName: "Li" };

describe("issuer service: jwt_vc and SD-JWT VC", () => {
  it("issues both formats of one record on the same status bits; revoking once rejects both; the token list agrees with the W3C list and the chain", async () => {
    const both = await post("/credentials", { type: "HealthCode", subject: holder, claims, format: "both" });
    expect(both.status).toBe(201);
    const { credential, sdJwtVc, id } = both.json as { credential: string; sdJwtVc: string; id: string };
    expect(isSdJwt(sdJwtVc)).toBe(true);
    const suspended = await post("/credentials", { type: "HealthCode", subject: holder, claims, format: "sd_jwt_vc" });
    const now = await chain.networkHelpers.time.latest();
    const params = async () => ({ bundle: await bundleNow(), region: "CN-SH", now, verifier: nativeVerifier });
    let p = await params();
    expect([verifyCredential(credential, p).verdict, verifyCredential(sdJwtVc, p).verdict]).toEqual([
      "accept",
      "accept",
    ]);

    expect((await post("/credentials/status", { action: "revoke", ids: [id] })).status).toBe(202);
    expect((await post("/credentials/status", { action: "suspend", ids: [suspended.json.id] })).status).toBe(202);
    await new StatusPublisher(store, chain.deployment, chain.accounts.writers[0] as Signer).drain();
    p = await params();
    expect([verifyCredential(credential, p).reason, verifyCredential(sdJwtVc, p).reason]).toEqual([
      "revoked",
      "revoked",
    ]);
    const presentation = await presentSdJwtVc({
      credential: suspended.json.credential as string,
      disclose: ["healthStatus"],
      signer: holderSigner(holderSecret),
      issuedAt: now,
      audience: regionAudience("CN-SH"),
    });
    expect(verifyPresentation(presentation, p).reason).toBe("suspended");

    const { status } = connectLedger(chain.deployment, chain.provider);
    for (const [listId, index] of [
      [
        (both.json.status as { revocation: { list: number; index: number } }).revocation.list,
        (both.json.status as { revocation: { index: number } }).revocation.index,
      ],
      [
        (suspended.json.status as { suspension: { list: number } }).suspension.list,
        (suspended.json.status as { suspension: { index: number } }).suspension.index,
      ],
    ] as [number, number][]) {
      const url = `${base}/status/31337/${listId}`;
      const w3c = await fetch(url);
      const ietf = await fetch(url, { headers: { accept: "application/statuslist+jwt" } });
      expect(ietf.headers.get("content-type")).toMatch(/^application\/statuslist\+jwt/);
      expect(ietf.headers.get("vary")).toMatch(/Accept/i);
      const tokenText = await ietf.text();
      const decoded = decodeStatusListToken(tokenText);
      expect(decoded.jwt.header).toMatchObject({ typ: "statuslist+jwt", alg: "ES256K" });
      expect(decoded.sub).toBe(url);
      // The agency's key signed it: the same check as the credentials (recover, compare with the bundle's delegate).
      const signer = [0, 1].map((r) =>
        nativeVerifier.recoverSecp256k1(decoded.jwt.signingInput, decoded.jwt.signature, r as 0 | 1),
      );
      expect(signer.some((k) => k !== null)).toBe(true);
      const standard = getListFromStatusListJWT(tokenText);
      expect(standard.getStatus(index)).toBe(1);
      expect(standard.getStatus(index + 1)).toBe(0);
      const vc = decodeJwt(await w3c.text()).payload.vc as { credentialSubject: { encodedList: string } };
      const words = (await status.getFunction("getWords")(listId, 0, 512)) as bigint[];
      // Bit for bit: the token's bytes = the W3C list's bytes with each byte's bits reversed = the chain's words.
      expect(decoded.bytes).toEqual(bitstringToTokenStatusList(decodeStatusList(vc.credentialSubject.encodedList)));
      expect(decoded.bytes).toEqual(wordsToTokenStatusList(words));
    }
  });

  it("offers: naming one format, or both for the wallet to choose", async () => {
    const key = holderKeyFromSecret(holderSecret);
    const offer = async (format?: string) =>
      (await post("/offers", { type: "HealthCode", claims, ...(format ? { format } : {}) })).json.offerUri as string;
    const verify = { bundle: await bundleNow(), verifier: nativeVerifier };
    const now = await chain.networkHelpers.time.latest();
    const either = await offer();
    expect(decodeURIComponent(either)).toContain('"credential_configuration_ids":["HealthCode","HealthCode.sd-jwt"]');
    const sd = await receiveOffer({
      offerUri: either,
      key,
      fetch,
      now,
      verify,
      format: "sd_jwt_vc",
      allowHttpLoopback: true,
    });
    expect([isSdJwt(sd.jwt), sd.type]).toEqual([true, "HealthCode"]);
    const plain = await receiveOffer({
      offerUri: await offer("jwt_vc"),
      key,
      fetch,
      now,
      verify,
      format: "sd_jwt_vc",
      allowHttpLoopback: true,
    });
    expect(isSdJwt(plain.jwt)).toBe(false); // the offer named jwt_vc only: the wallet asked for what it named
    const only = await offer("sd_jwt_vc");
    expect(decodeURIComponent(only)).toContain('"credential_configuration_ids":["HealthCode.sd-jwt"]');
    expect(
      isSdJwt((await receiveOffer({ offerUri: only, key, fetch, now, verify, allowHttpLoopback: true })).jwt),
    ).toBe(true);
    const meta = (await (await fetch(`${base}/.well-known/openid-credential-issuer`)).json()) as {
      credential_configurations_supported: Record<string, { format: string; vct?: string }>;
    };
    expect(meta.credential_configurations_supported["HealthCode.sd-jwt"]).toMatchObject({
      format: "dc+sd-jwt",
      vct: "HealthCode",
    });
  });
});
