import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getBytes, type Signer, Wallet } from "ethers";
import { beforeAll, describe, expect, it } from "vitest";
import { loadSignedBundle, signDelegation, type SignedDelegation } from "../../core/bundle-codec.ts";
import { refuseGoverningKeys, GoverningKeyError, issuerAddresses } from "../../services/chain/custody.ts";
import { regionId } from "../../services/chain/ids.ts";
import { connectLedger } from "../../services/chain/ledger.ts";
import { BundleKeeper } from "../../services/checkpoint/keeper.ts";
import { loadCheckpointConfig } from "../../services/checkpoint/config.ts";
import { ConfigError } from "../../services/config.ts";
import { loadIssuerConfig } from "../../services/issuer/config.ts";
import { demoSchemas } from "../../scripts/context.ts";
import {
  agencyControllerKey,
  agencySigningKey,
  agencyStatusWriterKey,
  demoAuthorityKey,
  demoBundleSignerKey,
  demoDelegation,
} from "../../scripts/demo/consortium.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { runLaissez } from "../helpers/processes.ts";
import { softwareSigner } from "../../core/signer.ts";

/**
 * A region's bundle signers against the real chain (issue 14): a stolen checkpoint server's
 * signer is removed on chain; the next bundle (from another signer) carries the removal and
 * checkpoints refuse the stolen key from then on, in process and in the offline CLI.
 */
let chain: SeededChain;
const dir = mkdtempSync(join(tmpdir(), "laissez-signers-"));
const SH = "CN-SH";

beforeAll(async () => {
  chain = await seededChain();
});

const keeperFor = (key: Wallet | ReturnType<typeof demoBundleSignerKey>, delegation: SignedDelegation, name: string) =>
  new BundleKeeper({
    provider: chain.provider,
    deployment: chain.deployment,
    schemas: demoSchemas,
    signerKey: softwareSigner("ES256K", getBytes(key.privateKey)),
    delegation,
    path: join(dir, name),
    region: SH,
  });

describe("bundle signers on chain, offline at the checkpoint", () => {
  it("a removed signer reaches checkpoints with the next bundle and is refused from then on (in process and by laissez verify)", async () => {
    const now = await chain.networkHelpers.time.latest();
    const anchor = { chainId: chain.deployment.chainId, authorities: [demoAuthorityKey(SH).address] };
    const stolen = keeperFor(
      demoBundleSignerKey(SH),
      await demoDelegation(SH, chain.deployment.chainId, now),
      "stolen.json",
    );
    expect(stolen.authority).toBe(demoAuthorityKey(SH).address.toLowerCase());
    await stolen.sync(now);
    let { state } = loadSignedBundle(stolen.current!.envelope, anchor, undefined, now);

    // The region authority (offline) adds a replacement signer with a fresh delegation, then removes the stolen one.
    const authority = demoAuthorityKey(SH).connect(chain.provider) as unknown as Signer;
    const replacement = Wallet.createRandom();
    const trust = connectLedger(chain.deployment, authority).trust;
    await (
      await trust.getFunction("addBundleSigner")(regionId(SH), replacement.address, now - 60, now + 86_400)
    ).wait();
    await (await trust.getFunction("removeBundleSigner")(regionId(SH), demoBundleSignerKey(SH).address)).wait();
    const delegation = await signDelegation(
      {
        chainId: chain.deployment.chainId,
        region: SH,
        signer: replacement.address,
        validFrom: now - 60,
        validUntil: now + 86_400,
      },
      softwareSigner("ES256K", getBytes(demoAuthorityKey(SH).privateKey)),
    );
    const fresh = keeperFor(replacement, delegation, "fresh.json");
    await fresh.sync(now);
    ({ state } = loadSignedBundle(fresh.current!.envelope, anchor, state, now + 1));
    expect(state.removedSigners).toEqual([demoBundleSignerKey(SH).address.toLowerCase()]);

    // The thief's server keeps syncing: its next bundle is refused (on chain it is removed, and the checkpoint remembers).
    await stolen.sync(now + 2);
    expect(() => loadSignedBundle(stolen.current!.envelope, anchor, state, now + 2)).toThrow(
      expect.objectContaining({ code: "bundle_signer_removed" }),
    );

    // Offline, the CLI with the same state file refuses the stolen signer's bundle: verdict unknown.
    writeFileSync(join(dir, "state.json"), JSON.stringify(state));
    writeFileSync(join(dir, "token.txt"), "not-needed");
    const run = await runLaissez([
      "verify",
      "--bundle",
      join(dir, "stolen.json"),
      "--region",
      SH,
      "--state",
      join(dir, "state.json"),
      "--now",
      String(now + 2),
      "--json",
      join(dir, "token.txt"),
    ]);
    expect(run.code, run.stderr).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ verdict: "unknown", reason: "bundle_signer_removed" });
  });
});

