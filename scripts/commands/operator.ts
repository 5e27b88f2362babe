/**
 * Operator commands for the keys that govern (issue 14): `laissez authority …` (a region
 * authority's key: accreditation, suspension, recognition, bundle signers, delegations) and
 * `laissez agency …` (an agency's ERC-1056 identity owner: its status writer and signing keys).
 * These keys never sit in a service: the operator runs these from an offline or guarded
 * machine. Every chain command prints each transaction and its receipt.
 */
import { signDelegation } from "../../core/index.ts";
import {
  getAddress,
  isAddress,
  isError,
  type Contract,
  type ContractTransactionResponse,
  type Interface,
  type TransactionReceipt,
} from "ethers";
import { COMPROMISED, ED25519_ATTRIBUTE, VERI_KEY } from "../../services/chain/consortium.ts";
import { KeySignerAccount } from "../../services/chain/key-account.ts";
import { openKeySigner } from "../../services/crypto/key-source.ts";
import { credentialTypeId, idToString, regionId } from "../../services/chain/ids.ts";
import { connectLedger, type Ledger } from "../../services/chain/ledger.ts";
import { writeFileAtomic } from "../../io/files.ts";
import { regionCode, requireString, stringOption, unknownSubcommand, UsageError, type Command } from "../cli.ts";
import { agencyAddress, CHAIN_OPTIONS, chainRegionOption, integerOption, withChain } from "../context.ts";
import {
  agencyControllerKey,
  DEMO_AGENCIES,
  demoAuthorityKey,
  DEMO_REGIONS,
  DEV_CHAIN_ID,
} from "../demo/consortium.ts";

type Values = Record<string, unknown>;
const YEAR = 365 * 86400;

function address(values: Values, name: string): string {
  const v = requireString(values, name);
  if (!isAddress(v)) throw new UsageError(`--${name} must be a 0x address`);
  return v;
}

/**
 * A governing key behind the signer interface: the variable holds a hex key, or the URL of a
 * remote signer (an HSM or KMS gateway; bearer token LAISSEZ_SIGNER_TOKEN); on the development
 * chain only, the demo's key when unset.
 */
async function governingKey(
  variable: string,
  chainId: number,
  demo: () => string,
  what: string,
): Promise<KeySignerAccount> {
  const source = process.env[variable];
  if (!source && chainId !== DEV_CHAIN_ID) throw new UsageError(`set ${variable} to ${what}`);
  return new KeySignerAccount(
    await openKeySigner(variable, source || demo(), "ES256K", { token: process.env.LAISSEZ_SIGNER_TOKEN }),
  );
}

/** The transaction and its receipt, as printed: the call decoded, the events the receipt carries. */
function describe(iface: Interface, tx: ContractTransactionResponse, receipt: TransactionReceipt) {
  const call = iface.parseTransaction({ data: tx.data });
  return {
    transaction: {
      hash: tx.hash,
      from: tx.from,
      to: tx.to,
      nonce: tx.nonce,
      call: call ? `${call.name}(${call.args.map(String).join(", ")})` : tx.data,
    },
    receipt: {
      status: receipt.status === 1 ? "success" : "reverted",
      block: receipt.blockNumber,
      gasUsed: Number(receipt.gasUsed),
      events: receipt.logs
        .map((l) => iface.parseLog(l))
        .filter((e) => e !== null)
        .map((e) => `${e.name}(${e.args.map(String).join(", ")})`),
    },
  };
}

/** Sends one transaction and prints it with its receipt; a refusal on chain prints the custom error and its values. */
async function send(contract: Contract, fn: string, args: readonly unknown[], json: boolean): Promise<void> {
  let tx: ContractTransactionResponse;
  try {
    tx = (await contract.getFunction(fn)(...args)) as ContractTransactionResponse;
  } catch (e) {
    // Over JSON-RPC the revert data may reach us undecoded (a failed gas estimate): decode it with the contract's ABI.
    const data = isError(e, "CALL_EXCEPTION") ? e.data : undefined;
    const revert = (isError(e, "CALL_EXCEPTION") && e.revert) || (data ? contract.interface.parseError(data) : null);
    if (revert)
      throw new Error(`refused on chain: ${revert.name}(${[...revert.args].map(String).join(", ")})`, { cause: e });
    throw e;
  }
  const receipt = await tx.wait();
  if (!receipt) throw new Error(`transaction ${tx.hash} has no receipt`);
  const d = describe(contract.interface, tx, receipt);
  if (json) {
    console.log(JSON.stringify(d));
    return;
  }
  console.log(
    `transaction ${d.transaction.hash}\n  from ${d.transaction.from} to ${d.transaction.to} nonce ${d.transaction.nonce}\n  ${d.transaction.call}`,
  );
  console.log(`receipt: ${d.receipt.status} in block ${d.receipt.block}, gas ${d.receipt.gasUsed}`);
  for (const e of d.receipt.events) console.log(`  event ${e}`);
}

