import { randomInt, randomUUID } from "node:crypto";
import { getBytes, type HDNodeWallet, Wallet, type Signer } from "ethers";
import { addressKeyId } from "../../core/bundle.ts";
import { es256kIssuerKey, issueCredential, parseStatusListUrl, statusListUrl, type IssuerSigningKey } from "../../core/credential.ts";
import { ethrDid, holderPublicKey } from "../../core/did.ts";
import { isObject, parseJson, type JsonValue } from "../../core/json.ts";
import { decodeJwt } from "../../core/jwt.ts";
import { toWordMasks } from "../../core/status-words.ts";
import { credentialTypeId } from "../../services/chain/ids.ts";
import { agencyLists } from "../../services/chain/lists.ts";
import { connectLedger } from "../../services/chain/ledger.ts";
import { stringOption, requireString, UsageError, type Command } from "../cli.ts";
import { CHAIN_OPTIONS, demoSchemas, integerOption, readInput, withChain } from "../context.ts";
import { agencyControllerKey, DEMO_AGENCIES, demoIssuerKey, DEV_CHAIN_ID } from "../demo/consortium.ts";

const AGENCY_OPTIONS = {
  agency: { type: "string" },
  ...CHAIN_OPTIONS,
} as const;

/**
 * The agency's keys: LAISSEZ_AGENCY_KEY (controller, writes status) and LAISSEZ_SIGNING_KEY
 * (its ES256K veriKey delegate), or — on the development chain — demo agency `--agency N`.
 */
function agencyKeys(values: Record<string, unknown>, chainId: number, alg: "ES256K" | "EdDSA"): { controller: Wallet | HDNodeWallet; signing: () => IssuerSigningKey } {
  const controllerKey = process.env.LAISSEZ_AGENCY_KEY;
  if (controllerKey) {
    const controller = new Wallet(controllerKey);
    return {
      controller,
      signing: () => {
        const signing = process.env.LAISSEZ_SIGNING_KEY;
        if (!signing || alg !== "ES256K") throw new UsageError("set LAISSEZ_SIGNING_KEY (an ES256K veriKey delegate of the agency)");
        return es256kIssuerKey(ethrDid(chainId, controller.address), addressKeyId(new Wallet(signing).address), getBytes(signing));
      },
    };
  }
  if (chainId !== DEV_CHAIN_ID) throw new UsageError("set LAISSEZ_AGENCY_KEY: demo agencies exist only on the development chain");
  const i = integerOption(values, "agency");
  if (i >= DEMO_AGENCIES.length) throw new UsageError(`--agency must be 0..${DEMO_AGENCIES.length - 1}`);
  return { controller: agencyControllerKey(i), signing: () => demoIssuerKey(chainId, i, alg) };
}

export const issueCommand: Command = {
  name: "issue",
  summary: "issue a jwt_vc credential to a holder (signed by the agency; writes nothing on chain)",
  usage: "laissez issue --agency N --type HealthCode --holder DID --claims JSON [--alg ES256K|EdDSA] [--valid-for SECONDS] [--status-base URL]",
  options: {
    ...AGENCY_OPTIONS,
    type: { type: "string" },
    holder: { type: "string" },
    claims: { type: "string" },
    alg: { type: "string", default: "ES256K" },
    "valid-for": { type: "string", default: "86400" },
    "status-base": { type: "string", default: "http://127.0.0.1:8701" },
  },
  async run({ values }) {
    const type = requireString(values, "type");
    const holder = requireString(values, "holder");
    if (!holderPublicKey(holder)) throw new UsageError("--holder must be a P-256 did:key or did:jwk");
    const alg = stringOption(values, "alg");
    if (alg !== "ES256K" && alg !== "EdDSA") throw new UsageError("--alg must be ES256K or EdDSA");
    let claims: JsonValue;
    try {
      claims = parseJson(requireString(values, "claims"));
    } catch (e) {
      throw new UsageError(`--claims is not JSON: ${(e as Error).message}`);
    }
    if (!isObject(claims)) throw new UsageError("--claims must be a JSON object");
    const validFor = integerOption(values, "valid-for", 86400);
    return withChain(values, async (provider, ledger) => {
      const { chainId } = ledger.deployment;
      const keys = agencyKeys(values, chainId, alg);
      const now = (await provider.getBlock("latest"))?.timestamp ?? Math.floor(Date.now() / 1000);
      if (!(await ledger.trust.getFunction("isAccredited")(keys.controller.address, credentialTypeId(type), now))) {
        throw new UsageError(`agency ${keys.controller.address} is not accredited for ${type} now`);
      }
      const typeEntry = await ledger.trust.getFunction("getCredentialType")(credentialTypeId(type));
      const schema = await demoSchemas(typeEntry.schemaUri);
      if (schema === undefined) throw new Error(`no schema found for ${typeEntry.schemaUri}`);
      const lists = await agencyLists(ledger.status, keys.controller.address);
      const base = stringOption(values, "status-base") as string;
      // Random indices: a status read reveals nothing about which credential was checked.
      // (Collision-free allocation is the issuer service's job; this CLI is for operators and demos.)
      const revocation = { listUrl: statusListUrl(base, chainId, lists.revocation.id), index: randomInt(lists.revocation.size) };
      const suspension = { listUrl: statusListUrl(base, chainId, lists.suspension.id), index: randomInt(lists.suspension.size) };
      const id = `urn:uuid:${randomUUID()}`;
      const credential = await issueCredential({ key: keys.signing(), holder, credentialType: type, claims, schema, status: { revocation, suspension }, id, issuedAt: now, validUntil: now + validFor });
      console.log(values.json ? JSON.stringify({ credential, id, revocation, suspension }) : credential);
      return 0;
    });
  },
};

