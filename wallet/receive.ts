import { base64urlEncode, CodedError, createHolderProof, type CredentialFormat, decodeJwt, ENDPOINTS, isObject, isSdJwt, jwkHolder, parseConfigurationId, parseJson, PRE_AUTHORIZED_GRANT, PROOF_TYPE, splitSdJwt, verifyCredential, type VerifyCredentialParameters } from "../core/index.ts";
import type { HolderKey, SoftwareHolderKey } from "./holder.ts";
import type { StoredCredential } from "./store.ts";

export class ReceiveError extends CodedError<"offer_malformed" | "offer_refused" | "credential_invalid" | "holder_mismatch"> {}

/** The issuer and pre-authorized code of an `openid-credential-offer://?credential_offer=…` URI. */
export function parseOffer(uri: string): { issuer: string; code: string; type: string; configurations: string[] } {
  try {
    const query = uri.slice(uri.indexOf("?") + 1);
    const offer = parseJson(new URLSearchParams(query).get("credential_offer") ?? "", { maxLength: 8192, maxDepth: 6 });
    if (!isObject(offer) || typeof offer.credential_issuer !== "string" || !isObject(offer.grants)) throw new Error();
    const grant = offer.grants[PRE_AUTHORIZED_GRANT];
    const code = isObject(grant) ? grant["pre-authorized_code"] : undefined;
    const ids = offer.credential_configuration_ids;
    if (typeof code !== "string" || !Array.isArray(ids) || typeof ids[0] !== "string") throw new Error();
    if (!/^https?:\/\//.test(offer.credential_issuer)) throw new Error();
    const configurations = ids.filter((id): id is string => typeof id === "string");
    return { issuer: offer.credential_issuer.replace(/\/+$/, ""), code, type: parseConfigurationId(ids[0]).type, configurations };
  } catch {
    throw new ReceiveError("offer_malformed", "not a credential offer this wallet understands (OpenID4VCI, pre-authorized code)");
  }
}

export interface ReceiveParameters {
  readonly offerUri: string;
  readonly key: HolderKey;
  readonly fetch: typeof fetch;
  readonly now: number;
  /** The wallet's bundle and verifier: the credential is checked before it is stored. */
  readonly verify: Omit<VerifyCredentialParameters, "region" | "now">;
  /** The format to ask for when the offer names both (default: the offer's first). */
  readonly format?: CredentialFormat;
}

/** Step one of a redemption: the pre-authorized code for an access token and a c_nonce. */
async function accessToken(p: Pick<ReceiveParameters, "offerUri" | "fetch" | "format">) {
  const { issuer, code, configurations } = parseOffer(p.offerUri);
  const configuration = configurations.find((c) => parseConfigurationId(c).format === p.format) ?? (configurations[0] as string);
  const tokenRes = await p.fetch(`${issuer}${ENDPOINTS.token}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: PRE_AUTHORIZED_GRANT, "pre-authorized_code": code }).toString(),
  });
  const token = (await tokenRes.json()) as { access_token?: string; c_nonce?: string; error?: { message?: string } };
  if (!tokenRes.ok || !token.access_token || !token.c_nonce) throw new ReceiveError("offer_refused", `the issuer refused the offer code: ${token.error?.message ?? tokenRes.status}`);
  return { issuer, configuration, accessToken: token.access_token, cNonce: token.c_nonce };
}

/** Step two: the credential request, proving the holder key(s) over the c_nonce. */
async function requestCredential(p: Pick<ReceiveParameters, "offerUri" | "fetch" | "format" | "now">, keys: readonly HolderKey[], batch: boolean): Promise<string[]> {
  const t = await accessToken(p);
  const proofs = await Promise.all(keys.map((k) => createHolderProof({ holder: k.did, signer: k.sign, audience: t.issuer, nonce: t.cNonce, issuedAt: p.now })));
  const credRes = await p.fetch(`${t.issuer}${ENDPOINTS.credential}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${t.accessToken}` },
    body: JSON.stringify({ credential_configuration_id: t.configuration, ...(batch ? { proofs: { [PROOF_TYPE]: proofs } } : { proof: { proof_type: PROOF_TYPE, jwt: proofs[0] } }) }),
  });
  const body = (await credRes.json()) as { credential?: unknown; credentials?: { credential?: unknown }[]; error?: { message?: string } };
  const jwts = batch ? (body.credentials ?? []).map((c) => c.credential) : [body.credential];
  if (!credRes.ok || jwts.length !== keys.length || !jwts.every((j): j is string => typeof j === "string")) {
    throw new ReceiveError("offer_refused", `the issuer did not deliver the credential: ${body.error?.message ?? credRes.status}`);
  }
  return jwts;
}

/**
 * Picks up a credential offer: pre-authorized code → access token and c_nonce → proof of the
 * holder key → the credential. Stores nothing itself: returns the checked credential, or throws
 * when it does not verify or does not name this holder.
 */
export async function receiveOffer(p: ReceiveParameters): Promise<StoredCredential> {
  const [jwt] = await requestCredential(p, [p.key], false);
  return checkReceived(jwt as string, p.key.did, p);
}

/**
 * Picks up an offer as several copies (OpenID4VCI batch: one proof per key), one per fresh
 * holder key, each checked like a single credential. The copies share a wallet-side batch label
 * (the first copy's id) and carry their own key; each is to be presented once.
 */
export async function receiveCopies(p: Omit<ReceiveParameters, "key"> & { readonly keys: readonly SoftwareHolderKey[] }): Promise<StoredCredential[]> {
  const jwts = await requestCredential(p, p.keys, true);
  const copies = jwts.map((jwt, i) => checkReceived(jwt, p.keys[i]!.did, p));
  const batch = copies[0]!.id;
  return copies.map((c, i) => ({ ...c, copy: { batch, holderSecret: base64urlEncode(p.keys[i]!.secret), used: false } }));
}

/** A received credential must name this holder and verify against the bundle (in its issuer's own region). */
export function checkReceived(jwt: string, holder: string, p: Pick<ReceiveParameters, "now" | "verify">): StoredCredential {
  let sub: unknown;
  let iss: unknown;
  try {
    // An SD-JWT VC names its holder by key (cnf.jwk), a jwt_vc by DID (sub).
    const payload = decodeJwt(isSdJwt(jwt) ? splitSdJwt(jwt).issuerJwt : jwt).payload;
    sub = isSdJwt(jwt) ? jwkHolder(payload.cnf)?.did : payload.sub;
    iss = payload.iss;
  } catch {
    throw new ReceiveError("credential_invalid", "the issuer sent something that is not a credential");
  }
  if (sub !== holder) throw new ReceiveError("holder_mismatch", "the credential names another holder");
  const address = typeof iss === "string" ? iss.split(":").at(-1)?.toLowerCase() : undefined;
  const region = (address && p.verify.bundle.issuers[address]?.region) ?? "";
  const verdict = verifyCredential(jwt, { ...p.verify, region, now: p.now });
  // A stale bundle cannot vouch for status, but the signature and issuer checks ran: keep it.
  if (verdict.verdict === "reject" || (verdict.verdict === "unknown" && verdict.reason !== "status_stale")) {
    throw new ReceiveError("credential_invalid", `the credential does not verify: ${verdict.reason}`);
  }
  return {
    id: verdict.credentialId as string,
    jwt,
    type: verdict.credentialType as string,
    issuer: verdict.issuer ?? { did: String(iss) },
    validUntil: verdict.validUntil as number,
    receivedAt: p.now,
  };
}