/**
 * A credential signing key as the operator names it: a veriKey delegate's 0x address
 * (secp256k1, ES256K) or an Ed25519 public key (0x + 32 bytes, EdDSA) — the two kinds of key
 * an agency's DID document carries.
 */
function signingKeyOption(
  values: Values,
  name: string,
): { kind: "secp256k1"; value: string } | { kind: "Ed25519"; value: string } {
  const v = requireString(values, name);
  if (/^0x[0-9a-fA-F]{40}$/.test(v)) return { kind: "secp256k1", value: getAddress(v) };
  if (/^0x[0-9a-fA-F]{64}$/.test(v)) return { kind: "Ed25519", value: v.toLowerCase() };
  throw new UsageError(`--${name} must be a veriKey delegate's 0x address or an Ed25519 public key (0x + 64 hex)`);
}

/** (Re)publishes a signing key valid for `validity` seconds from now: a veriKey delegate, or the Ed25519 attribute. */
async function setKeyValidity(
  owner: Ledger,
  agency: string,
  key: ReturnType<typeof signingKeyOption>,
  validity: number,
  json: boolean,
): Promise<void> {
  if (key.kind === "Ed25519")
    await send(owner.did, "setAttribute", [agency, ED25519_ATTRIBUTE, key.value, validity], json);
  else await send(owner.did, "addDelegate", [agency, VERI_KEY, key.value, validity], json);
}

interface Sub {
  readonly usage: string;
  run(values: Values, ledger: Ledger, json: boolean): Promise<void>;
}

/** The region an agency belongs to, read from the chain (an authority acts only in its own). */
async function regionOf(ledger: Ledger, agency: string): Promise<string> {
  const issuer = (await ledger.trust.getFunction("getIssuer")(agency)) as { region: string; status: bigint };
  if (issuer.status === 0n) throw new UsageError(`${agency} is not a registered agency`);
  return idToString(issuer.region);
}

/** The demo authority's key of a region, or a usage error naming the variable to set for another region. */
function demoAuthority(region: string): string {
  if (!(DEMO_REGIONS as readonly string[]).includes(region))
    throw new UsageError(`set LAISSEZ_AUTHORITY_KEY: ${region} is not a demo region (${DEMO_REGIONS.join(", ")})`);
  return demoAuthorityKey(region).privateKey;
}

async function asAuthority(ledger: Ledger, region: string): Promise<Ledger> {
  const key = await governingKey(
    "LAISSEZ_AUTHORITY_KEY",
    ledger.deployment.chainId,
    () => demoAuthority(region),
    `${region}'s region authority key`,
  );
  return connectLedger(ledger.deployment, key.connect(ledger.trust.runner?.provider ?? null));
}

async function asIdentityOwner(ledger: Ledger, agency: string): Promise<Ledger> {
  const demo = DEMO_AGENCIES.findIndex((_, i) => agencyControllerKey(i).address.toLowerCase() === agency.toLowerCase());
  const key = await governingKey(
    "LAISSEZ_IDENTITY_OWNER_KEY",
    ledger.deployment.chainId,
    () => {
      if (demo < 0) throw new UsageError("set LAISSEZ_IDENTITY_OWNER_KEY: not a demo agency");
      return agencyControllerKey(demo).privateKey;
    },
    `the agency's ERC-1056 identity owner key`,
  );
  return connectLedger(ledger.deployment, key.connect(ledger.trust.runner?.provider ?? null));
}

async function agencyStatus(
  values: Values,
  ledger: Ledger,
  json: boolean,
  fn: "suspendIssuer" | "reinstateIssuer",
): Promise<void> {
  const agency = agencyAddress(values, ledger.deployment.chainId);
  const as = await asAuthority(ledger, await regionOf(ledger, agency));
  await send(as.trust, fn, [agency], json);
}

async function latest(ledger: Ledger): Promise<number> {
  return (await ledger.trust.runner?.provider?.getBlock("latest"))?.timestamp ?? Math.floor(Date.now() / 1000);
}

