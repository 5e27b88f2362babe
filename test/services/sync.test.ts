import { p256 } from "@noble/curves/nist.js";
import { type Signer } from "ethers";
import { beforeAll, describe, expect, it } from "vitest";
import { addressKeyId, verificationMethodOf } from "../../core/bundle.ts";
import { es256kIssuerKey, statusListUrl } from "../../core/credential.ts";
import { issueCredential } from "../../core/formats/jwt-vc/credential.ts";
import { ethrDid, p256DidKey } from "../../core/did.ts";
import { verifyCredential } from "../../core/verify.ts";
import { COMPROMISED, VERI_KEY } from "../../services/chain/consortium.ts";
import { regionId, credentialTypeId } from "../../services/chain/ids.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import {
  agencyControllerKey,
  agencySigningKey,
  DEMO_AGENCIES,
  DEMO_REGIONS,
  demoIssuerKey,
  demoSchema,
} from "../../scripts/demo/consortium.ts";
import { demoSchemas } from "../../scripts/context.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { Wallet, getBytes, type Filter, type HDNodeWallet, type Provider } from "ethers";

let chain: SeededChain;

/** The real node behind a proxy that drops the last log of the getLogs answers `drops` picks. */
function droppingTail(provider: Provider, drops: (filter: Filter) => boolean): Provider {
  return new Proxy(provider, {
    get(target, name) {
      if (name === "getLogs")
        return async (filter: Filter) => {
          const logs = await target.getLogs(filter);
          return drops(filter) ? logs.slice(0, -1) : logs;
        };
      const value = Reflect.get(target, name, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
const holder = p256DidKey(p256.getPublicKey(p256.utils.randomSecretKey(), false));
const controller = (i: number): Signer => chain.accounts.controllers[i] as Signer;

beforeAll(async () => {
  chain = await seededChain();
});

async function credentialSignedBy(
  key: ReturnType<typeof demoIssuerKey>,
  issuedAt: number,
  index: number,
  agencyIndex = 0,
): Promise<string> {
  const agency = chain.agencies[agencyIndex]!;
  return issueCredential({
    key,
    holder,
    credentialType: "HealthCode",
    claims: { healthStatus: "green" },
    schema: demoSchema("HealthCode"),
    status: {
      revocation: { listUrl: statusListUrl("http://127.0.0.1:1", 31337, agency.revocationList), index },
      suspension: { listUrl: statusListUrl("http://127.0.0.1:1", 31337, agency.suspensionList), index },
    },
    id: `urn:uuid:test-${index}`,
    issuedAt,
    validUntil: issuedAt + 86400,
  });
}

describe("sync from the chain", () => {
  it("builds the whole consortium into a bundle: regions, types with schemas, agencies, keys, recognition, lists", async () => {
    const { bundle, delta } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas });
    expect(Object.keys(bundle.regions)).toEqual([...DEMO_REGIONS]);
    expect(Object.keys(bundle.issuers)).toHaveLength(DEMO_AGENCIES.length);
    expect(bundle.credentialTypes.HealthCode?.schema).toEqual(demoSchema("HealthCode"));
    expect([
      bundle.credentialTypes.HealthCode?.maxValidity,
      bundle.credentialTypes.DriverLicence?.paperAllowed,
    ]).toEqual([7 * 86400, true]);
    expect(bundle.recognition["CN-SH"]?.["CN-ZJ"]).toEqual(["DriverLicence", "HealthCode"]);
    expect(Object.keys(bundle.statusLists)).toHaveLength(DEMO_AGENCIES.length * 2);
    // Each agency: its veriKey delegate and its Ed25519 attribute key; its controller (the DID owner) signs nothing.
    const zj = bundle.keys[chain.agencies[0]!.address.toLowerCase()]!;
    expect(zj.map((k) => k.kind).sort()).toEqual(["Ed25519", "secp256k1-address"]);
    expect(bundle.sequences.trust).toBe(Number(await chain.as(chain.governance).trust.getFunction("sequence")()));
    expect(delta.events.length).toBeGreaterThan(40);
  });

  it("a delta from a bundle carries only the changes, and gives the same bundle as a full sync", async () => {
    const first = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas });
    const zj = chain.as(chain.accounts.authorities[0] as Signer).trust;
    await (
      await zj.getFunction("setRecognition")(regionId("CN-ZJ"), regionId("CN-NM"), credentialTypeId("HealthCode"), true)
    ).wait();
    const next = await syncBundle(chain.provider, chain.deployment, { base: first.bundle, schemas: demoSchemas });
    expect(next.delta.events.map((e) => e.kind)).toEqual(["RecognitionSet"]);
    const full = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas });
    expect(next.bundle).toEqual(full.bundle);
  });

  it("refuses when the node leaves out the registries' tail events, or an issuer's DID events", async () => {
    const { bundle: base } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas });
    const zj = chain.as(chain.accounts.authorities[0] as Signer).trust;
    await (
      await zj.getFunction("setRecognition")(
        regionId("CN-ZJ"),
        regionId("CN-NM"),
        credentialTypeId("DriverLicence"),
        true,
      )
    ).wait();
    await (
      await chain.as(controller(2)).did.getFunction("addDelegate")(
        chain.agencies[2]!.address,
        VERI_KEY,
        Wallet.createRandom().address,
        86400,
      )
    ).wait();
    // A node (or a proxy in front of it) that drops the last log of each answer: no gap in the middle to see.
    const registries = (filter: Filter) => Array.isArray(filter.address);
    for (const drops of [registries, (filter: Filter) => !registries(filter)]) {
      const lossy = droppingTail(chain.provider, drops);
      await expect(syncBundle(lossy, chain.deployment, { schemas: demoSchemas })).rejects.toMatchObject({
        code: "sync_incomplete",
      });
      await expect(syncBundle(lossy, chain.deployment, { base, schemas: demoSchemas })).rejects.toMatchObject({
        code: "sync_incomplete",
      });
    }
    expect(
      (await syncBundle(chain.provider, chain.deployment, { base, schemas: demoSchemas })).delta.events.map(
        (e) => e.kind,
      ),
    ).toEqual(["RecognitionSet", "DidDelegateChanged"]);
  });

  it("ignores DID events of identities that are not registered issuers", async () => {
    const stranger = Wallet.createRandom(chain.provider);
    await chain.networkHelpers.setBalance(stranger.address, 10n ** 18n);
    await (
      await chain.as(stranger).did.getFunction("addDelegate")(
        stranger.address,
        VERI_KEY,
        Wallet.createRandom().address,
        86400,
      )
    ).wait();
    const { bundle, delta } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas });
    expect(bundle.keys[stranger.address.toLowerCase()]).toBeUndefined();
    expect(delta.events.some((e) => e.source === "did" && e.identity === stranger.address.toLowerCase())).toBe(false);
  });

  it("refuses a base bundle whose block is not on this chain", async () => {
    const { bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas });
    await expect(
      syncBundle(chain.provider, chain.deployment, {
        base: { ...bundle, block: { ...bundle.block, hash: "0x" + "00".repeat(32) } },
        schemas: demoSchemas,
      }),
    ).rejects.toMatchObject({ code: "delta_base_mismatch" });
  });
});

