import { readFileSync } from "node:fs";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { getBytes, HDNodeWallet, Mnemonic, type Provider, type Signer } from "ethers";
import {
  ed25519IssuerKey,
  es256kIssuerKey,
  ethrDid,
  hashCanonical,
  type IssuerSigningKey,
  type JsonValue,
  signDelegation,
  type SignedDelegation,
  softwareSigner,
  utf8,
} from "../../core/index.ts";
import type { ConsortiumSpec } from "../../services/chain/consortium.ts";

/**
 * The demo consortium: three regions, two agencies each, three credential types, and a
 * recognition policy where not every region accepts every type from every other.
 * Keys come from Hardhat's public development mnemonic: for the embedded chain and tests
 * only, never for a real network (the CLI refuses them off chain 31337).
 */
export const DEV_CHAIN_ID = 31337;
const DEV_MNEMONIC = Mnemonic.fromPhrase("test test test test test test test test test test test junk");

function devKey(path: string): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(DEV_MNEMONIC, path);
}

/** Hardhat's account #0: funded on the embedded chain; deploys and governs the demo. */
export const devDeployer = (provider?: Provider): Signer => devKey("m/44'/60'/0'/0/0").connect(provider ?? null);

/**
 * Policies: a health code lives at most 7 days, a licence at most 5 years (the issuer service's
 * longest). Paper is allowed for all three: health codes for citizens without a phone, licences
 * because their holders have always carried them on paper (docs/decisions.md).
 */
export const DEMO_TYPES = [
  { name: "HealthCode", maxStatusAge: 3600, maxValidity: 7 * 86400, paperAllowed: true },
  { name: "DriverLicence", maxStatusAge: 7 * 86400, maxValidity: 5 * 365 * 86400, paperAllowed: true },
  { name: "BusinessLicence", maxStatusAge: 7 * 86400, maxValidity: 5 * 365 * 86400, paperAllowed: true },
] as const;

export type DemoType = (typeof DEMO_TYPES)[number]["name"];

export function demoSchema(type: string): JsonValue {
  return JSON.parse(readFileSync(new URL(`./schemas/${type}.json`, import.meta.url), "utf8")) as JsonValue;
}

export const schemaUri = (type: string): string => `urn:laissez:schema:${type}:1`;

export const DEMO_REGIONS = ["CN-ZJ", "CN-SH", "CN-NM"] as const;

export const DEMO_AGENCIES: readonly { region: string; name: string; types: readonly DemoType[] }[] = [
  { region: "CN-ZJ", name: "Zhejiang Provincial Health Commission", types: ["HealthCode"] },
  { region: "CN-ZJ", name: "Zhejiang Traffic Police", types: ["DriverLicence"] },
  { region: "CN-SH", name: "Shanghai Municipal Health Commission", types: ["HealthCode"] },
  { region: "CN-SH", name: "Shanghai Administration for Market Regulation", types: ["BusinessLicence"] },
  { region: "CN-NM", name: "Inner Mongolia Health Commission", types: ["HealthCode"] },
  { region: "CN-NM", name: "Inner Mongolia Traffic Police", types: ["DriverLicence"] },
];

/** Which region's checkpoints accept which type from which other region. CN-NM accepts no outside health codes. */
export const DEMO_RECOGNITION: readonly { verifying: string; issuing: string; type: DemoType }[] = [
  { verifying: "CN-SH", issuing: "CN-ZJ", type: "HealthCode" },
  { verifying: "CN-SH", issuing: "CN-ZJ", type: "DriverLicence" },
  { verifying: "CN-SH", issuing: "CN-NM", type: "DriverLicence" },
  { verifying: "CN-ZJ", issuing: "CN-SH", type: "HealthCode" },
  { verifying: "CN-ZJ", issuing: "CN-SH", type: "BusinessLicence" },
  { verifying: "CN-ZJ", issuing: "CN-NM", type: "DriverLicence" },
  { verifying: "CN-NM", issuing: "CN-ZJ", type: "DriverLicence" },
  { verifying: "CN-NM", issuing: "CN-SH", type: "BusinessLicence" },
];

/**
 * One demo key per role (issue 14), so the demo runs with the custody a real deployment has:
 * governing keys (region authority, agency identity owner) are used only by seeding and the
 * operator commands; services get the delegated ones (bundle signer, status writer, credential signer).
 */
export const regionAuthorityKey = (i: number): HDNodeWallet => devKey(`m/44'/60'/1'/0/${i}`);
/** Agency i's did:ethr identity and its ERC-1056 identity owner. */
export const agencyControllerKey = (i: number): HDNodeWallet => devKey(`m/44'/60'/2'/0/${i}`);
/** Agency i's credential signer (veriKey delegate): the issuer service. */
export const agencySigningKey = (i: number): HDNodeWallet => devKey(`m/44'/60'/3'/0/${i}`);
/** Region i's bundle signer: its checkpoint services. */
export const regionBundleSignerKey = (i: number): HDNodeWallet => devKey(`m/44'/60'/4'/0/${i}`);
/** Agency i's status writer: its issuer service's anchoring worker. */
export const agencyStatusWriterKey = (i: number): HDNodeWallet => devKey(`m/44'/60'/5'/0/${i}`);
/** The demo agencies' Ed25519 signing keys (32-byte seeds), derived from the same public mnemonic. */
export const agencyEd25519Key = (i: number): Uint8Array => sha256(utf8(`${DEV_MNEMONIC.phrase}/laissez/ed25519/${i}`));

