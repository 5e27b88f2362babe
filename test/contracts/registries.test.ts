import { type EventLog, type Signer, Wallet } from "ethers";
import { beforeAll, describe, expect, it } from "vitest";
import { toWordMasks } from "../../core/status-bits.ts";
import { credentialTypeId, idToString, regionId } from "../../services/chain/ids.ts";
import { PURPOSE } from "../../services/chain/consortium.ts";
import { connectLedger } from "../../services/chain/ledger.ts";
import { DEMO_AGENCIES, DEMO_RECOGNITION, DEMO_REGIONS, DEMO_TYPES } from "../../scripts/demo/consortium.ts";
import { expectRevert, seededChain, type SeededChain } from "../helpers/chain.ts";

const ZJ = regionId("CN-ZJ");
const NM = regionId("CN-NM");
const HEALTH = credentialTypeId("HealthCode");
const DRIVER = credentialTypeId("DriverLicence");

let chain: SeededChain;
const authority = (i: number): Signer => chain.accounts.authorities[i] as Signer;
const controller = (i: number): Signer => chain.accounts.controllers[i] as Signer;
const writer = (i: number): Signer => chain.accounts.writers[i] as Signer;

beforeAll(async () => {
  chain = await seededChain();
});

async function events(contract: ReturnType<typeof connectLedger>["trust"]): Promise<EventLog[]> {
  return (await contract.queryFilter("*", 0, "latest")).filter((e): e is EventLog => "eventName" in e);
}