const AUTHORITY: Record<string, Sub> = {
  accredit: {
    usage: "accredit --agency A --type T [--valid-for SECONDS]",
    async run(values, ledger, json) {
      const agency = agencyAddress(values, ledger.deployment.chainId);
      const now = await latest(ledger);
      const as = await asAuthority(ledger, await regionOf(ledger, agency));
      await send(
        as.trust,
        "accredit",
        [agency, credentialTypeId(requireString(values, "type")), now, now + integerOption(values, "valid-for", YEAR)],
        json,
      );
    },
  },
  suspend: { usage: "suspend --agency A", run: (v, l, j) => agencyStatus(v, l, j, "suspendIssuer") },
  reinstate: { usage: "reinstate --agency A", run: (v, l, j) => agencyStatus(v, l, j, "reinstateIssuer") },
  recognize: {
    usage: "recognize --region VERIFYING --issuing ISSUING --type T [--off]",
    async run(values, ledger, json) {
      const region = await chainRegionOption(values, ledger);
      const issuing = await chainRegionOption(values, ledger, "issuing");
      const as = await asAuthority(ledger, region);
      await send(
        as.trust,
        "setRecognition",
        [regionId(region), regionId(issuing), credentialTypeId(requireString(values, "type")), values.off !== true],
        json,
      );
    },
  },
  "add-signer": {
    usage: "add-signer --region R --signer 0x… [--valid-for SECONDS]",
    async run(values, ledger, json) {
      const region = await chainRegionOption(values, ledger);
      const now = await latest(ledger);
      const as = await asAuthority(ledger, region);
      await send(
        as.trust,
        "addBundleSigner",
        [regionId(region), address(values, "signer"), now, now + integerOption(values, "valid-for", YEAR)],
        json,
      );
    },
  },
  "remove-signer": {
    usage: "remove-signer --region R --signer 0x…",
    async run(values, ledger, json) {
      const region = await chainRegionOption(values, ledger);
      const as = await asAuthority(ledger, region);
      await send(as.trust, "removeBundleSigner", [regionId(region), address(values, "signer")], json);
    },
  },
};

const AGENCY: Record<string, Sub> = {
  "set-writer": {
    usage: "set-writer --agency A --writer 0x…   (the zero address stops every status write)",
    async run(values, ledger, json) {
      const agency = agencyAddress(values, ledger.deployment.chainId);
      await send(
        (await asIdentityOwner(ledger, agency)).trust,
        "setStatusWriter",
        [agency, address(values, "writer")],
        json,
      );
    },
  },
  "reset-audit": {
    usage:
      "reset-audit --agency A --count N --head 0x…   (after a stolen status-writer key anchored a forged audit head: set the last genuine one, from `laissez audit verify --json`; --count 0 --head 0x00…00: none)",
    async run(values, ledger, json) {
      const agency = agencyAddress(values, ledger.deployment.chainId);
      const head = requireString(values, "head");
      if (!/^0x[0-9a-fA-F]{64}$/.test(head)) throw new UsageError("--head must be a 32-byte hash, 0x + 64 hex");
      await send(
        (await asIdentityOwner(ledger, agency)).status,
        "resetAuditHead",
        [agency, integerOption(values, "count"), head],
        json,
      );
    },
  },
  "rotate-key": {
    usage:
      "rotate-key --agency A --new KEY [--old KEY --overlap SECONDS] [--valid-for SECONDS]   (planned: what the old key signed stays valid; KEY: a veriKey delegate's 0x address or an Ed25519 public key, 0x + 64 hex)",
    async run(values, ledger, json) {
      const agency = agencyAddress(values, ledger.deployment.chainId);
      const owner = await asIdentityOwner(ledger, agency);
      await setKeyValidity(
        owner,
        agency,
        signingKeyOption(values, "new"),
        integerOption(values, "valid-for", YEAR),
        json,
      );
      // The old key's window closes after the overlap (ERC-1056 sets validTo = now + validity).
      if (stringOption(values, "old") !== undefined)
        await setKeyValidity(
          owner,
          agency,
          signingKeyOption(values, "old"),
          Math.max(1, integerOption(values, "overlap", 3600)),
          json,
        );
    },
  },
  "revoke-key": {
    usage:
      "revoke-key --agency A --key KEY   (compromise: nothing the key ever signed is accepted; KEY as for rotate-key)",
    async run(values, ledger, json) {
      const agency = agencyAddress(values, ledger.deployment.chainId);
      const owner = await asIdentityOwner(ledger, agency);
      const key = signingKeyOption(values, "key");
      if (key.kind === "Ed25519")
        await send(owner.did, "revokeAttribute", [agency, ED25519_ATTRIBUTE, key.value], json);
      else await send(owner.did, "revokeDelegate", [agency, VERI_KEY, key.value], json);
      await send(owner.did, "setAttribute", [agency, COMPROMISED, key.value, 1], json);
    },
  },
};

/**
 * The region of an offline command (no chain to ask): with the demo's key (development chain,
 * no LAISSEZ_AUTHORITY_KEY) one of the demo's regions, listed when unknown; with an operator's
 * key, any well-formed code (the authority knows its own region; the chain refuses a wrong one).
 */
