import { type Contract, type Signer, Wallet } from "ethers";
import { beforeAll, describe, expect, it } from "vitest";
import { toWordMasks } from "../../core/status-bits.ts";
import { VERI_KEY } from "../../services/chain/consortium.ts";
import { credentialTypeId, regionId } from "../../services/chain/ids.ts";
import { agencySigningKey, regionBundleSignerKey } from "../../scripts/demo/consortium.ts";
import { expectRevert, seededChain, type SeededChain } from "../helpers/chain.ts";

/**
 * Issue 14's table, row by row, on the seeded demo chain: each role's key does what its row
 * says and nothing else; a key lacking a role is refused with the custom error and its values.
 */
const ZJ = regionId("CN-ZJ");
const SH = regionId("CN-SH");
const HEALTH = credentialTypeId("HealthCode");
let chain: SeededChain;
let signerKey: Signer; // CN-ZJ's bundle signer: what a checkpoint service holds
let credentialSigner: Signer; // agency 0's veriKey delegate: what its issuer service signs with
let writer: Signer; // agency 0's status writer: its issuer service's anchoring key
let owner: Signer; // agency 0's ERC-1056 identity owner (offline)
let agency: string;

beforeAll(async () => {
  chain = await seededChain();
  signerKey = regionBundleSignerKey(0).connect(chain.provider);
  credentialSigner = agencySigningKey(0).connect(chain.provider);
  writer = chain.accounts.writers[0] as Signer;
  owner = chain.accounts.controllers[0] as Signer;
  agency = await owner.getAddress();
  // Online keys get gas too, so every refusal below is the contract's, not an empty balance.
  for (const k of [signerKey, credentialSigner])
    await chain.networkHelpers.setBalance(await k.getAddress(), 10n ** 18n);
});

/** Every TrustRegistry write a region authority may make, attempted with `key`. */
async function expectNoRegionPower(trust: Contract, caller: string): Promise<void> {
  const other = Wallet.createRandom().address;
  await expectRevert(trust.getFunction("registerIssuer")(ZJ, other, "Rogue agency"), "NotRegionAuthority", [
    ZJ,
    caller,
  ]);
  await expectRevert(trust.getFunction("accredit")(agency, HEALTH, 0, 2 ** 40), "NotRegionAuthority", [ZJ, caller]);
  await expectRevert(trust.getFunction("withdrawAccreditation")(agency, HEALTH), "NotRegionAuthority", [ZJ, caller]);
  await expectRevert(trust.getFunction("suspendIssuer")(agency), "NotRegionAuthority", [ZJ, caller]);
  await expectRevert(trust.getFunction("removeIssuer")(agency), "NotRegionAuthority", [ZJ, caller]);
  await expectRevert(trust.getFunction("setRecognition")(ZJ, SH, HEALTH, true), "NotRegionAuthority", [ZJ, caller]);
  await expectRevert(trust.getFunction("addBundleSigner")(ZJ, caller, 0, 2 ** 40), "NotRegionAuthority", [ZJ, caller]);
  await expectRevert(trust.getFunction("addBundleSigner")(ZJ, other, 0, 2 ** 40), "NotRegionAuthority", [ZJ, caller]);
  await expectRevert(
    trust.getFunction("removeBundleSigner")(ZJ, await regionBundleSignerKey(0).getAddress()),
    "NotRegionAuthority",
    [ZJ, caller],
  );
  await expectRevert(trust.getFunction("addRegion")(regionId("CN-BJ"), caller), "NotGovernance", [caller]);
  await expectRevert(trust.getFunction("setRegionAuthority")(ZJ, caller), "NotGovernance", [caller]);
}

