import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idToString, regionId } from "../../services/chain/ids.ts";
import { connectLedger, type Deployment } from "../../services/chain/ledger.ts";
import { connectRpc } from "../../services/chain/rpc.ts";
import { Wallet } from "ethers";
import { delegationAuthority, type SignedDelegation } from "../../core/bundle-codec.ts";
import { DatabaseSync } from "node:sqlite";
import { ed25519 } from "@noble/curves/ed25519.js";
import { publicKeyId } from "../../core/bundle.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { softwareAccount } from "../../services/chain/key-account.ts";
import { AuditAnchorer } from "../../services/issuer/audit-anchor.ts";
import { SqliteIssuerStore } from "../../services/issuer/store.ts";
import { demoSchemas } from "../../scripts/context.ts";
import {
  agencyControllerKey,
  agencyEd25519Key,
  agencySigningKey,
  agencyStatusWriterKey,
  DEMO_AGENCIES,
  demoAuthorityKey,
  demoBundleSignerKey,
  devDeployer,
} from "../../scripts/demo/consortium.ts";
import { runLaissez, startChainProcess } from "../helpers/processes.ts";

// The same deploy and seed an operator runs, as separate processes against `hardhat node`
// over JSON-RPC on 127.0.0.1 — nothing in process.
describe("laissez deploy, seed and the operator commands against hardhat node", () => {
  let chain: Awaited<ReturnType<typeof startChainProcess>>;
  const dir = mkdtempSync(join(tmpdir(), "laissez-deploy-"));

  beforeAll(async () => {
    chain = await startChainProcess();
  });
  afterAll(async () => chain?.stop());

  it("deploys the three contracts and writes deployments/<chainId>.json", async () => {
    const run = await runLaissez(["deploy", "--rpc", chain.url, "--deployments", dir, "--json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as Deployment;
    const written = JSON.parse(readFileSync(join(dir, "31337.json"), "utf8")) as Deployment;
    expect(written).toEqual(printed);
    const provider = connectRpc(chain.url);
    for (const address of [written.trustRegistry, written.statusRegistry, written.didRegistry]) {
      expect((await provider.getCode(address)).length).toBeGreaterThan(2);
    }
    provider.destroy();
  });

  it("seeds the demo consortium and reads it back over JSON-RPC", async () => {
    const run = await runLaissez(["seed", "--rpc", chain.url, "--deployments", dir, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const provider = connectRpc(chain.url);
    const deployment = JSON.parse(readFileSync(join(dir, "31337.json"), "utf8")) as Deployment;
    const { trust, status } = connectLedger(deployment, provider);
    expect((await trust.getFunction("regions")(0, 10)).map(idToString)).toEqual(["CN-ZJ", "CN-SH", "CN-NM"]);
    expect(await trust.getFunction("issuerCount")()).toBe(BigInt(DEMO_AGENCIES.length));
    expect(await status.getFunction("listCount")()).toBe(BigInt(DEMO_AGENCIES.length * 2));
    provider.destroy();
  });

  it("refuses to seed twice, with a usage exit status", async () => {
    const run = await runLaissez(["seed", "--rpc", chain.url, "--deployments", dir]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/already seeded/);
  });

  // Operator commands for the governing keys (issue 14), on the chain just seeded: each prints its
  // transaction and receipt; a key without the role is refused on chain with the custom error.
  const op = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const run = await runLaissez([...args, "--rpc", chain.url, "--deployments", dir, "--json"], {
      env: { ...process.env, ...env },
    });
    return {
      ...run,
      lines:
        run.code === 0
          ? run.stdout
              .trim()
              .split("\n")
              .map(
                (l) =>
                  JSON.parse(l) as {
                    transaction: { hash: string; call: string };
                    receipt: { status: string; events: string[] };
                  },
              )
          : [],
    };
  };

  it(
    "laissez authority: add and remove a bundle signer, suspend and reinstate, accredit, recognize — each with its transaction and receipt",
    { timeout: 600_000 },
    async () => {
      const signer = Wallet.createRandom().address;
      const added = await op([
        "authority",
        "add-signer",
        "--region",
        "CN-SH",
        "--signer",
        signer,
        "--valid-for",
        "86400",
      ]);
      expect(added.code, added.stderr).toBe(0);
      expect(added.lines[0]!.transaction.hash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(added.lines[0]!.transaction.call).toMatch(/^addBundleSigner\(/);
      expect(added.lines[0]!.receipt.status).toBe("success");
      expect(added.lines[0]!.receipt.events[0]).toMatch(new RegExp(`^BundleSignerAdded\\(.*${signer}`));
      const removed = await op(["authority", "remove-signer", "--region", "CN-SH", "--signer", signer]);
      expect(removed.lines[0]!.receipt.events[0]).toMatch(/^BundleSignerRemoved\(/);
      const suspended = await op(["authority", "suspend", "--agency", "1"]);
      expect(suspended.lines[0]!.receipt.events[0]).toMatch(/^IssuerStatusChanged\(.*, 2\)$/);
      expect((await op(["authority", "reinstate", "--agency", "1"])).lines[0]!.receipt.events[0]).toMatch(
        /^IssuerStatusChanged\(.*, 1\)$/,
      );
      expect(
        (await op(["authority", "accredit", "--agency", "1", "--type", "HealthCode", "--valid-for", "86400"])).lines[0]!
          .receipt.events[0],
      ).toMatch(/^IssuerAccredited\(/);
      // Region codes are case-insensitive (the chain's ids are of the upper-case code).
      expect(
        (await op(["authority", "recognize", "--region", "cn-nm", "--issuing", "cn-zj", "--type", "HealthCode"]))
          .lines[0]!.receipt.events[0],
      ).toMatch(new RegExp(`^RecognitionSet\\(\\d+, ${regionId("CN-NM")}, ${regionId("CN-ZJ")}, .*, true\\)$`));
    },
  );

  it(
    "laissez authority: an unknown region is a usage error listing the chain's regions (exit 3)",
    { timeout: 600_000 },
    async () => {
      // A region outside the demo, added by governance: the list comes from the chain, not the demo's config.
      const provider = connectRpc(chain.url);
      const governance = connectLedger(
        JSON.parse(readFileSync(join(dir, "31337.json"), "utf8")) as Deployment,
        devDeployer(provider),
      );
      await (await governance.trust.getFunction("addRegion")(regionId("CN-GD"), Wallet.createRandom().address)).wait();
      provider.destroy();
      const known = "known regions: CN-GD, CN-NM, CN-SH, CN-ZJ";
      const signer = Wallet.createRandom().address;
      const [recognize, issuing, added, removed, outside] = await Promise.all([
        op(["authority", "recognize", "--region", "cn-xx", "--issuing", "CN-ZJ", "--type", "HealthCode"]),
        op(["authority", "recognize", "--region", "CN-SH", "--issuing", "Zhejiang", "--type", "HealthCode"]),
        op(["authority", "add-signer", "--region", "CN-SHH", "--signer", signer]),
        op(["authority", "remove-signer", "--region", "XX-1", "--signer", signer]),
        op(["authority", "add-signer", "--region", "cn-gd", "--signer", signer]),
      ]);
      expect([recognize.code, recognize.stderr]).toEqual([
        3,
        expect.stringContaining(`unknown region "CN-XX" for --region; ${known}`),
      ]);
      expect([issuing.code, issuing.stderr]).toEqual([
        3,
        expect.stringContaining(`unknown region "ZHEJIANG" for --issuing; ${known}`),
      ]);
      expect([added.code, added.stderr]).toEqual([
        3,
        expect.stringContaining(`unknown region "CN-SHH" for --region (did you mean CN-SH?); ${known}`),
      ]);
      expect([removed.code, removed.stderr]).toEqual([
        3,
        expect.stringContaining(`unknown region "XX-1" for --region; ${known}`),
      ]);
      // Known on chain, but not the demo's: its authority's key must be given.
      expect([outside.code, outside.stderr]).toEqual([
        3,
        expect.stringContaining("set LAISSEZ_AUTHORITY_KEY: CN-GD is not a demo region"),
      ]);
    },
  );

  it(
    "refuses an authority key of another region, and a bundle signer's key, with the custom error and its values",
    { timeout: 600_000 },
    async () => {
      const other = await op(["authority", "suspend", "--agency", "0"], {
        LAISSEZ_AUTHORITY_KEY: demoAuthorityKey("CN-SH").privateKey,
      });
      expect(other.code).toBe(1);
      expect(other.stderr).toMatch(
        new RegExp(`refused on chain: NotRegionAuthority\\(0x[0-9a-f]+, ${demoAuthorityKey("CN-SH").address}\\)`),
      );
      const stolen = await op(
        ["authority", "add-signer", "--region", "CN-ZJ", "--signer", demoBundleSignerKey("CN-ZJ").address],
        { LAISSEZ_AUTHORITY_KEY: demoBundleSignerKey("CN-ZJ").privateKey },
      );
      expect(stolen.stderr).toMatch(/refused on chain: NotRegionAuthority\(/);
    },
  );

  it(
    "laissez agency: name a status writer, rotate a signing key (planned), revoke one (compromise)",
    { timeout: 600_000 },
    async () => {
      const writer = Wallet.createRandom().address;
      expect(
        (await op(["agency", "set-writer", "--agency", "0", "--writer", writer])).lines[0]!.receipt.events[0],
      ).toMatch(new RegExp(`^StatusWriterSet\\(.*${writer}\\)$`));
      const next = Wallet.createRandom().address;
      const rotated = await op([
        "agency",
        "rotate-key",
        "--agency",
        "0",
        "--new",
        next,
        "--old",
        agencySigningKey(0).address,
        "--overlap",
        "60",
      ]);
      expect(rotated.lines.map((l) => l.transaction.call.split("(")[0])).toEqual(["addDelegate", "addDelegate"]);
      const revoked = await op(["agency", "revoke-key", "--agency", "0", "--key", next]);
      expect(revoked.lines.map((l) => l.transaction.call.split("(")[0])).toEqual(["revokeDelegate", "setAttribute"]);
      // The issuer service's status writer cannot do the identity owner's work.
      const refused = await op(["agency", "set-writer", "--agency", "0", "--writer", writer], {
        LAISSEZ_IDENTITY_OWNER_KEY: agencyStatusWriterKey(0).privateKey,
      });
      expect(refused.stderr).toMatch(/refused on chain: NotIdentityOwner\(/);
    },
  );

  it(
    "laissez agency rotate-key and revoke-key take an Ed25519 key too: the bundle records its windows",
    { timeout: 600_000 },
    async () => {
      const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;
      const old = ed25519.getPublicKey(agencyEd25519Key(1));
      const next = ed25519.getPublicKey(ed25519.utils.randomSecretKey());
      const rotated = await op([
        "agency",
        "rotate-key",
        "--agency",
        "1",
        "--new",
        hex(next),
        "--old",
        hex(old),
        "--overlap",
        "60",
      ]);
      expect(
        rotated.lines.map((l) => l.transaction.call.split("(")[0]),
        rotated.stderr,
      ).toEqual(["setAttribute", "setAttribute"]);
      const provider = connectRpc(chain.url);
      const deployment = JSON.parse(readFileSync(join(dir, "31337.json"), "utf8")) as Deployment;
      const keysOf = async () => {
        const { bundle } = await syncBundle(provider, deployment, { schemas: demoSchemas });
        return (id: string) => bundle.keys[agencyControllerKey(1).address.toLowerCase()]!.filter((k) => k.id === id);
      };
      const rotatedAt = (await provider.getBlock(
        (rotated.lines[1] as unknown as { receipt: { block: number } }).receipt.block,
      ))!.timestamp;
      let keys = await keysOf();
      // The old key signs until the overlap ends (what it signed before stays valid); the new one from now on.
      expect(keys(publicKeyId(old)).at(-1)).toMatchObject({
        kind: "Ed25519",
        validUntil: rotatedAt + 60,
        revoked: false,
      });
      expect(keys(publicKeyId(next))).toEqual([expect.objectContaining({ kind: "Ed25519", revoked: false })]);
      const revoked = await op(["agency", "revoke-key", "--agency", "1", "--key", hex(next)]);
      expect(revoked.lines.map((l) => l.transaction.call.split("(")[0])).toEqual(["revokeAttribute", "setAttribute"]);
      keys = await keysOf();
      expect(keys(publicKeyId(next)).every((k) => k.revoked)).toBe(true);
      expect(keys(publicKeyId(old)).some((k) => k.revoked)).toBe(false);
      expect((await op(["agency", "rotate-key", "--agency", "1", "--new", "0x1234"])).stderr).toMatch(
        /--new must be a veriKey delegate's 0x address or an Ed25519 public key/,
      );
      provider.destroy();
    },
  );

  it(
    "laissez audit verify: an issuer's audit log against the heads its status writer anchored; names a rewritten entry",
    { timeout: 600_000 },
    async () => {
      const db = join(dir, "issuer-2.db");
      const store = new SqliteIssuerStore(db);
      for (const name of ["alice", "bob", "carol"]) await store.operators.create(name, ["issue"]);
      const provider = connectRpc(chain.url);
      const deployment = JSON.parse(readFileSync(join(dir, "31337.json"), "utf8")) as Deployment;
      const writer = softwareAccount(agencyStatusWriterKey(2).privateKey, provider);
      expect(
        await new AuditAnchorer(store, deployment, writer, agencyControllerKey(2).address, { intervalMs: 0 }).step(
          true,
        ),
      ).toMatchObject({ count: 3 });
      await store.operators.create("dave", ["issue"]);
      await store.close();
      const verify = (...more: string[]) =>
        runLaissez(["audit", "verify", "--db", db, "--agency", "2", "--rpc", chain.url, "--deployments", dir, ...more]);
      const intact = await verify();
      expect(intact.code, intact.stderr).toBe(0);
      expect(intact.stdout).toMatch(
        /4 entries, 3 anchored \(block \d+\), 1 unanchored\nunanchored: entries 4…4, the oldest written \d+ s ago — until anchored, whoever can write the database file can rewrite them undetected\nintact/,
      );
      // A stolen writer key anchors a count past the log (issue 22 item 5): the check reports entries missing, until
      // the identity owner resets the head to the last genuine one, which the check's JSON gives.
      const genuine = (JSON.parse((await verify("--json")).stdout) as { anchored: { count: number; head: string } })
        .anchored;
      await (
        await connectLedger(deployment, writer).status.getFunction("anchorAudit")(
          agencyControllerKey(2).address,
          10,
          `0x${"ab".repeat(32)}`,
        )
      ).wait();
      provider.destroy();
      expect((await verify()).stdout).toMatch(/BROKEN at entry 5 \(entry_missing\)/);
      const reset = await runLaissez([
        "agency",
        "reset-audit",
        "--agency",
        "2",
        "--count",
        String(genuine.count),
        "--head",
        `0x${genuine.head}`,
        "--rpc",
        chain.url,
        "--deployments",
        dir,
      ]);
      expect(reset.code, reset.stderr).toBe(0);
      expect(reset.stdout).toMatch(/AuditHeadReset\(0x[0-9a-fA-F]{40}, 10, 3, 0x[0-9a-f]{64}\)/);
      expect((await verify()).code).toBe(0);
      const raw = new DatabaseSync(db);
      raw.exec("DROP TRIGGER audit_append_only_u");
      raw.prepare("UPDATE audit SET operator = 'nobody' WHERE seq = 2").run();
      raw.close();
      const broken = await verify();
      expect(broken.code).toBe(1);
      expect(broken.stdout).toMatch(/BROKEN at entry 2 \(entry_altered\)/);
    },
  );

  it("laissez authority delegate signs a bundle signer's delegation offline", async () => {
    const out = join(dir, "delegation.json");
    const run = await runLaissez([
      "authority",
      "delegate",
      "--region",
      "CN-SH",
      "--signer",
      demoBundleSignerKey("CN-SH").address,
      "--valid-for",
      "3600",
      "--out",
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const d = JSON.parse(readFileSync(out, "utf8")) as SignedDelegation;
    expect(delegationAuthority(d, demoBundleSignerKey("CN-SH").address, 31337)).toBe(
      demoAuthorityKey("CN-SH").address.toLowerCase(),
    );
    expect(d.payload.validUntil - d.payload.validFrom).toBe(3600);
  });

  it("says clearly when the chain is unreachable", async () => {
    const run = await runLaissez(["deploy", "--rpc", "http://127.0.0.1:9", "--deployments", dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^laissez deploy: nothing is listening at 127\.0\.0\.1:9: is the service \(or chain\) running\?\n {2}guide: docs\/cli\.md#laissez-deploy/,
    );
  });
});
