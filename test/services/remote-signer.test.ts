import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { Wallet, type Signer } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSignedBundle, signDelegation, signEnvelope } from "../../core/bundle-codec.ts";
import { issuerKey } from "../../core/credential.ts";
import { ethrDid, p256DidKey } from "../../core/did.ts";
import { base64urlDecode, utf8 } from "../../core/encoding.ts";
import { probeSigner, signerAddress, softwareSigner, type KeySigner } from "../../core/signer.ts";
import { verifyCredential } from "../../core/verify.ts";
import { VERI_KEY } from "../../services/chain/consortium.ts";
import { KeySignerAccount } from "../../services/chain/key-account.ts";
import { regionId } from "../../services/chain/ids.ts";
import { connectLedger } from "../../services/chain/ledger.ts";
import { BundleKeeper } from "../../services/checkpoint/keeper.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { openKeySigner } from "../../services/crypto/key-source.ts";
import { generatePkcs11Key, Pkcs11Session, pkcs11Signer } from "../../services/crypto/pkcs11-signer.ts";
import { httpSigner } from "../../services/crypto/http-signer.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import { StatusPublisher } from "../../services/issuer/publish.ts";
import type { IssuerStore } from "../../services/issuer/store.ts";
import { verifySignatureLog } from "../../services/signer/signature-log.ts";
import { demoSchemas } from "../../scripts/context.ts";
import { DEMO_METHODS, demoAuthorityKey } from "../../scripts/demo/consortium.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { startIssuerService } from "../helpers/issuer.ts";
import { caller, keygen, softhsmToken, startSignerProcess, writeSignerConfig } from "../helpers/signer.ts";

/**
 * The signer interface with a second implementation (issues 14, 22): the keys live in another
 * process (`laissez signer serve`) and the services sign through it over loopback HTTP —
 * credentials, status transactions, bundles. Written once, run over both backends: software
 * keys in the signer's config, and keys generated inside a PKCS#11 token (SoftHSM2, a token
 * initialised here in a temp directory; the keys never leave it).
 */
const ISSUER = "issuer-service-token-0123456789";
const CHECKPOINT = "checkpoint-service-token-0123456789";
const hex32 = () => Wallet.createRandom().privateKey;

const backends = [
  {
    backend: "software",
    source: async (): Promise<{
      keySource: (name: string) => Record<string, string>;
      pkcs11?: Record<string, string>;
      env: NodeJS.ProcessEnv;
    }> => ({ keySource: () => ({ privateKey: hex32() }), env: {} }),
  },
  {
    backend: "pkcs11 (SoftHSM2)",
    source: async () => {
      const token = await softhsmToken(mkdtempSync(join(tmpdir(), "laissez-hsm-")));
      return {
        keySource: (name: string) => ({ pkcs11Label: `laissez-${name}` }),
        pkcs11: token.pkcs11,
        env: token.env,
      };
    },
  },
];

