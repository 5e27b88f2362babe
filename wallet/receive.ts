import { CodedError, createHolderProof, type CredentialFormat, decodeJwt, ENDPOINTS, isObject, isSdJwt, jwkHolder, parseConfigurationId, parseJson, PRE_AUTHORIZED_GRANT, PROOF_TYPE, splitSdJwt, verifyCredential, type VerifyCredentialParameters } from "../core/index.ts";
import type { HolderKey } from "./holder.ts";
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

/**
 * Picks up a credential offer: pre-authorized code → access token and c_nonce → proof of the
 * holder key → the credential. Stores nothing itself: returns the checked credential, or throws
 * when it does not verify or does not name this holder.
 */
export async function receiveOffer(p: ReceiveParameters): Promise<StoredCredential> {
  const { issuer, code, configurations } = parseOffer(p.offerUri);
  const configuration = configurations.find((c) => parseConfigurationId(c).format === p.format) ?? (configurations[0] as string);
  const tokenRes = await p.fetch(`${issuer}${ENDPOINTS.token}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: PRE_AUTHORIZED_GRANT, "pre-authorized_code": code }).toString(),
  });
  const token = (await tokenRes.json()) as { access_token?: string; c_nonce?: string; error?: { message?: string } };
  if (!tokenRes.ok || !token.access_token || !token.c_nonce) throw new ReceiveError("offer_refused", `the issuer refused the offer code: ${token.error?.message ?? tokenRes.status}`);
  const proof = await createHolderProof({ holder: p.key.did, signer: p.key.sign, audience: issuer, nonce: token.c_nonce, issuedAt: p.now });
  const credRes = await p.fetch(`${issuer}${ENDPOINTS.credential}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token.access_token}` },
    body: JSON.stringify({ credential_configuration_id: configuration, proof: { proof_type: PROOF_TYPE, jwt: proof } }),
  });
  const body = (await credRes.json()) as { credential?: string; error?: { message?: string } };
  if (!credRes.ok || typeof body.credential !== "string") throw new ReceiveError("offer_refused", `the issuer did not deliver the credential: ${body.error?.message ?? credRes.status}`);
  return checkReceived(body.credential, p.key.did, p);
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
