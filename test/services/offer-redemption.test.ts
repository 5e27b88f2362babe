/**
 * Offer redemption under a failing signer (issue 22 item 7): one redemption, one outcome. The
 * credential key is a real software signer that stops signing after N signatures (as a remote
 * signer or HSM going down mid-batch does); the store is the real one. With the signer down the
 * wallet gets 503 and the offer stays redeemable; the retry gets the same batch — the same
 * records, not a second set — bound to the keys the retry proves.
 */
import type { Server } from "node:http";
import { getBytes } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createHolderProof,
  decodeJwt,
  ENDPOINTS,
  ethrDid,
  issuerKey,
  type KeySigner,
  PRE_AUTHORIZED_GRANT,
  SignerError,
  softwareSigner,
} from "../../core/index.ts";
import type { SqliteIssuerStore } from "../../services/issuer/store.ts";
import { agencyControllerKey, agencySigningKey, DEMO_METHODS } from "../../scripts/demo/consortium.ts";
import { createHolderKey, type SoftwareHolderKey } from "../../wallet/holder.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { readRows, startIssuerService } from "../helpers/issuer.ts";

/** The agency's credential key, signing until `failAfter` more signatures have been made (then it answers like a signer that is down). */
function faultySigner(agency: number) {
  const inner = softwareSigner("ES256K", getBytes(agencySigningKey(agency).privateKey));
  const state = { budget: Infinity };
  const signer: KeySigner = {
    alg: inner.alg,
    publicKey: inner.publicKey,
    async sign(input) {
      if (state.budget <= 0) throw new SignerError("the remote signer does not answer");
      state.budget--;
      return inner.sign(input);
    },
  };
  return { signer, failAfter: (n: number) => void (state.budget = n), heal: () => void (state.budget = Infinity) };
}

let chain: SeededChain;
let store: SqliteIssuerStore;
let server: Server;
let base: string;
let now: () => number;
let operator: string;
const faulty = faultySigner(0);

beforeAll(async () => {
  chain = await seededChain();
  ({
    store,
    server,
    url: base,
    now,
  } = await startIssuerService(chain, 0, {
    key: issuerKey(ethrDid(31337, agencyControllerKey(0).address), DEMO_METHODS.ES256K, faulty.signer),
  }));
  operator = (await store.operators.create("issuer", ["issue"])).token;
});
afterAll(() => server?.close());

/** An operator's offer, its code exchanged for a token: what a wallet holds before the credential request. */
async function offerToken(): Promise<{ access_token: string; c_nonce: string }> {
  const res = await fetch(`${base}/offers`, {
    method: "POST",
    headers: { authorization: `Bearer ${operator}`, "content-type": "application/json" },
    body: JSON.stringify({ type: "HealthCode", claims: { healthStatus: "green" }, format: "jwt_vc" }),
  });
  const uri = ((await res.json()) as { offerUri: string }).offerUri;
  const code = JSON.parse(new URLSearchParams(uri.slice(uri.indexOf("?") + 1)).get("credential_offer")!).grants[
    PRE_AUTHORIZED_GRANT
  ]["pre-authorized_code"] as string;
  const body = new URLSearchParams({ grant_type: PRE_AUTHORIZED_GRANT, "pre-authorized_code": code }).toString();
  return (await (
    await fetch(`${base}${ENDPOINTS.token}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    })
  ).json()) as { access_token: string; c_nonce: string };
}

async function redeem(t: { access_token: string; c_nonce: string }, keys: SoftwareHolderKey[], batch = true) {
  const proofs = await Promise.all(
    keys.map((k) =>
      createHolderProof({ holder: k.did, signer: k.sign, audience: base, nonce: t.c_nonce, issuedAt: now() }),
    ),
  );
  const request = batch ? { proofs: { jwt: proofs } } : { proof: { proof_type: "jwt", jwt: proofs[0] } };
  const res = await fetch(`${base}${ENDPOINTS.credential}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${t.access_token}` },
    body: JSON.stringify(request),
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      credentials?: { credential: string }[];
      credential?: string;
      error?: { code: string };
    },
  };
}

const credentialCount = () => store.credentials.count();

describe("offer redemption with the signer failing mid-batch", () => {
  it("503, the offer stays redeemable, and the retry gets the same batch (no second set of records), bound to the keys it proves", async () => {
    const t = await offerToken();
    const before = await credentialCount();
    faulty.failAfter(5);
    const failed = await redeem(t, Array.from({ length: 20 }, createHolderKey));
    expect([failed.status, failed.body.error?.code]).toEqual([503, "signer_unavailable"]);
    const recorded = readRows<{ id: string }>(store.path, "SELECT id FROM credentials ORDER BY id");
    faulty.failAfter(3);
    expect((await redeem(t, Array.from({ length: 20 }, createHolderKey))).status).toBe(503);
    faulty.heal();
    // The wallet's retry, with keys it made anew: the batch recorded at the first attempt, each copy naming the new key.
    const keys = Array.from({ length: 20 }, createHolderKey);
    const retry = await redeem(t, keys);
    expect(retry.status).toBe(200);
    const copies = retry.body.credentials!.map((c) => decodeJwt(c.credential).payload as { sub: string; jti: string });
    expect(copies.map((c) => c.sub)).toEqual(keys.map((k) => k.did));
    expect((await credentialCount()) - before).toBe(20);
    expect(new Set(copies.map((c) => c.jti)).size).toBe(20);
    for (const c of copies) expect(recorded.map((r) => r.id)).toContain(c.jti);
    // Redeemed: one outcome, the offer is used.
    expect((await redeem(t, keys)).status).toBe(401);
  });

  it("the same for a single credential (proof): the retry gets the record made at the first attempt", async () => {
    const t = await offerToken();
    const before = await credentialCount();
    faulty.failAfter(0);
    expect((await redeem(t, [createHolderKey()], false)).status).toBe(503);
    faulty.heal();
    const key = createHolderKey();
    const retry = await redeem(t, [key], false);
    expect(retry.status).toBe(200);
    expect((decodeJwt(retry.body.credential!).payload as { sub: string }).sub).toBe(key.did);
    expect((await credentialCount()) - before).toBe(1);
  });

  it("a retry in another shape (another number of copies) is refused and leaves the offer redeemable as first asked", async () => {
    const t = await offerToken();
    faulty.failAfter(1);
    expect((await redeem(t, Array.from({ length: 3 }, createHolderKey))).status).toBe(503);
    faulty.heal();
    expect((await redeem(t, Array.from({ length: 4 }, createHolderKey))).status).toBe(409);
    expect((await redeem(t, Array.from({ length: 3 }, createHolderKey))).status).toBe(200);
  });
});
