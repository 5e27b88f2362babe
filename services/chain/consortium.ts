import {
  encodeBytes32String,
  type Provider,
  type Signer,
  type TransactionReceipt,
  type TransactionResponse,
} from "ethers";
import { COMPROMISED_ATTRIBUTE } from "../../core/index.ts";
import { connectLedger, type Deployment } from "./ledger.ts";
import { credentialTypeId, regionId } from "./ids.ts";

/** ERC-1056 delegate type for keys that sign on an identity's behalf (what did:ethr calls veriKey). */
export const VERI_KEY = encodeBytes32String("veriKey");
/** ERC-1056 attribute name under which ethr-did-resolver (and our sync) read an Ed25519 signing key. */
export const ED25519_ATTRIBUTE = encodeBytes32String("did/pub/Ed25519/veriKey/base64");

/** ERC-1056 attribute an identity's owner sets to record a key's compromise (value: the key). See core/bundle.ts. */
export const COMPROMISED = encodeBytes32String(COMPROMISED_ATTRIBUTE);

/** StatusRegistry.Purpose as the contract numbers it. */
export const PURPOSE = { revocation: 0, suspension: 1 } as const;

export interface CredentialTypeSpec {
  readonly name: string;
  readonly schemaHash: string;
  readonly schemaUri: string;
  /** Seconds a checkpoint may rely on status data for this type. */
  readonly maxStatusAge: number;
  /** Longest a credential of this type may be valid, seconds (its on-chain policy). */
  readonly maxValidity: number;
  /** Whether paper copies (no holder key) are allowed. */
  readonly paperAllowed: boolean;
}

export interface AgencySpec {
  readonly region: string;
  readonly name: string;
  /** The agency's did:ethr identity and, until an ERC-1056 owner change, its identity owner (offline). */
  readonly controller: Signer;
  /** The agency's status writer (its issuer service's anchoring key), named on chain by the identity owner; it creates the lists. */
  readonly statusWriter: Signer;
  /** Credential types with [validFrom, validUntil) in unix seconds. */
  readonly accreditations: readonly { type: string; validFrom: number; validUntil: number }[];
  /** secp256k1 signing keys added as ERC-1056 veriKey delegates, with their validity in seconds. */
  readonly signingKeys?: readonly { address: string; validity: number }[];
  /** Ed25519 public keys published as ERC-1056 attributes (did/pub/Ed25519/veriKey/base64). */
  readonly ed25519Keys?: readonly { publicKey: Uint8Array; validity: number }[];
  /** Status lists the agency creates: one per purpose, this many entries (default 131,072); 0 = none yet. */
  readonly statusListSize?: number;
}

export interface ConsortiumSpec {
  readonly governance: Signer;
  readonly credentialTypes: readonly CredentialTypeSpec[];
  /** Each region's authority (offline) and the bundle signers it adds (its checkpoint services' keys). */
  readonly regions: readonly {
    code: string;
    authority: Signer;
    bundleSigners?: readonly { address: string; validFrom: number; validUntil: number }[];
  }[];
  readonly agencies: readonly AgencySpec[];
  /** verifying region accepts `type` issued in issuing region */
  readonly recognition: readonly { verifying: string; issuing: string; type: string }[];
}

export interface SeededAgency {
  readonly region: string;
  readonly name: string;
  readonly address: string;
  readonly revocationList: number;
  readonly suspensionList: number;
}

type Step = () => Promise<TransactionResponse>;

/**
 * Runs one phase: each queue is one signer's transactions, sent in order without waiting
 * for receipts (so a BFT chain packs them into few blocks); queues run side by side. Returns
 * the receipts once all are mined, because the next phase depends on this one's state.
 */
async function runPhase(queues: readonly Step[][]): Promise<TransactionReceipt[]> {
  const sent = await Promise.all(
    queues.map(async (queue) => {
      const out: TransactionResponse[] = [];
      for (const step of queue) out.push(await step());
      return out;
    }),
  );
  const receipts = await Promise.all(sent.flat().map((tx) => tx.wait()));
  return receipts.filter((r): r is TransactionReceipt => r !== null);
}

/**
 * Where gas is not free (Hardhat's node), gives each consortium account enough to act.
 * On the production Besu network gas price is zero and this sends nothing.
 */
export async function fundAccounts(funder: Signer, accounts: readonly Signer[], amount: bigint): Promise<void> {
  const provider = funder.provider as Provider;
  const fee = await provider.getFeeData();
  if ((fee.gasPrice ?? 0n) === 0n && (fee.maxFeePerGas ?? 0n) === 0n) return;
  const txs: TransactionResponse[] = [];
  for (const account of accounts) {
    const to = await account.getAddress();
    if ((await provider.getBalance(to)) >= amount / 2n) continue;
    txs.push(await funder.sendTransaction({ to, value: amount }));
  }
  await Promise.all(txs.map((tx) => tx.wait()));
}

/**
 * Writes a consortium to a deployed ledger: types and regions (governance), agencies,
 * accreditations, recognition and bundle signers (each region's authority), DID signing keys
 * and status writers (each agency's identity owner), status lists (each status writer).
 * Returns the agencies with their list ids.
 */
export async function applyConsortium(deployment: Deployment, spec: ConsortiumSpec): Promise<SeededAgency[]> {
  checkRegionsKnown(spec);
  await runPhase([governanceSteps(deployment, spec)]);
  await runPhase(regionAuthoritySteps(deployment, spec));
  await runPhase(agencyIdentitySteps(deployment, spec));
  return createStatusLists(deployment, spec);
}

