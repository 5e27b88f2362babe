import { createJWS } from "did-jwt";
import {
  encodeLst,
  encodeStatusList,
  signStatusListToken,
  STATUS_LIST_TYP,
  statusListUrl,
  STATUS_LIST_CONTEXT,
  STATUS_LIST_TYPES,
  TYP,
  VC_CONTEXT,
  WORD_BITS,
  wordsToBitstring,
  wordsToTokenStatusList,
} from "../../core/index.ts";
import { connectLedger } from "../chain/ledger.ts";
import { route, type Route } from "../http/app.ts";
import { ServiceError } from "../errors.ts";
import { listsOf, type IssuerContext } from "./deps.ts";
import { chainCall } from "../chain/rpc.ts";
import { TtlCache } from "./ttl-cache.ts";

/** How long a signed status list credential is served before it is rebuilt from chain state. */
const STATUS_LIST_CACHE_MS = 5000;

/** The media type a client names to get the IETF Token Status List form of a list. */
const TOKEN_MEDIA_TYPE = `application/${STATUS_LIST_TYP}`;

/**
 * `GET /status/:chainId/:listId`: each of the agency's lists at one URL, built from chain state
 * and signed by the agency: a W3C StatusList2021Credential, or — when the client accepts
 * `application/statuslist+jwt` — an IETF Token Status List token whose `sub` is that URL.
 */
export function statusListRoutes(d: IssuerContext): Route<unknown>[] {
  const { status } = connectLedger(d.deployment, d.provider);
  const cache = new TtlCache<string>({ ttlMs: STATUS_LIST_CACHE_MS, max: 4 });

  /** IETF Token Status List token (bits 1, ZLIB, LSB first) from the same words: no bit moves. */
  async function buildToken(listId: number, size: number): Promise<string> {
    const words = (await status.getFunction("getWords")(listId, 0, size / WORD_BITS)) as bigint[];
    const t = d.now();
    const lst = encodeLst(wordsToTokenStatusList(words));
    return signStatusListToken(
      {
        sub: statusListUrl(d.publicUrl, d.deployment.chainId, listId),
        iat: t,
        exp: t + 300,
        ttl: 300,
        status_list: { bits: 1, lst },
      },
      d.key,
    );
  }

  /** W3C StatusList2021Credential from the list's words on chain (bit order converted). */
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
        "@context": [VC_CONTEXT, STATUS_LIST_CONTEXT],
        id: url,
        type: ["VerifiableCredential", STATUS_LIST_TYPES.credential],
        credentialSubject: {
          id: `${url}#list`,
          type: STATUS_LIST_TYPES.list,
          statusPurpose: purpose,
          encodedList: encodeStatusList(bits),
        },
      },
    };
    return createJWS(payload, d.key.signer, { alg: d.key.alg, typ: TYP.credential as "JWT", kid: d.key.kid });
  }

  return [
    route({
      method: "get",
      path: "/status/:chainId/:listId",
      summary:
        "A status list, built from chain state and signed by the agency: a W3C StatusList2021Credential, or with Accept: application/statuslist+jwt an IETF Token Status List token",
      auth: "public",
      cors: true,
      responses: {
        200: "the status list credential (application/vc+jwt) or token (application/statuslist+jwt)",
        404: "not a list of this agency",
      },
      async handle({ params, header }) {
        const { revocation, suspension } = listsOf(d);
        const lists = [
          { ...revocation, purpose: "revocation" as const },
          { ...suspension, purpose: "suspension" as const },
        ];
        const list = /^\d{1,9}$/.test(params.listId as string)
          ? lists.find((l) => l.id === Number(params.listId))
          : undefined;
        if (Number(params.chainId) !== d.deployment.chainId || !list)
          throw new ServiceError("not_found", "no such status list of this agency");
        if ((header("accept") ?? "").toLowerCase().includes(TOKEN_MEDIA_TYPE)) {
          const token = await cache.get(`token:${list.id}`, () => chainCall(buildToken(list.id, list.size)));
          return { status: 200, body: token, contentType: TOKEN_MEDIA_TYPE, headers: { vary: "Accept" } };
        }
        const jwt = await cache.get(String(list.id), () => chainCall(build(list.id, list.size, list.purpose)));
        return { status: 200, body: jwt, contentType: "application/vc+jwt", headers: { vary: "Accept" } };
      },
    }),
  ];
}
