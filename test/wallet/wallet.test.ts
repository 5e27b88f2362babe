import { mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TrustBundle } from "../../core/bundle.ts";
import { verifyPresentation } from "../../core/verify.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import type { IssuerStore } from "../../services/issuer/store.ts";
import { FileWallet } from "../../wallet/file-store.ts";
import { createHolderKey } from "../../wallet/holder.ts";
import { present } from "../../wallet/present.ts";
import { checkReceived, parseOffer, receiveOffer } from "../../wallet/receive.ts";
import { demoSchemas } from "../../scripts/context.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { startIssuerService } from "../helpers/issuer.ts";

let chain: SeededChain;
let issuer: { store: IssuerStore; server: Server; url: string; now: () => number };
let bundle: TrustBundle;
let operator: string;
const dir = mkdtempSync(join(tmpdir(), "laissez-wallet-"));
// A new connection per request: the wallet's scrypt blocks this process (and the in-process
// issuer) for seconds, past the server's keep-alive timeout, and a pooled socket reused at that
// moment is reset by the server: a race of the test's layout, not of the wallet.
const noReuse = new Agent({ pipelining: 0 });
const fetch = ((input: string, init?: RequestInit) =>
  undiciFetch(input, { ...(init as object), dispatcher: noReuse })) as unknown as typeof globalThis.fetch;

beforeAll(async () => {
  chain = await seededChain();
  issuer = await startIssuerService(chain, 0);
  operator = (await issuer.store.operators.create("desk", ["issue"])).token;
  ({ bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas }));
});
afterAll(() => issuer?.server.close());

async function offer(claims: object): Promise<string> {
  const res = await fetch(`${issuer.url}/offers`, {
    method: "POST",
    headers: { authorization: `Bearer ${operator}`, "content-type": "application/json" },
    body: JSON.stringify({ type: "HealthCode", claims }),
  });
  return ((await res.json()) as { offerUri: string }).offerUri;
}

describe("the citizen's wallet", () => {
  it("receives an offer, keeps it encrypted at rest, and presents it to a checkpoint that accepts", async () => {
    const key = createHolderKey();
    const path = join(dir, "wallet-1.json");
    const wallet = FileWallet.create(path, "correct horse battery staple", key.secret);
    const now = issuer.now();
    const received = await receiveOffer({
      offerUri: await offer({ healthStatus: "green" }),
      key: wallet.key,
      fetch,
      now,
      verify: { bundle, verifier: nativeVerifier },
      allowHttpLoopback: true,
    });
    await wallet.put(received);
    expect(received).toMatchObject({ type: "HealthCode", issuer: { region: "CN-ZJ" } });

    const reopened = FileWallet.open(path, "correct horse battery staple");
    expect(reopened.key.did).toBe(key.did);
    const [stored] = await reopened.list();
    expect(stored!.id).toBe(received.id);
    expect(() => FileWallet.open(path, "wrong")).toThrow(/wrong passphrase/);
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(path, "utf8")).not.toContain("green");

    const vp = await present(stored!.jwt, reopened.key, now, { region: "CN-SH" });
    const v = verifyPresentation(vp, { bundle, region: "CN-SH", now, verifier: nativeVerifier });
    expect([v.verdict, v.presentation, v.claims]).toEqual([
      "accept",
      { mode: "static", issuedAt: now, audience: "urn:laissez:region:CN-SH" },
      { healthStatus: "green" },
    ]);
    // The same static QR shown in another region is refused.
    expect(verifyPresentation(vp, { bundle, region: "CN-ZJ", now, verifier: nativeVerifier }).reason).toBe(
      "wrong_audience",
    );
    const challenged = await present(stored!.jwt, reopened.key, now, { audience: "gate-1", nonce: "n-123" });
    expect(
      verifyPresentation(challenged, {
        bundle,
        region: "CN-SH",
        now,
        verifier: nativeVerifier,
        challenge: { audience: "gate-1", nonce: "n-123" },
      }).verdict,
    ).toBe("accept");
  });

  it("backs up and restores under a separate passphrase", async () => {
    const wallet = FileWallet.create(join(dir, "wallet-2.json"), "pass-a", createHolderKey().secret);
    await wallet.put(
      await receiveOffer({
        offerUri: await offer({ healthStatus: "yellow" }),
        key: wallet.key,
        fetch,
        now: issuer.now(),
        verify: { bundle, verifier: nativeVerifier },
        allowHttpLoopback: true,
      }),
    );
    const backup = wallet.backup("backup-pass");
    const restored = FileWallet.restore(join(dir, "wallet-3.json"), backup, "backup-pass", "pass-c");
    expect(restored.key.did).toBe(wallet.key.did);
    expect(await restored.list()).toEqual(await wallet.list());
    expect(() => FileWallet.restore(join(dir, "wallet-4.json"), backup, "nope", "x")).toThrow(/wrong passphrase/);
  });

  it("refuses a used offer, a malformed offer, and a credential that names another holder", async () => {
    const uri = await offer({ healthStatus: "green" });
    const key = createHolderKey();
    await receiveOffer({
      offerUri: uri,
      key,
      fetch,
      now: issuer.now(),
      verify: { bundle, verifier: nativeVerifier },
      allowHttpLoopback: true,
    });
    await expect(
      receiveOffer({
        offerUri: uri,
        key,
        fetch,
        now: issuer.now(),
        verify: { bundle, verifier: nativeVerifier },
        allowHttpLoopback: true,
      }),
    ).rejects.toMatchObject({ code: "offer_refused" });
    expect(() => parseOffer("openid-credential-offer://?credential_offer=%7B%7D")).toThrow(/not a credential offer/);
    const someoneElses = await receiveOffer({
      offerUri: await offer({ healthStatus: "red" }),
      key,
      fetch,
      now: issuer.now(),
      verify: { bundle, verifier: nativeVerifier },
      allowHttpLoopback: true,
    });
    expect(() =>
      checkReceived(someoneElses.jwt, createHolderKey().did, {
        now: issuer.now(),
        verify: { bundle, verifier: nativeVerifier },
      }),
    ).toThrow(/another holder/);
    const tampered = someoneElses.jwt.slice(0, -4) + (someoneElses.jwt.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect(() =>
      checkReceived(tampered, key.did, { now: issuer.now(), verify: { bundle, verifier: nativeVerifier } }),
    ).toThrow(/does not verify/);
  });
});