describe("key rotation on the ERC-1056 registry", () => {
  it("the DID owner signs nothing, before or after changeOwner", async () => {
    const agency = chain.agencies[1]!;
    const now = await chain.networkHelpers.time.latest();
    const ownerKey = (signer: Wallet | HDNodeWallet) =>
      es256kIssuerKey(ethrDid(31337, agency.address), addressKeyId(signer.address), getBytes(signer.privateKey));
    const owner = agencyControllerKey(1);
    const byOwner = await credentialSignedBy(ownerKey(owner), now, 21, 1);
    const next = Wallet.createRandom(chain.provider);
    await chain.networkHelpers.setBalance(next.address, 10n ** 18n);
    await (await chain.as(controller(1)).did.getFunction("changeOwner")(agency.address, next.address)).wait();
    const byNewOwner = await credentialSignedBy(ownerKey(next), now + 5, 22, 1);
    const { bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas });
    expect(bundle.owners[agency.address.toLowerCase()]).toBe(next.address.toLowerCase());
    for (const token of [byOwner, byNewOwner])
      expect(verifyCredential(token, { bundle, region: "CN-ZJ", now: now + 10, verifier: nativeVerifier }).reason).toBe(
        "unknown_key",
      );
  });

  it("keeps what a key signed before its planned rotation; rejects what a compromised key signed", async () => {
    const agency = chain.agencies[0]!;
    const did = chain.as(controller(0)).did;
    const now = await chain.networkHelpers.time.latest();

    // Planned rotation: a new delegate; the old one's validity is cut to end in 100 s.
    const oldKey = demoIssuerKey(31337, 0, "ES256K");
    const beforeRotation = await credentialSignedBy(oldKey, now, 11);
    const oldAddress = agencySigningKey(0).address;
    await (await did.getFunction("addDelegate")(agency.address, VERI_KEY, oldAddress, 100)).wait();
    const next = Wallet.createRandom();
    await (await did.getFunction("addDelegate")(agency.address, VERI_KEY, next.address, 365 * 86400)).wait();
    await chain.networkHelpers.time.increase(200);
    const later = await chain.networkHelpers.time.latest();
    const afterRotation = await credentialSignedBy(oldKey, later, 12);
    // The new key's kid names the method ethr-did-resolver gives it (the bundle numbers them the same way).
    const rotated = (await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas })).bundle;
    const newKey = es256kIssuerKey(
      ethrDid(31337, agency.address),
      verificationMethodOf(rotated, agency.address, { address: next.address }) as string,
      getBytes(next.privateKey),
    );
    const byNewKey = await credentialSignedBy(newKey, later, 13);

    let { bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas });
    const check = (token: string) =>
      verifyCredential(token, { bundle, region: "CN-SH", now: later + 1, verifier: nativeVerifier });
    expect(check(beforeRotation).verdict).toBe("accept");
    expect(check(afterRotation).reason).toBe("key_not_valid_at_issuance");
    expect(check(byNewKey).verdict).toBe("accept");

    // A planned rotation effective immediately (revokeDelegate: zero validity) is not a compromise.
    await (await did.getFunction("revokeDelegate")(agency.address, VERI_KEY, next.address)).wait();
    ({ bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas }));
    expect(
      verifyCredential(byNewKey, { bundle, region: "CN-SH", now: later + 2, verifier: nativeVerifier }).verdict,
    ).toBe("accept");
    // Re-added: its second window counts.
    await (await did.getFunction("addDelegate")(agency.address, VERI_KEY, next.address, 86400)).wait();
    const secondWindow = await chain.networkHelpers.time.latest();
    const inSecondWindow = await credentialSignedBy(newKey, secondWindow, 14);
    ({ bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas }));
    expect(
      verifyCredential(inSecondWindow, { bundle, region: "CN-SH", now: secondWindow + 2, verifier: nativeVerifier })
        .verdict,
    ).toBe("accept");

    // Compromise, recorded explicitly: everything the key signed goes, even from before.
    await (await did.getFunction("setAttribute")(agency.address, COMPROMISED, next.address, 1)).wait();
    ({ bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas }));
    for (const token of [byNewKey, inSecondWindow])
      expect(
        verifyCredential(token, { bundle, region: "CN-SH", now: secondWindow + 3, verifier: nativeVerifier }).reason,
      ).toBe("key_revoked");
    expect(
      verifyCredential(beforeRotation, { bundle, region: "CN-SH", now: secondWindow + 3, verifier: nativeVerifier })
        .verdict,
    ).toBe("accept");
  });
});

