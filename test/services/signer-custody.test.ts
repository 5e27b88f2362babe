import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256 } from "@noble/hashes/sha2.js";
import { p256 } from "@noble/curves/nist.js";
import { getBytes, Wallet, type Signer } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verificationMethodOf } from "../../core/bundle.ts";
import { es256kIssuerKey, statusListUrl } from "../../core/credential.ts";
import { issueCredential } from "../../core/formats/jwt-vc/credential.ts";
import { ethrDid, p256DidKey } from "../../core/did.ts";
import { probeText } from "../../core/signer.ts";
import { verifyCredential } from "../../core/verify.ts";
import { VERI_KEY } from "../../services/chain/consortium.ts";
import { KeySignerAccount } from "../../services/chain/key-account.ts";
import { connectLedger } from "../../services/chain/ledger.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { httpSigner } from "../../services/crypto/http-signer.ts";
import { openKeySigner } from "../../services/crypto/key-source.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import { demoSchemas } from "../../scripts/context.ts";
import {
  agencyControllerKey,
  agencySigningKey,
  agencyStatusWriterKey,
  DEMO_CLAIMS,
  demoSchema,
} from "../../scripts/demo/consortium.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { runLaissez } from "../helpers/processes.ts";
import { caller, startSignerProcess, writeSignerConfig } from "../helpers/signer.ts";

/**
 * Issue 22 items 1-3, through the entrances an attacker uses. The attack as found: one signer
 * held an agency's credential key, status writer and identity owner; with only the issuer
 * service's token it signed an ERC-1056 `addDelegate` as agency 5's identity owner, and a
 * licence forged with the added key was accepted at the CN-NM checkpoint.
 */
const ISSUER_TOKEN = "issuer-service-token-0123456789";
const GOVERNANCE_TOKEN = "governance-operator-token-0123456789";
const AGENCY = 5; // Inner Mongolia Traffic Police (CN-NM, DriverLicence)
let chain: SeededChain;
let dir: string;
let signer: Awaited<ReturnType<typeof startSignerProcess>>;
let url: string;

beforeAll(async () => {
  chain = await seededChain();
  dir = mkdtempSync(join(tmpdir(), "laissez-custody-"));
  const agency = chain.agencies[AGENCY]!.address;
  const config = writeSignerConfig(dir, {
    keys: {
      credential: { alg: "ES256K", privateKey: agencySigningKey(AGENCY).privateKey, purposes: ["credential"] },
      writer: {
        alg: "ES256K",
        privateKey: agencyStatusWriterKey(AGENCY).privateKey,
        purposes: ["status-writer"],
        agency,
      },
      owner: {
        alg: "ES256K",
        privateKey: agencyControllerKey(AGENCY).privateKey,
        purposes: ["identity-owner"],
        agency,
      },
      slow: { alg: "ES256K", privateKey: Wallet.createRandom().privateKey, purposes: ["credential"], ratePerMinute: 5 },
    },
    callers: {
      issuer: caller(ISSUER_TOKEN, ["credential", "writer", "slow"]),
      governance: caller(GOVERNANCE_TOKEN, ["owner"]),
    },
    contracts: {
      chainId: 31337,
      trustRegistry: chain.deployment.trustRegistry,
      statusRegistry: chain.deployment.statusRegistry,
      didRegistry: chain.deployment.didRegistry,
    },
  });
  // The services' limits, short here: a request has 1 s to arrive; no per-client cap gets in the way of counting.
  signer = await startSignerProcess(config, {
    LAISSEZ_HTTP_REQUEST_TIMEOUT_MS: "1000",
    LAISSEZ_HTTP_MAX_CONNECTIONS_PER_CLIENT: "1000",
  });
  url = signer.url;
});
afterAll(async () => {
  await signer?.stop();
});