function offlineRegion(values: Values, chainId: number): string {
  const typed = requireString(values, "region");
  if (chainId === DEV_CHAIN_ID && !process.env.LAISSEZ_AUTHORITY_KEY) return regionCode(typed, DEMO_REGIONS);
  const code = typed.trim().toUpperCase();
  if (!/^[A-Z]{2}-[A-Z0-9]{1,3}$/.test(code))
    throw new UsageError(
      `--region must be an ISO 3166-2 code like CN-ZJ, got ${JSON.stringify(typed)} (delegate is offline: it cannot list the chain's regions; \`laissez sync\` or the open registry page does)`,
    );
  return code;
}

/** `laissez authority delegate`: offline, no chain — the region authority signs a bundle signer's delegation. */
async function delegate(values: Values): Promise<number> {
  const chainId = integerOption(values, "chain-id", DEV_CHAIN_ID);
  const region = offlineRegion(values, chainId);
  const key = await governingKey(
    "LAISSEZ_AUTHORITY_KEY",
    chainId,
    () => demoAuthority(region),
    `${region}'s region authority key`,
  );
  const from =
    stringOption(values, "from") !== undefined ? integerOption(values, "from") : Math.floor(Date.now() / 1000);
  const delegation = await signDelegation(
    {
      chainId,
      region,
      signer: address(values, "signer"),
      validFrom: from,
      validUntil: from + integerOption(values, "valid-for", 90 * 86400),
    },
    key.key,
  );
  writeFileAtomic(requireString(values, "out"), JSON.stringify(delegation, null, 2));
  console.log(JSON.stringify(delegation.payload));
  return 0;
}

/** Each command's own flags: an agency's commands take no region (the chain records the agency's). */
const AUTHORITY_OPTIONS = {
  ...CHAIN_OPTIONS,
  agency: { type: "string" },
  region: { type: "string" },
  issuing: { type: "string" },
  type: { type: "string" },
  signer: { type: "string" },
  from: { type: "string" },
  "valid-for": { type: "string" },
  "chain-id": { type: "string" },
  out: { type: "string" },
  off: { type: "boolean" },
} as const;

const AGENCY_OPTIONS = {
  ...CHAIN_OPTIONS,
  agency: { type: "string" },
  writer: { type: "string" },
  key: { type: "string" },
  new: { type: "string" },
  old: { type: "string" },
  overlap: { type: "string" },
  "valid-for": { type: "string" },
  count: { type: "string" },
  head: { type: "string" },
} as const;

function operatorCommand(
  name: string,
  summary: string,
  subs: Record<string, Sub>,
  keyVariable: string,
  options: Command["options"],
  offline?: { name: string; usage: string; run: (v: Values) => Promise<number> },
): Command {
  const usages = [...Object.values(subs).map((s) => s.usage), ...(offline ? [offline.usage] : [])];
  return {
    name,
    summary,
    usage: `laissez ${name} <${[...Object.keys(subs), ...(offline ? [offline.name] : [])].join("|")}> …   (key: ${keyVariable}; the demo's on the development chain)\n${usages.map((u) => `  laissez ${name} ${u}`).join("\n")}`,
    options,
    async run({ values, positionals }) {
      const [sub] = positionals;
      if (offline && sub === offline.name) return offline.run(values);
      const command = sub !== undefined && Object.hasOwn(subs, sub) ? subs[sub] : undefined;
      if (!command) throw unknownSubcommand(sub, [...Object.keys(subs), ...(offline ? [offline.name] : [])]);
      return withChain(values, async (_provider, ledger) => {
        await command.run(values, ledger, values.json === true);
        return 0;
      });
    },
  };
}

export const authorityCommand = operatorCommand(
  "authority",
  "region authority operations (offline key): accredit, suspend, reinstate, recognize, add/remove a bundle signer, sign a delegation",
  AUTHORITY,
  "LAISSEZ_AUTHORITY_KEY",
  AUTHORITY_OPTIONS,
  {
    name: "delegate",
    usage:
      "delegate --region R --signer 0x… --out FILE [--valid-for SECONDS] [--chain-id N]   (offline: signs, sends nothing)",
    run: delegate,
  },
);

export const agencyCommand = operatorCommand(
  "agency",
  "agency identity-owner operations (offline key): name the status writer, rotate a signing key (planned; secp256k1 or Ed25519), revoke one (compromise), reset the audit head a stolen writer key forged",
  AGENCY,
  "LAISSEZ_IDENTITY_OWNER_KEY",
  AGENCY_OPTIONS,
);
