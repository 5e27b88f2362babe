import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { p256 } from "@noble/curves/nist.js";
import type { Signer } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSignedBundle } from "../../core/bundle-codec.ts";
import { issuerKey } from "../../core/credential.ts";
import { ethrDid, p256DidKey } from "../../core/did.ts";
import { signerAddress, type KeySigner } from "../../core/signer.ts";
import { verifyCredential } from "../../core/verify.ts";
import { BundleKeeper } from "../../services/checkpoint/keeper.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { KeySignerAccount } from "../../services/chain/key-account.ts";
import { openKeySigner } from "../../services/crypto/key-source.ts";
import { httpSigner } from "../../services/crypto/http-signer.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import { Anchorer } from "../../services/issuer/anchor.ts";
import type { IssuerStore } from "../../services/issuer/store.ts";
import { demoSchemas } from "../../scripts/context.ts";
import { agencySigningKey, agencyStatusWriterKey, DEMO_METHODS, demoAuthorityKey, demoBundleSignerKey, demoDelegation } from "../../scripts/demo/consortium.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { startIssuerService } from "../helpers/issuer.ts";
import { ROOT } from "../helpers/processes.ts";

/**
 * The signer interface with a second implementation (issue 14): the keys live in another
 * process (`laissez signer serve`, standing in for an HSM or a KMS gateway) and the services
 * sign through it over loopback HTTP — credentials, status transactions, bundles.
 */
const TOKEN = "test-signer-token-0123456789";
let chain: SeededChain;
let child: ChildProcess;
let url: string;
let issuer: { store: IssuerStore; server: Server; url: string };

beforeAll(async () => {
  chain = await seededChain();
  const dir = mkdtempSync(join(tmpdir(), "laissez-signer-"));
  const keys = join(dir, "keys.json");
  writeFileSync(keys, JSON.stringify({
    credential: { alg: "ES256K", privateKey: agencySigningKey(0).privateKey },
    writer: { alg: "ES256K", privateKey: agencyStatusWriterKey(0).privateKey },
    bundle: { alg: "ES256K", privateKey: demoBundleSignerKey("CN-SH").privateKey },
  }));
  child = spawn(process.execPath, ["scripts/laissez.ts", "signer", "serve", "--keys", keys, "--port", "0"], { cwd: ROOT, env: { ...process.env, LAISSEZ_SIGNER_TOKEN: TOKEN }, stdio: ["ignore", "pipe", "inherit"] });
  url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`signer exited with ${code}`)));
    child.stdout!.once("data", (d: Buffer) => resolve((JSON.parse(d.toString()) as { url: string }).url));
  });
});
afterAll(() => {
  issuer?.server.close();
  if (child.exitCode === null) child.kill("SIGTERM");
});

const remote = (name: string): Promise<KeySigner> => httpSigner(`${url}/keys/${name}`, { token: TOKEN, timeoutMs: 2000 });

describe("signing through a signer in another process (an HSM stand-in)", () => {
  it("the issuer service issues with it: a credential a checkpoint accepts; revocation anchors with the remote status writer", async () => {
    const credential = await remote("credential");
    expect(signerAddress(credential)).toBe(agencySigningKey(0).address.toLowerCase());
    const did = ethrDid(31337, chain.agencies[0]!.address);
    issuer = await startIssuerService(chain, 0, { key: issuerKey(did, DEMO_METHODS.ES256K, credential) });
    const token = (await issuer.store.operators.create("ops", ["issue", "revoke"])).token;
    const holder = p256DidKey(p256.getPublicKey(p256.utils.randomSecretKey(), false));
    const post = (path: string, body: unknown) => fetch(`${issuer.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    const r = await post("/credentials", { type: "HealthCode", subject: holder, claims: { healthStatus: "green" } });
    expect(r.status).toBe(201);
    const { credential: jwt, id } = (await r.json()) as { credential: string; id: string };
    let { bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas });
    expect(verifyCredential(jwt, { bundle, region: "CN-SH", now: bundle.block.timestamp + 5, verifier: nativeVerifier }).verdict).toBe("accept");

    // The status writer's transactions go through the remote signer too (an ethers Signer over the interface).
    const writer = new KeySignerAccount(await remote("writer"), chain.provider);
    expect(writer.address).toBe(agencyStatusWriterKey(0).address);
    expect((await post("/credentials/status", { ids: [id], action: "revoke" })).status).toBe(202);
    await new Anchorer(issuer.store, chain.deployment, writer as Signer).drain();
    ({ bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas }));
    expect(verifyCredential(jwt, { bundle, region: "CN-SH", now: bundle.block.timestamp + 5, verifier: nativeVerifier }).reason).toBe("revoked");
  });

  it("a checkpoint's bundle signer key stays in the signer process: its bundles load at a checkpoint", async () => {
    const now = await chain.networkHelpers.time.latest();
    const keeper = new BundleKeeper({ provider: chain.provider, deployment: chain.deployment, schemas: demoSchemas, signerKey: await remote("bundle"), delegation: await demoDelegation("CN-SH", 31337, now), path: join(mkdtempSync(join(tmpdir(), "laissez-rb-")), "b.json"), region: "CN-SH" });
    await keeper.sync(now);
    const { state } = loadSignedBundle(keeper.current!.envelope, { chainId: 31337, authorities: [demoAuthorityKey("CN-SH").address] }, undefined, now);
    expect(state.authority).toBe(demoAuthorityKey("CN-SH").address.toLowerCase());
  });

  it("refuses at start a signer that is down, has another algorithm, or another token — naming the variable", async () => {
    await expect(openKeySigner("LAISSEZ_SIGNING_KEY", `${url}/keys/credential`, "EdDSA", { token: TOKEN })).rejects.toThrow(/LAISSEZ_SIGNING_KEY: .*holds an ES256K key/);
    await expect(openKeySigner("LAISSEZ_SIGNING_KEY", `${url}/keys/credential`, "ES256K", { token: "wrong-token-0123456789" })).rejects.toThrow(/LAISSEZ_SIGNING_KEY: .*HTTP 401/);
    await expect(openKeySigner("LAISSEZ_STATUS_WRITER_KEY", "http://127.0.0.1:1/keys/writer", "ES256K", { timeoutMs: 500 })).rejects.toThrow(/LAISSEZ_STATUS_WRITER_KEY: .*does not answer/);
    // A signer that answers with another key's signature is caught before anything is signed with it.
    const liar: KeySigner = { ...(await remote("credential")), publicKey: (await remote("writer")).publicKey };
    await expect(new KeySignerAccount(liar).signMessage("x")).rejects.toThrow(/does not recover/);
  });

  it("issuance answers 503 signer_unavailable, not 500, when the signer process is gone", async () => {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    const token = (await issuer.store.operators.create("ops2", ["issue"])).token;
    const holder = p256DidKey(p256.getPublicKey(p256.utils.randomSecretKey(), false));
    const r = await fetch(`${issuer.url}/credentials`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ type: "HealthCode", subject: holder, claims: { healthStatus: "green" } }) });
    expect([r.status, ((await r.json()) as { error: { code: string } }).error.code]).toEqual([503, "signer_unavailable"]);
  });
});