/** What the demo issues for each type: the claims the scenario, the tests and the QR benchmark use. */
export const DEMO_CLAIMS: Readonly<Record<DemoType, Record<string, JsonValue>>> = {
  HealthCode: { healthStatus: "green", givenName: "Mei", familyName: "Li" },
  DriverLicence: {
    licenceNumber: "330106199004120011",
    givenName: "Mei",
    familyName: "Li",
    birthDate: "1990-04-12",
    categories: ["C1"],
  },
  BusinessLicence: {
    unifiedSocialCreditCode: "91330106MA2H0X1234",
    entityName: "Hangzhou West Lake Tea Trading Co., Ltd.",
    legalRepresentative: "Li Mei",
  },
};

/**
 * The verification methods the seed's DID events make, as ethr-did-resolver numbers them: each
 * agency's first DID event adds its ES256K delegate, the second its Ed25519 key (a test resolves
 * the documents on the seeded chain and checks).
 */
export const DEMO_METHODS = { ES256K: "delegate-1", EdDSA: "delegate-2" } as const;

/** A demo agency's signing key for credentials: its ES256K veriKey delegate, or its Ed25519 key; `kid` names its method. */
export function demoIssuerKey(chainId: number, agency: number, alg: "ES256K" | "EdDSA"): IssuerSigningKey {
  const did = ethrDid(chainId, agencyControllerKey(agency).address);
  if (alg === "EdDSA") return ed25519IssuerKey(did, DEMO_METHODS.EdDSA, agencyEd25519Key(agency));
  return es256kIssuerKey(did, DEMO_METHODS.ES256K, getBytes(agencySigningKey(agency).privateKey));
}

function demoRegionIndex(region: string): number {
  const i = DEMO_REGIONS.indexOf(region as (typeof DEMO_REGIONS)[number]);
  if (i < 0) throw new Error(`no demo region ${region}`);
  return i;
}

/** The demo region authority's key: governs the region (offline); checkpoints pin its address. */
export const demoAuthorityKey = (region: string): HDNodeWallet => regionAuthorityKey(demoRegionIndex(region));

/** The demo region's bundle signer key: what its checkpoint services sign bundles with. */
export const demoBundleSignerKey = (region: string): HDNodeWallet => regionBundleSignerKey(demoRegionIndex(region));

/**
 * The demo authority's delegation to its bundle signer, valid from a day before `now` for a
 * year: in a real region the authority signs this offline (`laissez authority delegate`).
 */
export function demoDelegation(region: string, chainId: number, now: number): Promise<SignedDelegation> {
  return signDelegation(
    {
      chainId,
      region,
      signer: demoBundleSignerKey(region).address,
      validFrom: now - 86400,
      validUntil: now + 365 * 86400,
    },
    softwareSigner("ES256K", getBytes(demoAuthorityKey(region).privateKey)),
  );
}

/** Every account the demo sends transactions from, connected to `provider`. */
export function demoAccounts(provider: Provider): { authorities: Signer[]; controllers: Signer[]; writers: Signer[] } {
  return {
    authorities: DEMO_REGIONS.map((_, i) => regionAuthorityKey(i).connect(provider)),
    controllers: DEMO_AGENCIES.map((_, i) => agencyControllerKey(i).connect(provider)),
    writers: DEMO_AGENCIES.map((_, i) => agencyStatusWriterKey(i).connect(provider)),
  };
}

/** The demo consortium spec, with accreditations from a day before `now` for two years. */
export function demoConsortium(provider: Provider, now: number): ConsortiumSpec {
  const { authorities, controllers, writers } = demoAccounts(provider);
  return {
    governance: devDeployer(provider),
    credentialTypes: DEMO_TYPES.map((t) => ({
      name: t.name,
      schemaHash: hashCanonical(demoSchema(t.name)),
      schemaUri: schemaUri(t.name),
      maxStatusAge: t.maxStatusAge,
      maxValidity: t.maxValidity,
      paperAllowed: t.paperAllowed,
    })),
    regions: DEMO_REGIONS.map((code, i) => ({
      code,
      authority: authorities[i] as Signer,
      bundleSigners: [
        { address: regionBundleSignerKey(i).address, validFrom: now - 86400, validUntil: now + 2 * 365 * 86400 },
      ],
    })),
    agencies: DEMO_AGENCIES.map((a, i) => ({
      region: a.region,
      name: a.name,
      controller: controllers[i] as Signer,
      statusWriter: writers[i] as Signer,
      accreditations: a.types.map((type) => ({ type, validFrom: now - 86400, validUntil: now + 2 * 365 * 86400 })),
      signingKeys: [{ address: agencySigningKey(i).address, validity: 365 * 86400 }],
      ed25519Keys: [{ publicKey: ed25519.getPublicKey(agencyEd25519Key(i)), validity: 365 * 86400 }],
    })),
    recognition: DEMO_RECOGNITION,
  };
}