/** Every region an agency or a recognition names is one of the spec's regions. */
function checkRegionsKnown(spec: ConsortiumSpec): void {
  const known = new Set(spec.regions.map((r) => r.code));
  for (const code of [
    ...spec.agencies.map((a) => a.region),
    ...spec.recognition.flatMap((r) => [r.verifying, r.issuing]),
  ]) {
    if (!known.has(code)) throw new Error(`consortium spec: unknown region ${code}`);
  }
}

/** Governance: credential types, their policies, and the regions with their authorities. */
function governanceSteps(deployment: Deployment, spec: ConsortiumSpec): Step[] {
  const gov = connectLedger(deployment, spec.governance);
  return [
    ...spec.credentialTypes.map(
      (t): Step =>
        () =>
          gov.trust.getFunction("registerCredentialType")(
            credentialTypeId(t.name),
            t.schemaHash,
            t.schemaUri,
            t.maxStatusAge,
          ),
    ),
    ...spec.credentialTypes.map(
      (t): Step =>
        () =>
          gov.trust.getFunction("setCredentialTypePolicy")(credentialTypeId(t.name), t.maxValidity, t.paperAllowed),
    ),
    ...spec.regions.map(
      (r): Step =>
        async () =>
          gov.trust.getFunction("addRegion")(regionId(r.code), await r.authority.getAddress()),
    ),
  ];
}

/** Each region authority registers and accredits its own agencies and sets its own policy: one queue per region. */
function regionAuthoritySteps(deployment: Deployment, spec: ConsortiumSpec): Step[][] {
  return spec.regions.map((region) => {
    const trust = connectLedger(deployment, region.authority).trust;
    const queue: Step[] = [];
    for (const agency of spec.agencies.filter((a) => a.region === region.code)) {
      queue.push(async () =>
        trust.getFunction("registerIssuer")(regionId(region.code), await agency.controller.getAddress(), agency.name),
      );
      for (const a of agency.accreditations) {
        queue.push(async () =>
          trust.getFunction("accredit")(
            await agency.controller.getAddress(),
            credentialTypeId(a.type),
            a.validFrom,
            a.validUntil,
          ),
        );
      }
    }
    for (const r of spec.recognition.filter((x) => x.verifying === region.code)) {
      queue.push(() =>
        trust.getFunction("setRecognition")(regionId(r.verifying), regionId(r.issuing), credentialTypeId(r.type), true),
      );
    }
    for (const s of region.bundleSigners ?? []) {
      queue.push(() =>
        trust.getFunction("addBundleSigner")(regionId(region.code), s.address, s.validFrom, s.validUntil),
      );
    }
    return queue;
  });
}

/** Each agency's identity owner publishes its signing keys in its DID and names its status writer: one queue per agency. */
function agencyIdentitySteps(deployment: Deployment, spec: ConsortiumSpec): Step[][] {
  return spec.agencies.map((agency) => {
    const ledger = connectLedger(deployment, agency.controller);
    return [
      async () =>
        ledger.trust.getFunction("setStatusWriter")(
          await agency.controller.getAddress(),
          await agency.statusWriter.getAddress(),
        ),
      ...(agency.signingKeys ?? []).map(
        (k): Step =>
          async () =>
            ledger.did.getFunction("addDelegate")(
              await agency.controller.getAddress(),
              VERI_KEY,
              k.address,
              k.validity,
            ),
      ),
      ...(agency.ed25519Keys ?? []).map(
        (k): Step =>
          async () =>
            ledger.did.getFunction("setAttribute")(
              await agency.controller.getAddress(),
              ED25519_ATTRIBUTE,
              k.publicKey,
              k.validity,
            ),
      ),
    ];
  });
}

/** Creates each agency's two status lists and returns the agencies with their list ids. */
async function createStatusLists(deployment: Deployment, spec: ConsortiumSpec): Promise<SeededAgency[]> {
  // Each status writer creates its agency's two status lists. One queue: list creation's gas
  // depends on the registry's global state, and an estimate made while another agency's
  // creation lands can fall short (seen on EDR), so these go one after another.
  const creators = await Promise.all(
    spec.agencies.map(async (agency) => ({
      agency,
      address: await agency.controller.getAddress(),
      ledger: connectLedger(deployment, agency.statusWriter),
    })),
  );
  const receipts = await runPhase([
    creators.flatMap(({ agency, address, ledger }): Step[] => {
      const size = agency.statusListSize ?? 131_072;
      if (size === 0) return [];
      return [PURPOSE.revocation, PURPOSE.suspension].map(
        (purpose): Step =>
          () =>
            ledger.status.getFunction("createList")(address, purpose, size),
      );
    }),
  ]);
  const iface = connectLedger(deployment, spec.governance).status.interface;
  const created = receipts
    .flatMap((r) => r.logs)
    .map((log) => iface.parseLog(log))
    .filter((e) => e?.name === "StatusListCreated");
  return creators.map(({ agency, address }): SeededAgency => {
    const listOf = (purpose: number): number =>
      Number(
        created.find(
          (e) => Number(e?.args.purpose) === purpose && String(e?.args.issuer).toLowerCase() === address.toLowerCase(),
        )?.args.listId,
      );
    return {
      region: agency.region,
      name: agency.name,
      address,
      revocationList: listOf(PURPOSE.revocation),
      suspensionList: listOf(PURPOSE.suspension),
    };
  });
}
