import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { p256 } from "@noble/curves/nist.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holderSigner, regionAudience } from "../../core/credential.ts";
import { presentCredential } from "../../core/formats/jwt-vc/credential.ts";
import { p256DidKey } from "../../core/did.ts";
import { runLaissez, startChainProcess, startIssuerProcess, type RunResult } from "../helpers/processes.ts";
import { presentSdJwtVc } from "../../core/formats/sd-jwt-vc/sd-jwt-vc.ts";
import { demoAuthorityKey } from "../../scripts/demo/consortium.ts";

/**
 * The product's core promise, through the `laissez` CLI, the CN-ZJ health agency's issuer
 * service and `hardhat node` as separate processes: the agency issues a health code (the CLI a
 * client of its service); a CN-SH checkpoint syncs, then verifies offline; revocation goes
 * through the service's outbox and reaches the checkpoint only through a new bundle.
 */
const dir = mkdtempSync(join(tmpdir(), "laissez-e2e-"));
const file = (name: string) => join(dir, name);
let chain: Awaited<ReturnType<typeof startChainProcess>>;
let issuer: Awaited<ReturnType<typeof startIssuerProcess>>;
const holderKey = p256.utils.randomSecretKey();
const holder = p256DidKey(p256.getPublicKey(holderKey, false));

const chainArgs = () => ["--rpc", chain.url, "--deployments", file("deployments")];
async function ok(args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  const run = await runLaissez(args, env ? { env } : {});
  expect(run.code, `laissez ${args[0]}: ${run.stderr}`).toBe(0);
  return run;
}
async function issue(type: string, claims: object): Promise<string> {
  const run = await ok(
    ["issue", "--type", type, "--holder", holder, "--claims", JSON.stringify(claims)],
    issuer.clientEnv,
  );
  return run.stdout.trim();
}
/** revoke / suspend / reinstate through the issuer service: returns once anchored on chain. */
const changeStatus = (action: string, credential: string) => ok([action, writeTemp(credential)], issuer.clientEnv);
async function sync(
  region: string,
  out: string,
  from?: string,
): Promise<{ block: { number: number; timestamp: number }; events: number; deltaBytes: number }> {
  const run = await ok([
    "sync",
    ...chainArgs(),
    "--region",
    region,
    "--out",
    file(out),
    "--json",
    ...(from ? ["--from", file(from), "--delta-out", file(`${out}.delta`)] : []),
  ]);
  return JSON.parse(run.stdout);
}
/** A static (one-way QR) presentation of `credential` by the holder for `region`'s checkpoints, made now. */
async function present(credential: string, region = "CN-SH"): Promise<string> {
  const token = await presentCredential({
    credential,
    holder,
    signer: holderSigner(holderKey),
    issuedAt: Math.floor(Date.now() / 1000),
    audience: regionAudience(region),
  });
  const path = file(`vp-${Math.random().toString(36).slice(2)}.jwt`);
  writeFileSync(path, token);
  return path;
}
interface CliVerdict {
  verdict: string;
  reason: string | null;
  checks: { code: string; ok: boolean; reason?: string }[];
  issuer: { name: string; region: string } | null;
  type: string | null;
  claims: Record<string, unknown> | null;
  presentation: { mode: string } | null;
  format: string | null;
  withheld: number | null;
  bundle: { block: number; ageSeconds: number };
}
async function verify(
  region: string,
  bundle: string,
  token: string,
  extra: string[] = [],
  prefix?: string[],
): Promise<{ code: number | null; v: CliVerdict }> {
  const run = await runLaissez(
    [
      "verify",
      "--bundle",
      file(bundle),
      "--region",
      region,
      "--state",
      file(`state-${region}.json`),
      "--json",
      ...extra,
      token,
    ],
    prefix ? { prefix } : {},
  );
  expect(run.stderr).toBe("");
  return { code: run.code, v: JSON.parse(run.stdout) as CliVerdict };
}

beforeAll(async () => {
  chain = await startChainProcess();
  await ok(["deploy", ...chainArgs()]);
  await ok(["seed", ...chainArgs()]);
  issuer = await startIssuerProcess({ rpc: chain.url, deployments: file("deployments"), db: file("issuer-0.db") });
}, 240_000);
afterAll(async () => {
  await issuer?.stop();
  await chain?.stop();
});