type StatusAction = "revoke" | "suspend" | "reinstate";

/** revoke / suspend / reinstate: one transaction for all the credentials given, per list. */
function statusCommand(action: StatusAction, summary: string): Command {
  return {
    name: action,
    summary,
    usage: `laissez ${action} --agency N [CREDENTIAL_FILE|-]... (one credential JWT per line)`,
    options: AGENCY_OPTIONS,
    async run({ values, positionals }) {
      const tokens = (positionals.length ? positionals : ["-"]).flatMap((p) => readInput(p).split(/\s+/)).filter(Boolean);
      if (tokens.length === 0) throw new UsageError("no credential given");
      const purpose = action === "revoke" ? "revocation" : "suspension";
      const byList = new Map<number, number[]>();
      for (const token of tokens) {
        let payload;
        try {
          payload = decodeJwt(token).payload;
        } catch (e) {
          throw new UsageError(`not a credential JWT: ${(e as Error).message}`);
        }
        const vc = payload.vc;
        const entries = isObject(vc) && Array.isArray(vc.credentialStatus) ? vc.credentialStatus : [];
        const entry = entries.find((e) => isObject(e) && e.statusPurpose === purpose);
        const ref = isObject(entry) && typeof entry.statusListCredential === "string" ? parseStatusListUrl(entry.statusListCredential) : null;
        if (!ref || !isObject(entry)) throw new UsageError(`credential ${String(payload.jti)} has no ${purpose} status entry`);
        byList.set(ref.listId, [...(byList.get(ref.listId) ?? []), Number(entry.statusListIndex)]);
      }
      return withChain(values, async (provider, ledger) => {
        const controller: Signer = agencyKeys(values, ledger.deployment.chainId, "ES256K").controller.connect(provider);
        const { status } = connectLedger(ledger.deployment, controller);
        const results = [];
        for (const [listId, indices] of byList) {
          const size = Number((await status.getFunction("getList")(listId)).size);
          const { wordIndices, masks } = toWordMasks(indices, size);
          const tx = await status.getFunction("updateStatus")(listId, wordIndices, masks, action !== "reinstate");
          const receipt = await tx.wait();
          results.push({ listId, indices, transaction: receipt.hash, block: receipt.blockNumber });
        }
        if (values.json) console.log(JSON.stringify({ action, anchored: results }));
        else for (const r of results) console.log(`${action}: list ${r.listId}, ${r.indices.length} credential(s), tx ${r.transaction} in block ${r.block}`);
        return 0;
      });
    },
  };
}

export const revokeCommand = statusCommand("revoke", "revoke credentials for good (sets their revocation bits on chain, one transaction per list)");
export const suspendCommand = statusCommand("suspend", "suspend credentials (sets their suspension bits on chain)");
export const reinstateCommand = statusCommand("reinstate", "lift a suspension (clears the suspension bits on chain)");