describe("key roles (issue 14): each key does its row and nothing else", () => {
  it("region bundle signer: a compromised checkpoint service's key cannot change the registry, nor authorize itself", async () => {
    const caller = await signerKey.getAddress();
    const ledger = chain.as(signerKey);
    await expectNoRegionPower(ledger.trust, caller);
    await expectRevert(ledger.trust.getFunction("setStatusWriter")(agency, caller), "NotIdentityOwner", [
      agency,
      caller,
      agency,
    ]);
    const { wordIndices, masks } = toWordMasks([1], 131_072);
    await expectRevert(
      ledger.status.getFunction("updateStatus")(chain.agencies[0]!.revocationList, wordIndices, masks, true),
      "NotStatusWriter",
      [agency, caller],
    );
    await expectRevert(ledger.status.getFunction("setListBounds")(1_000, 16_777_216), "NotGovernance", [caller]);
    expect(await ledger.trust.getFunction("isBundleSigner")(ZJ, caller, await chain.networkHelpers.time.latest())).toBe(
      true,
    );
  });

  it("issuer service keys (status writer, credential signer) cannot change the agency's DID owner, keys or writer", async () => {
    for (const key of [writer, credentialSigner]) {
      const caller = await key.getAddress();
      const { did, trust } = chain.as(key);
      await expect(did.getFunction("changeOwner")(agency, caller)).rejects.toThrow(/bad_actor/);
      await expect(did.getFunction("addDelegate")(agency, VERI_KEY, caller, 86_400)).rejects.toThrow(/bad_actor/);
      await expectRevert(trust.getFunction("setStatusWriter")(agency, caller), "NotIdentityOwner", [
        agency,
        caller,
        agency,
      ]);
      await expectNoRegionPower(trust, caller);
    }
    expect(String(await chain.as(owner).did.getFunction("identityOwner")(agency)).toLowerCase()).toBe(
      agency.toLowerCase(),
    );
  });

  it("agency status writer: writes its agency's bits only; the identity owner and the region authority cannot", async () => {
    const { wordIndices, masks } = toWordMasks([3], 131_072);
    const list = chain.agencies[0]!.revocationList;
    for (const key of [owner, chain.accounts.authorities[0] as Signer, credentialSigner]) {
      await expectRevert(
        chain.as(key).status.getFunction("updateStatus")(list, wordIndices, masks, true),
        "NotStatusWriter",
        [agency, await key.getAddress()],
      );
    }
    await (await chain.as(writer).status.getFunction("updateStatus")(list, wordIndices, masks, true)).wait();
    await expectRevert(
      chain.as(writer).status.getFunction("updateStatus")(chain.agencies[2]!.revocationList, wordIndices, masks, true),
      "NotStatusWriter",
      [chain.agencies[2]!.address, await writer.getAddress()],
    );
  });

  it("agency identity owner: names (and rotates) its status writer; never itself; the region authority cannot", async () => {
    const authority = chain.accounts.authorities[0] as Signer;
    await expectRevert(
      chain.as(authority).trust.getFunction("setStatusWriter")(agency, await authority.getAddress()),
      "NotIdentityOwner",
      [agency, await authority.getAddress(), agency],
    );
    await expectRevert(chain.as(owner).trust.getFunction("setStatusWriter")(agency, agency), "WriterIsIdentityOwner", [
      agency,
      agency,
    ]);
    const next = Wallet.createRandom(chain.provider);
    await chain.networkHelpers.setBalance(next.address, 10n ** 18n);
    await (await chain.as(owner).trust.getFunction("setStatusWriter")(agency, next.address)).wait();
    const { wordIndices, masks } = toWordMasks([4], 131_072);
    const list = chain.agencies[0]!.revocationList;
    await expectRevert(
      chain.as(writer).status.getFunction("updateStatus")(list, wordIndices, masks, true),
      "NotStatusWriter",
      [agency, await writer.getAddress()],
    );
    await (await chain.as(next).status.getFunction("updateStatus")(list, wordIndices, masks, true)).wait();
    await (await chain.as(owner).trust.getFunction("setStatusWriter")(agency, await writer.getAddress())).wait();
  });

  it("region authority: adds and removes its bundle signers, only in its own region; a removed signer never returns", async () => {
    const zj = chain.as(chain.accounts.authorities[0] as Signer).trust;
    const sh = chain.as(chain.accounts.authorities[1] as Signer).trust;
    const fresh = Wallet.createRandom().address;
    const shAuthority = await (chain.accounts.authorities[1] as Signer).getAddress();
    await expectRevert(sh.getFunction("addBundleSigner")(ZJ, fresh, 0, 2 ** 40), "NotRegionAuthority", [
      ZJ,
      shAuthority,
    ]);
    await (await zj.getFunction("addBundleSigner")(ZJ, fresh, 0, 2 ** 40)).wait();
    await (await zj.getFunction("removeBundleSigner")(ZJ, fresh)).wait();
    await expectRevert(zj.getFunction("addBundleSigner")(ZJ, fresh, 0, 2 ** 41), "BundleSignerWasRemoved", [ZJ, fresh]);
    expect(await zj.getFunction("isBundleSigner")(ZJ, fresh, 1)).toBe(false);
    const s = await zj.getFunction("getBundleSigner")(ZJ, fresh);
    expect([s.validFrom, s.validUntil, s.removed]).toEqual([0n, 2n ** 40n, true]);
  });

  it("governance: its functions refuse every other role's key", async () => {
    for (const key of [chain.accounts.authorities[0] as Signer, owner, writer, signerKey]) {
      const caller = await key.getAddress();
      const { trust, status } = chain.as(key);
      await expectRevert(
        trust.getFunction("registerCredentialType")(credentialTypeId("Passport"), HEALTH, "", 60),
        "NotGovernance",
        [caller],
      );
      await expectRevert(trust.getFunction("transferGovernance")(caller), "NotGovernance", [caller]);
      await expectRevert(status.getFunction("setListBounds")(1, 131_072), "NotGovernance", [caller]);
    }
  });
});