describe("TrustRegistry, as seeded with the demo consortium", () => {
  it("reads every region, type and agency back, page by page", async () => {
    const { trust } = chain.as(chain.governance);
    expect(await trust.getFunction("regionCount")()).toBe(3n);
    const pages = [...(await trust.getFunction("regions")(0, 2)), ...(await trust.getFunction("regions")(2, 2))];
    expect(pages.map(idToString)).toEqual([...DEMO_REGIONS]);
    expect(await trust.getFunction("regions")(3, 10)).toEqual([]);
    expect((await trust.getFunction("credentialTypes")(0, 100)).map(idToString)).toEqual(DEMO_TYPES.map((t) => t.name));
    const issuers: string[] = [];
    for (let offset = 0; ; offset += 4) {
      const page = (await trust.getFunction("issuers")(offset, 4)) as string[];
      if (page.length === 0) break;
      issuers.push(...page);
    }
    expect(issuers).toEqual(
      chain.agencies.map((a) => a.address).sort((a, b) => issuers.indexOf(a) - issuers.indexOf(b)),
    );
    expect(issuers).toHaveLength(DEMO_AGENCIES.length);
    const zjHealth = await trust.getFunction("getIssuer")(await controller(0).getAddress());
    expect([zjHealth.region, zjHealth.status, zjHealth.name]).toEqual([ZJ, 1n, DEMO_AGENCIES[0]?.name]);
    const type = await trust.getFunction("getCredentialType")(HEALTH);
    expect(type.maxStatusAge).toBe(3600n);
    expect(type.schemaUri).toBe("urn:laissez:schema:HealthCode:1");
    const policy = await trust.getFunction("getCredentialTypePolicy")(HEALTH);
    expect([policy.maxValidity, policy.paperAllowed]).toEqual([7n * 86400n, true]);
  });

  it("applies the recognition policy: not every region accepts every type", async () => {
    const { trust } = chain.as(chain.governance);
    const recognized = async (v: string, i: string, t: string) =>
      trust.getFunction("isRecognized")(regionId(v), regionId(i), credentialTypeId(t)) as Promise<boolean>;
    for (const r of DEMO_RECOGNITION) expect(await recognized(r.verifying, r.issuing, r.type)).toBe(true);
    expect(await recognized("CN-NM", "CN-ZJ", "HealthCode")).toBe(false);
    expect(await recognized("CN-SH", "CN-NM", "HealthCode")).toBe(false);
    // A region always accepts its own agencies.
    expect(await recognized("CN-NM", "CN-NM", "HealthCode")).toBe(true);
    const types = async (v: string, i: string) =>
      ((await trust.getFunction("recognizedTypes")(regionId(v), regionId(i))) as string[]).map(idToString).sort();
    expect(await types("CN-SH", "CN-ZJ")).toEqual(["DriverLicence", "HealthCode"]);
    expect(await types("CN-NM", "CN-SH")).toEqual(["BusinessLicence"]);
  });

  it("withdraws recognition and reads the list back", async () => {
    const nm = chain.as(authority(2)).trust;
    const set = async (type: string, on: boolean) =>
      (await nm.getFunction("setRecognition")(NM, ZJ, credentialTypeId(type), on)).wait();
    await set("HealthCode", true);
    await set("BusinessLicence", true);
    await set("HealthCode", true); // idempotent
    await set("DriverLicence", false);
    expect(((await nm.getFunction("recognizedTypes")(NM, ZJ)) as string[]).map(idToString).sort()).toEqual([
      "BusinessLicence",
      "HealthCode",
    ]);
    await set("HealthCode", false);
    await set("BusinessLicence", false);
    expect(await nm.getFunction("recognizedTypes")(NM, ZJ)).toEqual([]);
    expect(await nm.getFunction("isRecognized")(NM, ZJ, credentialTypeId("DriverLicence"))).toBe(false);
    await set("DriverLicence", true);
  });

  it("numbers every event with a gap-free sequence that matches sequence()", async () => {
    for (const contract of [chain.as(chain.governance).trust, chain.as(chain.governance).status]) {
      const seqs = (await events(contract)).map((e) => Number(e.args.seq));
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      expect(await contract.getFunction("sequence")()).toBe(BigInt(seqs.length));
    }
  });

  it("keeps a region authority inside its own region", async () => {
    const sh = chain.as(authority(1)).trust;
    const shAddress = await authority(1).getAddress();
    const zjAgency = await controller(0).getAddress();
    await expectRevert(sh.getFunction("accredit")(zjAgency, HEALTH, 0, 1), "NotRegionAuthority", [ZJ, shAddress]);
    await expectRevert(sh.getFunction("suspendIssuer")(zjAgency), "NotRegionAuthority", [ZJ, shAddress]);
    await expectRevert(sh.getFunction("removeIssuer")(zjAgency), "NotRegionAuthority", [ZJ, shAddress]);
    await expectRevert(
      sh.getFunction("registerIssuer")(ZJ, Wallet.createRandom().address, "Impostor"),
      "NotRegionAuthority",
      [ZJ, shAddress],
    );
    await expectRevert(sh.getFunction("setRecognition")(ZJ, NM, HEALTH, true), "NotRegionAuthority", [ZJ, shAddress]);
    // Nobody grants themselves a role.
    const agency = chain.as(controller(0)).trust;
    await expectRevert(agency.getFunction("accredit")(zjAgency, DRIVER, 0, 2 ** 40), "NotRegionAuthority", [
      ZJ,
      zjAgency,
    ]);
    await expectRevert(agency.getFunction("addRegion")(regionId("CN-BJ"), zjAgency), "NotGovernance", [zjAgency]);
  });

  it("rejects bad governance input with the offending values", async () => {
    const { trust } = chain.as(chain.governance);
    await expectRevert(trust.getFunction("addRegion")(ZJ, await authority(0).getAddress()), "RegionExists", [ZJ]);
    await expectRevert(trust.getFunction("registerCredentialType")(HEALTH, HEALTH, "", 60), "CredentialTypeExists", [
      HEALTH,
    ]);
    await expectRevert(
      trust.getFunction("registerCredentialType")(credentialTypeId("Passport"), HEALTH, "", 0),
      "InvalidMaxStatusAge",
      [0n],
    );
    await expectRevert(trust.getFunction("setCredentialTypePolicy")(HEALTH, 0, true), "InvalidMaxValidity", [0n]);
    await expectRevert(
      trust.getFunction("setCredentialTypePolicy")(HEALTH, 21 * 365 * 86400, true),
      "InvalidMaxValidity",
      [BigInt(21 * 365 * 86400)],
    );
    await expectRevert(
      trust.getFunction("setCredentialTypePolicy")(credentialTypeId("Passport"), 60, true),
      "UnknownCredentialType",
      [credentialTypeId("Passport")],
    );
    const zj = chain.as(authority(0)).trust;
    await expectRevert(
      zj.getFunction("accredit")(await controller(0).getAddress(), HEALTH, 10, 10),
      "InvalidValidity",
      [10n, 10n],
    );
    await expectRevert(zj.getFunction("setRecognition")(ZJ, ZJ, HEALTH, true), "SameRegion", [ZJ]);
  });

  it("transfers governance in two steps", async () => {
    const next = Wallet.createRandom(chain.provider);
    await chain.networkHelpers.setBalance(next.address, 10n ** 18n);
    const { trust } = chain.as(chain.governance);
    await (await trust.getFunction("transferGovernance")(next.address)).wait();
    expect(await trust.getFunction("governance")()).toBe(await chain.governance.getAddress());
    await expectRevert(chain.as(authority(0)).trust.getFunction("acceptGovernance")(), "NotPendingGovernance", [
      await authority(0).getAddress(),
    ]);
    await (await chain.as(next).trust.getFunction("acceptGovernance")()).wait();
    expect(await trust.getFunction("governance")()).toBe(next.address);
    await expectRevert(trust.getFunction("addRegion")(regionId("CN-BJ"), next.address), "NotGovernance", [
      await chain.governance.getAddress(),
    ]);
    // Hand it back so later tests keep the seeded governance.
    await (await chain.as(next).trust.getFunction("transferGovernance")(await chain.governance.getAddress())).wait();
    await (await trust.getFunction("acceptGovernance")()).wait();
  });

  it("ends an accreditation at validUntil, and on withdrawal", async () => {
    const zj = chain.as(authority(0)).trust;
    const agency = await controller(1).getAddress();
    const now = await chain.networkHelpers.time.latest();
    await (await zj.getFunction("accredit")(agency, HEALTH, now, now + 100)).wait();
    expect(await zj.getFunction("isAccredited")(agency, HEALTH, now + 50)).toBe(true);
    expect(await zj.getFunction("isAccredited")(agency, HEALTH, now + 100)).toBe(false);
    await (await zj.getFunction("withdrawAccreditation")(agency, HEALTH)).wait();
    expect(await zj.getFunction("isAccredited")(agency, HEALTH, now + 50)).toBe(false);
    await expectRevert(zj.getFunction("withdrawAccreditation")(agency, HEALTH), "NotAccredited", [agency, HEALTH]);
    expect((await zj.getFunction("accreditedTypes")(agency)).map(idToString)).toEqual(["DriverLicence", "HealthCode"]);
  });
});