describe("services refuse governing keys (issue 14)", () => {
  it("refuses the old governing-key variables by name, without echoing the key", () => {
    const key = demoAuthorityKey(SH).privateKey;
    const checkpoint = {
      LAISSEZ_REGION: SH,
      LAISSEZ_BUNDLE_SIGNER_KEY: demoBundleSignerKey(SH).privateKey,
      LAISSEZ_BUNDLE_DELEGATION: "d.json",
      LAISSEZ_AUTHORITY_KEY: key,
    };
    expect(() => loadCheckpointConfig(checkpoint)).toThrow(ConfigError);
    expect(() => loadCheckpointConfig(checkpoint)).toThrow(/LAISSEZ_AUTHORITY_KEY: a governing key must stay offline/);
    expect(() => loadCheckpointConfig(checkpoint)).not.toThrow(new RegExp(key.slice(2)));
    const issuer = {
      LAISSEZ_DB: "x.db",
      LAISSEZ_AGENCY: agencyControllerKey(0).address,
      LAISSEZ_STATUS_WRITER_KEY: agencyStatusWriterKey(0).privateKey,
      LAISSEZ_SIGNING_KEY: agencySigningKey(0).privateKey,
      LAISSEZ_AGENCY_KEY: agencyControllerKey(0).privateKey,
    };
    expect(() => loadIssuerConfig(issuer)).toThrow(/LAISSEZ_AGENCY_KEY: a governing key must stay offline/);
  });

  it("tells from the chain when a service's key is a region authority, an identity owner or governance, naming the variable", async () => {
    const ledger = connectLedger(chain.deployment, chain.provider);
    const agency = agencyControllerKey(0).address;
    const refused = async (variable: string, address: string, identities = [agency]) => {
      const e = await refuseGoverningKeys(ledger, { [variable]: address }, identities).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(GoverningKeyError);
      expect((e as Error).message).toMatch(new RegExp(`^${variable} is `));
    };
    await refused("LAISSEZ_STATUS_WRITER_KEY", agency);
    await refused("LAISSEZ_SIGNING_KEY", agency);
    await refused("LAISSEZ_BUNDLE_SIGNER_KEY", demoAuthorityKey(SH).address, await issuerAddresses(ledger));
    await refused("LAISSEZ_BUNDLE_SIGNER_KEY", agencyControllerKey(3).address, await issuerAddresses(ledger));
    await refused("LAISSEZ_BUNDLE_SIGNER_KEY", await chain.governance.getAddress(), []);
    // The delegated keys pass.
    await refuseGoverningKeys(
      ledger,
      { LAISSEZ_STATUS_WRITER_KEY: agencyStatusWriterKey(0).address, LAISSEZ_SIGNING_KEY: agencySigningKey(0).address },
      [agency],
    );
    await refuseGoverningKeys(
      ledger,
      { LAISSEZ_BUNDLE_SIGNER_KEY: demoBundleSignerKey(SH).address },
      await issuerAddresses(ledger),
    );
  });
});
