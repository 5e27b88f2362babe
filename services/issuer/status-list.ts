import { createJWS } from "did-jwt";
import { encodeStatusList, statusListUrl, TYP, VC_CONTEXT, WORD_BITS, wordsToBitstring } from "../../core/index.ts";
import { connectLedger } from "../chain/ledger.ts";
import { route, type Route } from "../http/app.ts";
import { HttpError } from "../http/errors.ts";
import { listsOf, type IssuerContext } from "./deps.ts";
import { chainCall } from "./issuance.ts";
import { TtlCache } from "./ttl-cache.ts";

/** How long a signed status list credential is served before it is rebuilt from chain state. */
const STATUS_LIST_CACHE_MS = 5000;

/** `GET /status/:chainId/:listId`: the agency's lists as W3C BitstringStatusListCredentials, from chain state. */
export function statusListRoutes(d: IssuerContext): Route<unknown>[] {
  const { status } = connectLedger(d.deployment, d.provider);
  const cache = new TtlCache<string>({ ttlMs: STATUS_LIST_CACHE_MS, max: 2 });

  /** W3C BitstringStatusListCredential from the list's words on chain (bit order converted). */
  async function build(listId: number, size: number, purpose: "revocation" | "suspension"): Promise<string> {
    const words = (await status.getFunction("getWords")(listId, 0, size / WORD_BITS)) as bigint[];
    const bits = wordsToBitstring(words);
    const url = statusListUrl(d.publicUrl, d.deployment.chainId, listId);
    const t = d.now();
    const payload = {
      iss: d.key.did,
      iat: t,
      exp: t + 300,
      jti: url,
      vc: {
        "@context": [VC_CONTEXT],
        id: url,
        type: ["VerifiableCredential", "BitstringStatusListCredential"],
        credentialSubject: { id: `${url}#list`, type: "BitstringStatusList", statusPurpose: purpose, encodedList: encodeStatusList(bits) },
      },
    };
    return createJWS(payload, d.key.signer, { alg: d.key.alg, typ: TYP.credential as "JWT", kid: d.key.kid });
  }

  return [
    route({
      method: "get",
      path: "/status/:chainId/:listId",
      summary: "A status list as a signed W3C BitstringStatusListCredential, built from chain state",
      auth: "public",
      cors: true,
      responses: { 200: "the status list credential (JWT)", 404: "not a list of this agency" },
      async handle({ params }) {
        const { revocation, suspension } = listsOf(d);
        const lists = [
          { ...revocation, purpose: "revocation" as const },
          { ...suspension, purpose: "suspension" as const },
        ];
        const list = /^\d{1,9}$/.test(params.listId as string) ? lists.find((l) => l.id === Number(params.listId)) : undefined;
        if (Number(params.chainId) !== d.deployment.chainId || !list) throw new HttpError("not_found", "no such status list of this agency");
        const jwt = await cache.get(String(list.id), () => chainCall(build(list.id, list.size, list.purpose)));
        return { status: 200, body: jwt, contentType: "application/vc+jwt" };
      },
    }),
  ];
}