describe("StatusRegistry", () => {
  const list = (i: number) => chain.agencies[i] as (typeof chain.agencies)[number];

  it("sets many bits in one transaction and reads them back as words", async () => {
    const { status } = chain.as(writer(0));
    const indices = [0, 1, 255, 256, 70_000, 131_071];
    const { wordIndices, masks } = toWordMasks(indices, 131_072);
    const receipt = await (
      await status.getFunction("updateStatus")(list(0).revocationList, wordIndices, masks, true)
    ).wait();
    const event = status.interface.parseLog(receipt!.logs[0]!)!;
    expect(event.name).toBe("StatusUpdated");
    expect(event.args.listSeq).toBe(1n);
    for (const i of indices) expect(await status.getFunction("isSet")(list(0).revocationList, i)).toBe(true);
    expect(await status.getFunction("isSet")(list(0).revocationList, 2)).toBe(false);
    const words = await status.getFunction("getWords")(list(0).revocationList, 0, 2);
    expect(words).toEqual([(1n << 255n) | 3n, 1n]);
    expect(await status.getFunction("getWords")(list(0).revocationList, 510, 100)).toHaveLength(2);
  });

  it("never clears a revocation bit, and toggles a suspension bit", async () => {
    const { status } = chain.as(writer(0));
    const { wordIndices, masks } = toWordMasks([42], 131_072);
    await (await status.getFunction("updateStatus")(list(0).revocationList, wordIndices, masks, true)).wait();
    await expectRevert(
      status.getFunction("updateStatus")(list(0).revocationList, wordIndices, masks, false),
      "RevocationIsPermanent",
      [BigInt(list(0).revocationList)],
    );
    expect(await status.getFunction("isSet")(list(0).revocationList, 42)).toBe(true);
    for (const set of [true, false, true]) {
      await (await status.getFunction("updateStatus")(list(0).suspensionList, wordIndices, masks, set)).wait();
      expect(await status.getFunction("isSet")(list(0).suspensionList, 42)).toBe(set);
    }
    expect((await status.getFunction("getList")(list(0).suspensionList)).sequence).toBe(3n);
  });

  it("refuses another agency's list, an index out of range, a short list, an empty update", async () => {
    const other = chain.as(writer(2)).status;
    const otherAddress = await writer(2).getAddress();
    const { wordIndices, masks } = toWordMasks([7], 131_072);
    await expectRevert(
      other.getFunction("updateStatus")(list(0).revocationList, wordIndices, masks, true),
      "NotStatusWriter",
      [list(0).address, otherAddress],
    );
    const own = chain.as(writer(0)).status;
    await expectRevert(own.getFunction("updateStatus")(list(0).revocationList, [512n], [1n], true), "WordOutOfRange", [
      BigInt(list(0).revocationList),
      512n,
      512n,
    ]);
    await expectRevert(own.getFunction("createList")(list(0).address, PURPOSE.revocation, 65_536), "InvalidListSize", [
      65_536n,
      131_072n,
      1_048_576n,
    ]);
    await expectRevert(own.getFunction("updateStatus")(list(0).revocationList, [], [], true), "EmptyUpdate", []);
    await expectRevert(own.getFunction("updateStatus")(list(0).revocationList, [1n], [], true), "LengthMismatch", [
      1n,
      0n,
    ]);
    await expectRevert(own.getFunction("getList")(10_000), "UnknownList", [10_000n]);
    expect(() => toWordMasks([131_072], 131_072)).toThrow(RangeError);
  });

  it("lets a suspended agency revoke and suspend (safety actions) but not lift a suspension, and everything once reinstated", async () => {
    const zj = chain.as(authority(0)).trust;
    const agency = await controller(1).getAddress();
    await (await zj.getFunction("suspendIssuer")(agency)).wait();
    const { wordIndices, masks } = toWordMasks([9], 131_072);
    const own = chain.as(writer(1)).status;
    await (await own.getFunction("updateStatus")(list(1).revocationList, wordIndices, masks, true)).wait();
    await (await own.getFunction("updateStatus")(list(1).suspensionList, wordIndices, masks, true)).wait();
    await expectRevert(
      own.getFunction("updateStatus")(list(1).suspensionList, wordIndices, masks, false),
      "IssuerNotActive",
      [agency],
    );
    await expectRevert(own.getFunction("createList")(agency, PURPOSE.revocation, 131_072), "IssuerNotAccredited", [
      agency,
    ]);
    await expectRevert(zj.getFunction("suspendIssuer")(agency), "InvalidIssuerStatus", [agency, 2n]);
    await (await zj.getFunction("reinstateIssuer")(agency)).wait();
    await (await own.getFunction("updateStatus")(list(1).suspensionList, wordIndices, masks, false)).wait();
    expect(await own.getFunction("isSet")(list(1).revocationList, 9)).toBe(true);
    expect(await own.getFunction("isSet")(list(1).suspensionList, 9)).toBe(false);
  });

  it("bounds the lists per agency and their size; governance moves the bounds (issue 10 item 19)", async () => {
    const own = chain.as(writer(3)).status;
    const agency = list(3).address;
    expect(await own.getFunction("listBounds")()).toEqual([16n, 1_048_576n]);
    await expectRevert(own.getFunction("createList")(agency, PURPOSE.revocation, 16_777_216), "InvalidListSize", [
      16_777_216n,
      131_072n,
      1_048_576n,
    ]);
    await (await chain.as(chain.governance).status.getFunction("setListBounds")(3, 262_144)).wait();
    await (await own.getFunction("createList")(agency, PURPOSE.revocation, 262_144)).wait();
    await expectRevert(own.getFunction("createList")(agency, PURPOSE.revocation, 131_072), "TooManyLists", [
      agency,
      3n,
      3n,
    ]);
    await expectRevert(chain.as(authority(1)).status.getFunction("setListBounds")(100, 262_144), "NotGovernance", [
      await authority(1).getAddress(),
    ]);
    await (await chain.as(chain.governance).status.getFunction("setListBounds")(16, 1_048_576)).wait();
  });

  it("lists an agency's lists, paginated", async () => {
    const { status } = chain.as(chain.governance);
    const agency = await controller(5).getAddress();
    expect(await status.getFunction("listCountOf")(agency)).toBe(2n);
    expect(await status.getFunction("listsOf")(agency, 0, 1)).toEqual([BigInt(list(5).revocationList)]);
    expect(await status.getFunction("listsOf")(agency, 1, 1)).toEqual([BigInt(list(5).suspensionList)]);
    expect(await status.getFunction("listsOf")(agency, 2, 1)).toEqual([]);
  });

  it("gives every seeded agency a did:ethr signing key (ERC-1056 veriKey delegate)", async () => {
    const { did } = chain.as(chain.governance);
    const events = (await did.queryFilter(did.filters.DIDDelegateChanged!(), 0, "latest")) as EventLog[];
    expect(new Set(events.map((e) => e.args.identity))).toEqual(new Set(chain.agencies.map((a) => a.address)));
  });
});