describe("issue in CN-ZJ → verify offline at a CN-SH checkpoint → revoke → sync → reject", () => {
  let healthCode: string;

  it("accepts a CN-ZJ health code at CN-SH, with the checks, claims and bundle age", async () => {
    healthCode = await issue("HealthCode", { healthStatus: "green" });
    await sync("CN-SH", "sh-1.json");
    const { code, v } = await verify("CN-SH", "sh-1.json", await present(healthCode));
    expect(code).toBe(0);
    expect(v.verdict).toBe("accept");
    expect(v.presentation?.mode).toBe("static");
    expect(v.issuer).toMatchObject({ name: "Zhejiang Provincial Health Commission", region: "CN-ZJ" });
    expect(v.type).toBe("HealthCode");
    expect(v.claims).toEqual({ healthStatus: "green" });
    expect(v.checks.map((c) => c.code)).toEqual(
      expect.arrayContaining([
        "signature",
        "accreditation",
        "recognition",
        "schema",
        "status",
        "freshness",
        "holder_binding",
      ]),
    );
    expect(v.checks.every((c) => c.ok)).toBe(true);
  });

  it("verifies with networking unavailable (an empty network namespace)", async () => {
    // Proof that `laissez verify` needs no network: it runs where no connection can be opened.
    const probe = execFileSync("unshare", [
      "-n",
      process.execPath,
      "-e",
      "fetch('http://127.0.0.1:8999').then(()=>console.log('net'),e=>console.log(e.cause?.code))",
    ])
      .toString()
      .trim();
    expect(probe).toBe("ENETUNREACH");
    const { code, v } = await verify("CN-SH", "sh-1.json", await present(healthCode), [], ["unshare", "-n"]);
    expect([code, v.verdict]).toEqual([0, "accept"]);
  });

  it("still accepts after the revocation until it re-syncs, saying how old its bundle is", async () => {
    await changeStatus("revoke", healthCode);
    // The checkpoint's clock 20 minutes after its bundle: still within the health code's hour.
    const at = (JSON.parse(readFileSync(file("sh-1.json"), "utf8")).payload.block.timestamp as number) + 1200;
    const token = await presentCredential({
      credential: healthCode,
      holder,
      signer: holderSigner(holderKey),
      issuedAt: at,
      audience: regionAudience("CN-SH"),
    });
    const { code, v } = await verify("CN-SH", "sh-1.json", writeTemp(token), ["--now", String(at)]);
    expect([code, v.verdict]).toEqual([0, "accept"]);
    expect(v.bundle.ageSeconds).toBe(1200);
    expect(v.checks.find((c) => c.code === "freshness")).toMatchObject({ ok: true });
  });

  it("rejects as revoked after a delta sync, and the delta is small", async () => {
    const before = JSON.parse(readFileSync(file("sh-1.json"), "utf8")).payload.block.number as number;
    const delta = await sync("CN-SH", "sh-2.json", "sh-1.json");
    expect(delta.block.number).toBeGreaterThan(before);
    expect(delta.events).toBe(1);
    expect(delta.deltaBytes).toBeLessThan(2000);
    const { code, v } = await verify("CN-SH", "sh-2.json", await present(healthCode));
    expect([code, v.verdict, v.reason]).toEqual([1, "reject", "revoked"]);
  });

  it("refuses to go back to the older bundle (rollback)", async () => {
    const { code, v } = await verify("CN-SH", "sh-1.json", await present(healthCode));
    expect([code, v.verdict, v.reason]).toEqual([2, "unknown", "bundle_rollback"]);
  });

  it("suspend → reject (suspended); reinstate → accept", async () => {
    const credential = await issue("HealthCode", { healthStatus: "yellow" });
    await changeStatus("suspend", credential);
    await sync("CN-SH", "sh-3.json", "sh-2.json");
    let r = await verify("CN-SH", "sh-3.json", await present(credential));
    expect([r.code, r.v.verdict, r.v.reason]).toEqual([1, "reject", "suspended"]);
    await changeStatus("reinstate", credential);
    await sync("CN-SH", "sh-4.json", "sh-3.json");
    r = await verify("CN-SH", "sh-4.json", await present(credential));
    expect([r.code, r.v.verdict]).toEqual([0, "accept"]);
  }, 300_000); // seven CLI processes: slow on a loaded machine

  it("a CN-NM checkpoint, which does not recognize CN-ZJ health codes, rejects", async () => {
    const credential = await issue("HealthCode", { healthStatus: "green" });
    await sync("cn-nm", "nm-1.json"); // region codes are case-insensitive
    const { code, v } = await verify("CN-NM", "nm-1.json", await present(credential, "CN-NM"));
    expect([code, v.verdict, v.reason]).toEqual([1, "reject", "region_not_recognized"]);
  });

  it("an unknown region is a usage error listing the known ones: sync the chain's, verify --authority the bundle's (exit 3)", async () => {
    const known = "known regions: CN-NM, CN-SH, CN-ZJ";
    const [synced, verified] = await Promise.all([
      runLaissez(["sync", ...chainArgs(), "--region", "cn-nn", "--out", file("none.json")]),
      // Off the demo's defaults (--authority given) only the bundle knows the regions: the CN-NM bundle, asked for CN-XY.
      runLaissez(
        [
          "verify",
          "--bundle",
          file("nm-1.json"),
          "--region",
          "cn-xy",
          "--authority",
          demoAuthorityKey("CN-NM").address,
          "--state",
          file("state-xy.json"),
          "-",
        ],
        { input: "x" },
      ),
    ]);
    expect([synced.code, synced.stderr]).toEqual([
      3,
      expect.stringContaining(`unknown region "CN-NN" for --region (did you mean CN-NM?); ${known}`),
    ]);
    expect([verified.code, verified.stderr]).toEqual([
      3,
      expect.stringContaining(`unknown region "CN-XY" for --region; ${known}`),
    ]);
  });

  it("a bundle past the type's maximum status age gives unknown, with the reason", async () => {
    const credential = await issue("HealthCode", { healthStatus: "green" });
    const { block } = await sync("CN-SH", "sh-5.json", "sh-4.json");
    const token = await presentCredential({
      credential,
      holder,
      signer: holderSigner(holderKey),
      issuedAt: block.timestamp + 3601,
      audience: regionAudience("CN-SH"),
    });
    const { code, v } = await verify("CN-SH", "sh-5.json", writeTemp(token), ["--now", String(block.timestamp + 3601)]);
    expect([code, v.verdict, v.reason]).toEqual([2, "unknown", "status_stale"]);
  });

  it("--format both: two formats on the same status bits; the SD-JWT VC discloses one claim, or what a challenge asks for; revoking it rejects both", async () => {
    const run = await ok(
      [
        "issue",
        "--type",
        "HealthCode",
        "--holder",
        holder,
        "--claims",
        JSON.stringify({ healthStatus: "green", givenName: "Mei" }),
        "--format",
        "both",
      ],
      issuer.clientEnv,
    );
    const [jwtVc, sdJwtVc] = run.stdout.trim().split("\n") as [string, string];
    const sdPresentation = async (disclose = ["healthStatus"], challenge?: { audience: string; nonce: string }) =>
      writeTemp(
        await presentSdJwtVc({
          credential: sdJwtVc,
          disclose,
          signer: holderSigner(holderKey),
          issuedAt: Math.floor(Date.now() / 1000),
          ...(challenge ?? { audience: regionAudience("CN-SH") }),
        }),
      );
    await sync("CN-SH", "sh-6.json", "sh-5.json");
    let r = await verify("CN-SH", "sh-6.json", await sdPresentation());
    expect([r.code, r.v.verdict, r.v.claims, r.v.withheld, r.v.format]).toEqual([
      0,
      "accept",
      { healthStatus: "green" },
      3,
      "sd_jwt_vc",
    ]);
    expect((await verify("CN-SH", "sh-6.json", await present(jwtVc))).v.verdict).toBe("accept");
    // A challenge that asks for healthStatus: a presentation withholding it is refused, and the CLI says why.
    const challenge = { audience: "checkpoint:CN-SH:gate-3", nonce: "n-0123456789" };
    const asked = ["--audience", challenge.audience, "--nonce", challenge.nonce, "--claims", "healthStatus"];
    r = await verify("CN-SH", "sh-6.json", await sdPresentation(["givenName"], challenge), asked);
    expect([r.code, r.v.verdict, r.v.reason]).toEqual([1, "reject", "claims_not_disclosed"]);
    const human = await runLaissez([
      "verify",
      "--bundle",
      file("sh-6.json"),
      "--region",
      "CN-SH",
      "--state",
      file("state-CN-SH.json"),
      ...asked,
      await sdPresentation(["givenName"], challenge),
    ]);
    expect(human.stdout).toMatch(
      /REJECT — claims_not_disclosed[\s\S]*did not show a claim this checkpoint asked for[\s\S]*not disclosed: healthStatus/,
    );
    r = await verify("CN-SH", "sh-6.json", await sdPresentation(["healthStatus"], challenge), asked);
    expect([r.code, r.v.verdict, r.v.claims, r.v.presentation?.mode]).toEqual([
      0,
      "accept",
      { healthStatus: "green" },
      "challenge",
    ]);
    await changeStatus("revoke", sdJwtVc);
    await sync("CN-SH", "sh-7.json", "sh-6.json");
    r = await verify("CN-SH", "sh-7.json", await sdPresentation());
    expect([r.code, r.v.reason]).toEqual([1, "revoked"]);
    expect((await verify("CN-SH", "sh-7.json", await present(jwtVc))).v.reason).toBe("revoked");
  }, 300_000);
});

function writeTemp(text: string): string {
  const path = file(`t-${Math.random().toString(36).slice(2)}.jwt`);
  writeFileSync(path, text);
  return path;
}