describe("accreditation history on the TrustRegistry", () => {
  it("renewal keeps earlier credentials; withdrawal for cause refuses only the withdrawn window", async () => {
    const agency = chain.agencies[2]!; // CN-SH health
    const sh = chain.as(chain.accounts.authorities[1] as Signer).trust;
    const key = demoIssuerKey(31337, 2, "ES256K");
    const start = await chain.networkHelpers.time.latest();
    const beforeRenewal = await credentialSignedBy(key, start, 31, 2);
    await (
      await sh.getFunction("accredit")(agency.address, credentialTypeId("HealthCode"), start + 10, start + 365 * 86400)
    ).wait();
    await chain.networkHelpers.time.increase(20);
    const afterRenewal = await credentialSignedBy(key, start + 20, 32, 2);
    let { bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas });
    const windows = () => bundle.issuers[agency.address.toLowerCase()]!.accreditations.HealthCode!.map((w) => w.end);
    const check = (token: string) =>
      verifyCredential(token, { bundle, region: "CN-SH", now: start + 30, verifier: nativeVerifier });
    expect(windows()).toEqual(["renewed", "scheduled"]);
    expect([check(beforeRenewal).verdict, check(afterRenewal).verdict]).toEqual(["accept", "accept"]);

    await (await sh.getFunction("withdrawAccreditation")(agency.address, credentialTypeId("HealthCode"))).wait();
    ({ bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas }));
    expect(windows()).toEqual(["renewed", "withdrawn"]);
    expect(check(afterRenewal).reason).toBe("accreditation_withdrawn");
    expect(check(beforeRenewal).verdict).toBe("accept");
  });
});
