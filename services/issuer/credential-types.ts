import type { Contract } from "ethers";
import type { JsonValue } from "../../core/index.ts";
import { credentialTypeId, idToString } from "../chain/ids.ts";
import { connectLedger } from "../chain/ledger.ts";
import { chainCall } from "../chain/rpc.ts";
import type { IssuerContext } from "./deps.ts";
import { TtlCache } from "./ttl-cache.ts";

/** How long an on-chain answer (accreditation, type, schema) is reused before asking again. */
export const CHAIN_CACHE_MS = 10_000;
/** Type names come from clients: the cache holds at most this many. */
const TYPE_CACHE_MAX = 256;

/** What the chain says of one credential type, for this agency, now. */
export interface TypeInfo {
  readonly accredited: boolean;
  readonly schema: JsonValue | undefined;
  /** The type's maximum validity on chain, seconds (0: no policy yet, verifiers refuse the type). */
  readonly maxValidity: number;
  /** Where this agency's current accreditation window for the type starts (0: none): no copy's time is drawn before it. */
  readonly accreditedFrom: number;
}

/** The credential types as the issuer sees them on chain. */
export interface CredentialTypes {
  /** The type's accreditation, schema and maximum validity (cached briefly; a failed answer is not kept). */
  typeInfo(type: string): Promise<TypeInfo>;
  /** The credential types registered on chain (the issuer metadata lists them). */
  listTypes(): Promise<string[]>;
}

/** The TrustRegistry's answers on credential types, each reused for `chainCacheMs` (default 10 s). */
export function credentialTypes(d: IssuerContext): CredentialTypes {
  const { trust } = connectLedger(d.deployment, d.provider);
  const cache = new TtlCache<TypeInfo>({ ttlMs: d.chainCacheMs ?? CHAIN_CACHE_MS, max: TYPE_CACHE_MAX });
  return {
    typeInfo: (type) => cache.get(type, () => askTypeInfo(d, trust, type)),
    listTypes: async () =>
      ((await chainCall(trust.getFunction("credentialTypes")(0, 100))) as string[]).map(idToString),
  };
}

async function askTypeInfo(d: IssuerContext, trust: Contract, type: string): Promise<TypeInfo> {
  const id = credentialTypeId(type);
  const [accredited, entry, policy, accreditation] = await Promise.all([
    trust.getFunction("isAccredited")(d.agency, id, d.now()),
    trust.getFunction("getCredentialType")(id),
    trust.getFunction("getCredentialTypePolicy")(id),
    trust.getFunction("getAccreditation")(d.agency, id),
  ]);
  return {
    accredited: accredited as boolean,
    schema: entry.exists ? await d.schemas(entry.schemaUri as string) : undefined,
    maxValidity: Number(policy.maxValidity),
    accreditedFrom: Number(accreditation.validFrom),
  };
}