describe("the issuer service's token opens only the issuer service's keys", () => {
  it("cannot make the identity owner add a delegate, so no forged licence is accepted at CN-NM", async () => {
    const agency = chain.agencies[AGENCY]!;
    const attacker = Wallet.createRandom();
    let added = false;
    try {
      const owner = new KeySignerAccount(
        await httpSigner(`${url}/keys/owner`, { token: ISSUER_TOKEN, timeoutMs: 2000 }),
        chain.provider,
      );
      await (
        await connectLedger(chain.deployment, owner as Signer).did.getFunction("addDelegate")(
          agency.address,
          VERI_KEY,
          attacker.address,
          86400,
        )
      ).wait();
      added = true;
    } catch {
      added = false;
    }
    const { bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas });
    const method = verificationMethodOf(bundle, agency.address, { address: attacker.address });
    const key = es256kIssuerKey(ethrDid(31337, agency.address), method ?? "delegate-9", getBytes(attacker.privateKey));
    const holder = p256DidKey(p256.getPublicKey(p256.utils.randomSecretKey(), false));
    const now = bundle.block.timestamp;
    const forged = await issueCredential({
      key,
      holder,
      credentialType: "DriverLicence",
      claims: DEMO_CLAIMS.DriverLicence,
      schema: demoSchema("DriverLicence"),
      status: {
        revocation: { listUrl: statusListUrl("http://127.0.0.1:1", 31337, agency.revocationList), index: 1 },
        suspension: { listUrl: statusListUrl("http://127.0.0.1:1", 31337, agency.suspensionList), index: 1 },
      },
      id: "urn:uuid:forged-1",
      issuedAt: now,
      validUntil: now + 86400,
    });
    expect({
      added,
      verdict: verifyCredential(forged, { bundle, region: "CN-NM", now: now + 5, verifier: nativeVerifier }).verdict,
    }).toEqual({ added: false, verdict: "reject" });
    // The issuer's token does not even see the owner key; the governance token does, and the owner key signs DID calls only for its own agency.
    await expect(httpSigner(`${url}/keys/owner`, { token: ISSUER_TOKEN })).rejects.toThrow(/HTTP 404/);
    const owner = new KeySignerAccount(
      await httpSigner(`${url}/keys/owner`, { token: GOVERNANCE_TOKEN }),
      chain.provider,
    );
    await expect(
      connectLedger(chain.deployment, owner as Signer).did.getFunction("addDelegate")(
        chain.agencies[0]!.address,
        VERI_KEY,
        attacker.address,
        86400,
        { gasLimit: 300_000 },
      ),
    ).rejects.toThrow(/HTTP 403/);
  });
});

/** A raw HTTP/1.1 request with exactly these headers (fetch sets its own Host and content type). */
function rawPost(
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; code: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname,
        port,
        path,
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        setHost: false,
      },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            code: (JSON.parse(text) as { error?: { code: string } }).error?.code ?? "",
          }),
        );
      },
    );
    req.once("error", reject);
    req.end(body);
  });
}

const logLines = (): number => readFileSync(join(dir, "signatures.jsonl"), "utf8").split("\n").filter(Boolean).length;