describe.each(backends)("signing through a signer in another process: $backend keys", ({ source }) => {
  let chain: SeededChain;
  let signer: Awaited<ReturnType<typeof startSignerProcess>>;
  let dir: string;
  let issuer: { store: IssuerStore; server: Server; url: string } | undefined;
  const agency = () => chain.agencies[0]!;
  const remote = (name: string, token = ISSUER): Promise<KeySigner> =>
    httpSigner(`${signer.url}/keys/${name}`, { token, timeoutMs: 5000 });

  beforeAll(async () => {
    chain = await seededChain();
    dir = mkdtempSync(join(tmpdir(), "laissez-signer-"));
    const { keySource, pkcs11, env } = await source();
    const did = ethrDid(31337, agency().address);
    const configPath = writeSignerConfig(dir, {
      keys: {
        credential: { alg: "ES256K", ...keySource("credential"), purposes: ["credential"], issuer: did },
        ed: { alg: "EdDSA", ...keySource("ed"), purposes: ["credential"], issuer: did },
        writer: { alg: "ES256K", ...keySource("writer"), purposes: ["status-writer"], agency: agency().address },
        bundle: { alg: "ES256K", ...keySource("bundle"), purposes: ["bundle"], region: "CN-SH" },
      },
      callers: { issuer: caller(ISSUER, ["credential", "ed", "writer"]), checkpoint: caller(CHECKPOINT, ["bundle"]) },
      contracts: {
        chainId: 31337,
        trustRegistry: chain.deployment.trustRegistry,
        statusRegistry: chain.deployment.statusRegistry,
        didRegistry: chain.deployment.didRegistry,
      },
      ...(pkcs11 ? { pkcs11 } : {}),
    });
    if (pkcs11) for (const name of ["credential", "ed", "writer", "bundle"]) await keygen(configPath, name, env);
    signer = await startSignerProcess(configPath, env);
    // The agency's identity owner makes the signer's keys its credential delegate and status writer; the region authority adds the bundle signer.
    const owner = chain.as(chain.accounts.controllers[0] as Signer);
    const writer = signerAddress(await remote("writer"));
    await (
      await owner.did.getFunction("addDelegate")(
        agency().address,
        VERI_KEY,
        signerAddress(await remote("credential")),
        86400 * 30,
      )
    ).wait();
    await (await owner.trust.getFunction("setStatusWriter")(agency().address, writer)).wait();
    await (await chain.funder.sendTransaction({ to: writer, value: 10n ** 18n })).wait();
    const now = await chain.networkHelpers.time.latest();
    await (
      await chain.as(chain.accounts.authorities[1] as Signer).trust.getFunction("addBundleSigner")(
        regionId("CN-SH"),
        signerAddress(await remote("bundle", CHECKPOINT)),
        now - 60,
        now + 86400 * 30,
      )
    ).wait();
  });
  afterAll(async () => {
    issuer?.server.close();
    await signer?.stop();
  });

  it("the issuer service issues with it: a credential a checkpoint accepts; revocation anchors with the remote status writer", async () => {
    const credential = await remote("credential");
    const did = ethrDid(31337, agency().address);
    let { bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas });
    const { verificationMethodOf } = await import("../../core/bundle.ts");
    const method = verificationMethodOf(bundle, agency().address, { address: signerAddress(credential) }) as string;
    issuer = await startIssuerService(chain, 0, { key: issuerKey(did, method, credential) });
    const token = (await issuer.store.operators.create("ops", ["issue", "revoke"])).token;
    const holder = p256DidKey(p256.getPublicKey(p256.utils.randomSecretKey(), false));
    const post = (path: string, body: unknown) =>
      fetch(`${issuer!.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const r = await post("/credentials", { type: "HealthCode", subject: holder, claims: { healthStatus: "green" } });
    expect(r.status).toBe(201);
    const { credential: jwt, id } = (await r.json()) as { credential: string; id: string };
    expect(
      verifyCredential(jwt, { bundle, region: "CN-SH", now: bundle.block.timestamp + 5, verifier: nativeVerifier })
        .verdict,
    ).toBe("accept");

    // The status writer's transactions go through the remote signer too (an ethers Signer over the interface).
    const writer = new KeySignerAccount(await remote("writer"), chain.provider);
    expect((await post("/credentials/status", { ids: [id], action: "revoke" })).status).toBe(202);
    await new StatusPublisher(issuer.store, chain.deployment, writer as Signer).drain();
    ({ bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas }));
    expect(
      verifyCredential(jwt, { bundle, region: "CN-SH", now: bundle.block.timestamp + 5, verifier: nativeVerifier })
        .reason,
    ).toBe("revoked");
  });

  it("an Ed25519 key signs a credential JWT that verifies under its public key", async () => {
    const ed = await remote("ed");
    expect([ed.alg, ed.publicKey.length]).toEqual(["EdDSA", 32]);
    const { createJWS } = await import("did-jwt");
    const jws = await createJWS(
      { iss: ethrDid(31337, agency().address), vc: { type: ["VerifiableCredential"] } },
      issuerKey(ethrDid(31337, agency().address), DEMO_METHODS.EdDSA, ed).signer,
      { alg: "EdDSA", typ: "vc+jwt" as "JWT" },
    );
    const [h, p, s] = jws.split(".") as [string, string, string];
    expect(ed25519.verify(base64urlDecode(s as string), utf8(`${h}.${p}`), ed.publicKey)).toBe(true);
  });

  it("a checkpoint's bundle signer key stays in the signer process: its bundles load at a checkpoint", async () => {
    const now = await chain.networkHelpers.time.latest();
    const key = await remote("bundle", CHECKPOINT);
    const delegation = await signDelegation(
      { chainId: 31337, region: "CN-SH", signer: signerAddress(key), validFrom: now - 86400, validUntil: now + 86400 },
      softwareSigner("ES256K", Buffer.from(demoAuthorityKey("CN-SH").privateKey.slice(2), "hex")),
    );
    const keeper = new BundleKeeper({
      provider: chain.provider,
      deployment: chain.deployment,
      schemas: demoSchemas,
      signerKey: key,
      delegation,
      path: join(dir, "b.json"),
      region: "CN-SH",
    });
    await keeper.sync(now);
    const { state } = loadSignedBundle(
      keeper.current!.envelope,
      { chainId: 31337, authorities: [demoAuthorityKey("CN-SH").address] },
      undefined,
      now,
    );
    expect(state.authority).toBe(demoAuthorityKey("CN-SH").address.toLowerCase());
  });

  it("each key signs only within its purposes, and a caller sees only its own keys", async () => {
    const credential = new KeySignerAccount(await remote("credential"), chain.provider);
    const writer = new KeySignerAccount(await remote("writer"), chain.provider);
    const ledger = (s: KeySignerAccount) => connectLedger(chain.deployment, s as Signer);
    // A fixed gas limit: no estimate, so the chain does not refuse first — the signer must.
    const noEstimate = { gasLimit: 300_000 };
    // A credential key never signs a transaction; a status writer never touches the DID registry, another agency's lists, or a JWT.
    await expect(
      ledger(credential).status.getFunction("anchorAudit")(agency().address, 1, `0x${"11".repeat(32)}`, noEstimate),
    ).rejects.toThrow(/HTTP 403/);
    await expect(
      ledger(writer).did.getFunction("addDelegate")(
        agency().address,
        VERI_KEY,
        Wallet.createRandom().address,
        86400,
        noEstimate,
      ),
    ).rejects.toThrow(/HTTP 403/);
    await expect(
      ledger(writer).status.getFunction("anchorAudit")(
        chain.agencies[1]!.address,
        1,
        `0x${"11".repeat(32)}`,
        noEstimate,
      ),
    ).rejects.toThrow(/HTTP 403/);
    await expect(issuerKey("did:x", "k", await remote("writer")).signer("e30.e30")).rejects.toThrow(/HTTP 403/);
    // A credential key signs credentials of its own issuer only.
    const { createJWS } = await import("did-jwt");
    await expect(
      createJWS(
        { iss: ethrDid(31337, chain.agencies[1]!.address), vc: {} },
        issuerKey("x", "k", await remote("credential")).signer,
        { alg: "ES256K", typ: "vc+jwt" as "JWT" },
      ),
    ).rejects.toThrow(/HTTP 403/);
    // The checkpoint's token does not open the issuer's keys, nor the issuer's the bundle key: as if absent.
    await expect(remote("credential", CHECKPOINT)).rejects.toThrow(/HTTP 404/);
    await expect(remote("bundle", ISSUER)).rejects.toThrow(/HTTP 404/);
  });

  it("keeps an append-only, hash-chained log line for every signature: key, purpose, digest, caller, time", async () => {
    const log = join(dir, "signatures.jsonl");
    const lines = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, string>);
    expect(verifySignatureLog(log)).toEqual({ entries: lines.length });
    const purposes = new Set(lines.map((l) => `${l.key}:${l.purpose}:${l.caller}`));
    for (const p of [
      "credential:credential:issuer",
      "writer:status-writer:issuer",
      "bundle:bundle:checkpoint",
      "ed:credential:issuer",
    ])
      expect(purposes).toContain(p);
    for (const l of lines) {
      expect(l.digest).toMatch(/^0x[0-9a-f]{64}$/);
      expect(Date.parse(l.time!)).toBeGreaterThan(Date.now() - 600_000);
    }
    // A line changed afterwards (here in a copy) breaks the chain from that line on.
    const copy = join(dir, "copy.jsonl");
    const tampered = readFileSync(log, "utf8").split("\n");
    tampered[1] = tampered[1]!.replace(/"caller":"[a-z]+"/, '"caller":"nobody"');
    writeFileSync(copy, tampered.join("\n"));
    expect(verifySignatureLog(copy)).toEqual({ entries: 2, brokenAt: 3 });
    // Nothing refused was signed: no line for the writer's DID call.
    expect(
      lines.filter((l) => l.key === "writer").every((l) => l.purpose === "status-writer" || l.purpose === "probe"),
    ).toBe(true);
  });

  it("refuses at start a signer that is down, has another algorithm, or another token — naming the variable", async () => {
    await expect(
      openKeySigner("LAISSEZ_SIGNING_KEY", `${signer.url}/keys/credential`, "EdDSA", { token: ISSUER }),
    ).rejects.toThrow(/LAISSEZ_SIGNING_KEY: .*holds an ES256K key/);
    await expect(
      openKeySigner("LAISSEZ_SIGNING_KEY", `${signer.url}/keys/credential`, "ES256K", {
        token: "wrong-token-0123456789",
      }),
    ).rejects.toThrow(/LAISSEZ_SIGNING_KEY: .*HTTP 401/);
    await expect(
      openKeySigner("LAISSEZ_STATUS_WRITER_KEY", "http://127.0.0.1:1/keys/writer", "ES256K", {
        token: ISSUER,
        timeoutMs: 500,
      }),
    ).rejects.toThrow(/LAISSEZ_STATUS_WRITER_KEY: .*does not answer/);
    // A signer that answers with another key's signature is caught before anything is signed with it.
    const liar: KeySigner = { ...(await remote("bundle", CHECKPOINT)), publicKey: (await remote("writer")).publicKey };
    const scope = {
      region: "CN-SH",
      chainId: 31337,
      contracts: {
        trustRegistry: chain.deployment.trustRegistry,
        statusRegistry: chain.deployment.statusRegistry,
        didRegistry: chain.deployment.didRegistry,
      },
    };
    await expect(signEnvelope({ kind: "delta" } as never, liar, scope)).rejects.toThrow(/does not recover/);
  });

  it("issuance answers 503 signer_unavailable, not 500, when the signer process is gone", async () => {
    await signer.stop();
    const token = (await issuer!.store.operators.create("ops2", ["issue"])).token;
    const holder = p256DidKey(p256.getPublicKey(p256.utils.randomSecretKey(), false));
    const r = await fetch(`${issuer!.url}/credentials`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ type: "HealthCode", subject: holder, claims: { healthStatus: "green" } }),
    });
    expect([r.status, ((await r.json()) as { error: { code: string } }).error.code]).toEqual([
      503,
      "signer_unavailable",
    ]);
  });
});

describe("the PKCS#11 backend", () => {
  it("refuses a key the token lets out (extractable): only keys generated inside, non-extractable, sign", async () => {
    const { pkcs11, env } = await softhsmToken(mkdtempSync(join(tmpdir(), "laissez-hsm-")), "laissez-extract");
    process.env.SOFTHSM2_CONF = env.SOFTHSM2_CONF;
    const token = Pkcs11Session.open({
      library: pkcs11.library!,
      tokenLabel: pkcs11.tokenLabel!,
      pinFile: pkcs11.pinFile,
    });
    try {
      const { p } = token;
      const common = [
        { type: p.CKA_KEY_TYPE, value: p.CKK_EC },
        { type: p.CKA_LABEL, value: "leaky" },
        { type: p.CKA_TOKEN, value: true },
      ];
      token.module.C_GenerateKeyPair(
        token.session,
        { mechanism: p.CKM_EC_KEY_PAIR_GEN },
        [
          { type: p.CKA_CLASS, value: p.CKO_PUBLIC_KEY },
          ...common,
          { type: p.CKA_EC_PARAMS, value: Buffer.from("06052b8104000a", "hex") },
          { type: p.CKA_VERIFY, value: true },
        ],
        [
          { type: p.CKA_CLASS, value: p.CKO_PRIVATE_KEY },
          ...common,
          { type: p.CKA_PRIVATE, value: true },
          { type: p.CKA_SIGN, value: true },
          { type: p.CKA_SENSITIVE, value: false },
          { type: p.CKA_EXTRACTABLE, value: true },
        ],
      );
      expect(() => pkcs11Signer(token, "leaky", "ES256K")).toThrow(/extractable or not sensitive/);
      generatePkcs11Key(token, "sealed", "ES256K");
      expect(() => pkcs11Signer(token, "sealed", "EdDSA")).toThrow(/not an EdDSA key/);
      await probeSigner(pkcs11Signer(token, "sealed", "ES256K"));
    } finally {
      token.close();
      delete process.env.SOFTHSM2_CONF;
    }
  });
});