describe("laissez signer serve: who may reach it", () => {
  it("refuses to start with no caller tokens, one token for governing and service keys, or on a non-loopback address", async () => {
    const open = writeSignerConfig(mkdtempSync(join(tmpdir(), "laissez-open-")), {
      keys: { k: { alg: "ES256K", privateKey: Wallet.createRandom().privateKey, purposes: ["credential"] } },
      callers: {},
    });
    const r = await runLaissez(["signer", "serve", "--config", open, "--port", "0"]);
    expect([r.code, r.stderr]).toEqual([
      expect.not.stringMatching(/^0$/) as unknown,
      expect.stringMatching(/at least one caller with a token is required/) as unknown,
    ]);
    // One token for the identity owner and the issuer's keys: refused, as the attack above needs it.
    const mixed = writeSignerConfig(mkdtempSync(join(tmpdir(), "laissez-mixed-")), {
      keys: {
        c: { alg: "ES256K", privateKey: Wallet.createRandom().privateKey, purposes: ["credential"] },
        o: {
          alg: "ES256K",
          privateKey: Wallet.createRandom().privateKey,
          purposes: ["identity-owner"],
          agency: chain.agencies[AGENCY]!.address,
        },
      },
      callers: { issuer: caller(ISSUER_TOKEN, ["c", "o"]) },
      contracts: {
        chainId: 31337,
        trustRegistry: chain.deployment.trustRegistry,
        statusRegistry: chain.deployment.statusRegistry,
        didRegistry: chain.deployment.didRegistry,
      },
    });
    expect((await runLaissez(["signer", "serve", "--config", mixed, "--port", "0"])).stderr).toMatch(
      /callers.issuer: one token for governing keys/,
    );
    const config = join(dir, "signer.json");
    const wide = await runLaissez(["signer", "serve", "--config", config, "--port", "0", "--host", "0.0.0.0"]);
    expect(wide.code).not.toBe(0);
    expect(wide.stderr).toMatch(/loopback only/);
  });

  it("a DNS-rebinding page's request (Host: evil.example, text/plain) is refused, and so is any body not application/json", async () => {
    const before = logLines();
    const input = `0x${Buffer.from(sha256(probeText((await httpSigner(`${url}/keys/credential`, { token: ISSUER_TOKEN })).publicKey))).toString("hex")}`;
    const body = JSON.stringify({ input, kind: "probe" });
    const auth = { authorization: `Bearer ${ISSUER_TOKEN}` };
    const host = new URL(url).host;
    expect(
      await rawPost("/keys/credential", { ...auth, host: "evil.example", "content-type": "text/plain" }, body),
    ).toEqual({ status: 421, code: "misdirected_request" });
    expect(
      await rawPost(
        "/keys/credential",
        { ...auth, host: `evil.example:${new URL(url).port}`, "content-type": "application/json" },
        body,
      ),
    ).toEqual({ status: 421, code: "misdirected_request" });
    expect(await rawPost("/keys/credential", { ...auth, host, "content-type": "text/plain" }, body)).toEqual({
      status: 415,
      code: "unsupported_media_type",
    });
    expect(await rawPost("/keys/credential", { host, "content-type": "application/json" }, body)).toEqual({
      status: 401,
      code: "unauthorized",
    });
    expect(logLines()).toBe(before); // nothing was signed
    expect(
      (await rawPost("/keys/credential", { ...auth, host, "content-type": "application/json" }, body)).status,
    ).toBe(200);
    expect(logLines()).toBe(before + 1);
  });

  // openKeySigner is the one place every service (issuer, checkpoint) and command (operator, checkpoint bundle) opens a signer URL.
  it("every service and command refuses a signer URL over plain http to another host, or without a token", async () => {
    await expect(
      openKeySigner("LAISSEZ_SIGNING_KEY", "http://10.0.0.7:9310/keys/credential", "ES256K", { token: ISSUER_TOKEN }),
    ).rejects.toThrow(/LAISSEZ_SIGNING_KEY: .*needs https:\/\//);
    await expect(
      openKeySigner("LAISSEZ_SIGNING_KEY", "http://signer.example/keys/credential", "ES256K", { token: ISSUER_TOKEN }),
    ).rejects.toThrow(/needs https:\/\//);
    await expect(openKeySigner("LAISSEZ_STATUS_WRITER_KEY", `${url}/keys/writer`, "ES256K", {})).rejects.toThrow(
      /LAISSEZ_STATUS_WRITER_KEY: .*needs its bearer token/,
    );
  });
});

describe("laissez signer serve: limits", () => {
  it("drops 300 half-sent requests within the request timeout", async () => {
    const { hostname, port } = new URL(url);
    const host = new URL(url).host;
    const sockets: Socket[] = [];
    const closed = await Promise.all(
      Array.from(
        { length: 300 },
        () =>
          new Promise<number>((resolve) => {
            // Authorised, so the signer waits for the body: only the request timeout ends the wait.
            let sent = 0;
            const socket = connect(
              Number(port),
              hostname,
              () =>
                (sent = Date.now()) &&
                socket.write(
                  `POST /keys/credential HTTP/1.1\r\nhost: ${host}\r\nauthorization: Bearer ${ISSUER_TOKEN}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"inp`,
                ),
            );
            socket.on("error", () => undefined);
            socket.resume();
            socket.on("close", () => resolve(Date.now() - sent));
            sockets.push(socket);
          }),
      ),
    );
    // Each had 1 s to arrive, checked every 250 ms: all gone well before the 20 s they used to stay open.
    expect(Math.max(...closed)).toBeLessThan(3_000);
  });

  it("a burst over a key's rate limit gets 429 rate_limited", async () => {
    const key = await httpSigner(`${url}/keys/slow`, { token: ISSUER_TOKEN });
    const body = JSON.stringify({
      input: `0x${Buffer.from(sha256(probeText(key.publicKey))).toString("hex")}`,
      kind: "probe",
    });
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        fetch(`${url}/keys/slow`, {
          method: "POST",
          headers: { authorization: `Bearer ${ISSUER_TOKEN}`, "content-type": "application/json" },
          body,
        }).then(async (r) =>
          `${r.status} ${r.ok ? "" : ((await r.json()) as { error: { code: string } }).error.code}`.trim(),
        ),
      ),
    );
    expect(answers.filter((a) => a === "200")).toHaveLength(5);
    expect(answers.filter((a) => a === "429 rate_limited")).toHaveLength(7);
    // Another key of the same caller is not slowed by it.
    await expect(
      openKeySigner("LAISSEZ_SIGNING_KEY", `${url}/keys/credential`, "ES256K", { token: ISSUER_TOKEN }),
    ).resolves.toBeDefined();
  });
});
