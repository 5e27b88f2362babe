import {
  base64urlEncode,
  CodedError,
  createHolderProof,
  type CredentialFormat,
  ENDPOINTS,
  formatOfCredential,
  isObject,
  parseConfigurationId,
  parseEthrDid,
  parseJson,
  PRE_AUTHORIZED_GRANT,
  PROOF_TYPE,
  verifyCredential,
  type VerifyCredentialParameters,
} from "../core/index.ts";
import type { HolderKey, SoftwareHolderKey } from "./holder.ts";
import type { StoredCredential } from "./store.ts";

export class ReceiveError extends CodedError<
  | "offer_malformed"
  | "offer_insecure_issuer"
  | "offer_refused"
  | "issuer_unreachable"
  | "issuer_redirected"
  | "issuer_response_invalid"
  | "credential_invalid"
  | "holder_mismatch"
> {}

/** How long one request to the issuer may take, and the largest answer read from it (a credential is a few KB). */
export const RECEIVE_LIMITS = { timeoutMs: 15_000, maxBytes: 64 * 1024 } as const;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * The issuer URL an offer names, refused unless it is a plain https origin and path: no
 * credentials, query or fragment (they would travel with the pre-authorized code), and http only
 * for a loopback host when the caller explicitly allows it (development).
 */
export function issuerUrl(raw: string, allowHttpLoopback = false): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ReceiveError("offer_malformed", "the offer's credential_issuer is not a URL");
  }
  if (url.username || url.password || url.search || url.hash || raw.includes("?") || raw.includes("#")) {
    throw new ReceiveError(
      "offer_malformed",
      "the offer's credential_issuer carries credentials, a query or a fragment",
    );
  }
  const loopbackHttp = url.protocol === "http:" && LOOPBACK.has(url.hostname) && allowHttpLoopback;
  if (url.protocol !== "https:" && !loopbackHttp) {
    throw new ReceiveError(
      "offer_insecure_issuer",
      url.protocol === "http:"
        ? "the offer's issuer is not on https (plain http only for a loopback issuer, as a development option)"
        : "the offer's issuer is not an https URL",
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** The issuer and pre-authorized code of an `openid-credential-offer://?credential_offer=…` URI. */
export function parseOffer(
  uri: string,
  allowHttpLoopback = false,
): { issuer: string; code: string; type: string; configurations: string[] } {
  let offer: unknown;
  try {
    const query = uri.slice(uri.indexOf("?") + 1);
    offer = parseJson(new URLSearchParams(query).get("credential_offer") ?? "", { maxLength: 8192, maxDepth: 6 });
  } catch {
    offer = undefined;
  }
  const grant = isObject(offer) && isObject(offer.grants) ? offer.grants[PRE_AUTHORIZED_GRANT] : undefined;
  const code = isObject(grant) ? grant["pre-authorized_code"] : undefined;
  const ids = isObject(offer) ? offer.credential_configuration_ids : undefined;
  let type: string | undefined;
  try {
    type = Array.isArray(ids) && typeof ids[0] === "string" ? parseConfigurationId(ids[0]).type : undefined;
  } catch {
    type = undefined;
  }
  if (
    !isObject(offer) ||
    typeof offer.credential_issuer !== "string" ||
    typeof code !== "string" ||
    !Array.isArray(ids) ||
    type === undefined
  ) {
    throw new ReceiveError(
      "offer_malformed",
      "not a credential offer this wallet understands (OpenID4VCI, pre-authorized code)",
    );
  }
  const configurations = ids.filter((id): id is string => typeof id === "string");
  return { issuer: issuerUrl(offer.credential_issuer, allowHttpLoopback), code, type, configurations };
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
  /** Development only: accept an issuer on http://127.0.0.1 / localhost. */
  readonly allowHttpLoopback?: boolean;
  readonly limits?: { readonly timeoutMs: number; readonly maxBytes: number };
}

/** The issuer's error code, if it is one (a short snake_case word); never its free text. */
const issuerCode = (body: unknown, status: number): string => {
  const code = isObject(body) && isObject(body.error) ? body.error.code : isObject(body) ? body.error : undefined;
  return typeof code === "string" && /^[a-z][a-z0-9_]{0,63}$/.test(code) ? `${code}, HTTP ${status}` : `HTTP ${status}`;
};

/** Reads at most `maxBytes` of a response body. */
async function boundedText(res: Response, maxBytes: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new ReceiveError("issuer_response_invalid", `the issuer's answer is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  chunks.reduce((at, c) => (all.set(c, at), at + c.byteLength), 0);
  return new TextDecoder().decode(all);
}

/** One request to the issuer: no redirect followed, bounded in time and size, JSON or a coded error. */
async function askIssuer(
  p: Pick<ReceiveParameters, "fetch" | "limits">,
  url: string,
  init: RequestInit,
): Promise<{ status: number; ok: boolean; body: unknown }> {
  const limits = p.limits ?? RECEIVE_LIMITS;
  let res: Response;
  try {
    res = await p.fetch(url, {
      ...init,
      redirect: "manual",
      credentials: "omit",
      signal: AbortSignal.timeout(limits.timeoutMs),
    });
  } catch (e) {
    const timedOut = (e as Error).name === "TimeoutError" || (e as Error).name === "AbortError";
    throw new ReceiveError(
      "issuer_unreachable",
      timedOut ? `the issuer did not answer within ${limits.timeoutMs / 1000} s` : "the issuer cannot be reached",
    );
  }
  // A redirect would carry the pre-authorized code or the proof elsewhere: never followed.
  if (res.type === "opaqueredirect" || (res.status >= 300 && res.status < 400)) {
    await res.body?.cancel();
    throw new ReceiveError("issuer_redirected", "the issuer answered with a redirect; the wallet follows none");
  }
  const text = await boundedText(res, limits.maxBytes);
  let body: unknown;
  try {
    body = text ? parseJson(text, { maxLength: limits.maxBytes }) : undefined;
  } catch {
    body = undefined;
  }
  if (res.ok && !isObject(body))
    throw new ReceiveError("issuer_response_invalid", `the issuer's answer is not JSON (HTTP ${res.status})`);
  return { status: res.status, ok: res.ok, body };
}

/** Step one of a redemption: the pre-authorized code for an access token and a c_nonce. */
async function accessToken(
  p: Pick<ReceiveParameters, "offerUri" | "fetch" | "format" | "allowHttpLoopback" | "limits">,
) {
  const { issuer, code, configurations } = parseOffer(p.offerUri, p.allowHttpLoopback);
  const configuration =
    configurations.find((c) => parseConfigurationId(c).format === p.format) ?? (configurations[0] as string);
  const tokenRes = await askIssuer(p, `${issuer}${ENDPOINTS.token}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: PRE_AUTHORIZED_GRANT, "pre-authorized_code": code }).toString(),
  });
  const token = tokenRes.body as { access_token?: unknown; c_nonce?: unknown } | undefined;
  if (!tokenRes.ok || typeof token?.access_token !== "string" || typeof token.c_nonce !== "string")
    throw new ReceiveError(
      "offer_refused",
      `the issuer refused the offer code (${issuerCode(tokenRes.body, tokenRes.status)})`,
    );
  return { issuer, configuration, accessToken: token.access_token, cNonce: token.c_nonce };
}

/** Step two: the credential request, proving the holder key(s) over the c_nonce. */
async function requestCredential(
  p: Pick<ReceiveParameters, "offerUri" | "fetch" | "format" | "now" | "allowHttpLoopback" | "limits">,
  keys: readonly HolderKey[],
  batch: boolean,
): Promise<string[]> {
  const t = await accessToken(p);
  const proofs = await Promise.all(
    keys.map((k) =>
      createHolderProof({ holder: k.did, signer: k.sign, audience: t.issuer, nonce: t.cNonce, issuedAt: p.now }),
    ),
  );
  const credRes = await askIssuer(p, `${t.issuer}${ENDPOINTS.credential}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${t.accessToken}` },
    body: JSON.stringify({
      credential_configuration_id: t.configuration,
      ...(batch ? { proofs: { [PROOF_TYPE]: proofs } } : { proof: { proof_type: PROOF_TYPE, jwt: proofs[0] } }),
    }),
  });
  const body = credRes.body as { credential?: unknown; credentials?: unknown } | undefined;
  const list = batch && Array.isArray(body?.credentials) ? (body.credentials as unknown[]) : [];
  const jwts = batch ? list.map((c) => (isObject(c) ? c.credential : undefined)) : [body?.credential];
  if (!credRes.ok || jwts.length !== keys.length || !jwts.every((j): j is string => typeof j === "string")) {
    throw new ReceiveError(
      "offer_refused",
      `the issuer did not deliver the credential (${issuerCode(credRes.body, credRes.status)})`,
    );
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
 * (the first copy's id); each is to be presented once. The caller keeps each copy's key: the CLI
 * its secret inside the encrypted file (`receiveCopies`), the web wallet a non-extractable
 * WebCrypto pair in IndexedDB. Same hardening as receiveOffer (https only unless
 * allowHttpLoopback, no redirects, time and size caps).
 */
export async function receiveBatch(
  p: Omit<ReceiveParameters, "key"> & { readonly keys: readonly HolderKey[] },
): Promise<StoredCredential[]> {
  const jwts = await requestCredential(p, p.keys, true);
  const copies = jwts.map((jwt, i) => checkReceived(jwt, p.keys[i]!.did, p));
  const batch = copies[0]!.id;
  return copies.map((c) => ({ ...c, copy: { batch, used: false } }));
}

/** receiveBatch with software keys (CLI): each copy keeps its key's secret. */
export async function receiveCopies(
  p: Omit<ReceiveParameters, "key"> & { readonly keys: readonly SoftwareHolderKey[] },
): Promise<StoredCredential[]> {
  const copies = await receiveBatch(p);
  return copies.map((c, i) => ({ ...c, copy: { ...c.copy!, holderSecret: base64urlEncode(p.keys[i]!.secret) } }));
}

/** The holder a credential names: an SD-JWT VC by its key (cnf.jwk), a jwt_vc by DID (sub). Throws for something that is not a credential. */
export function credentialHolder(jwt: string): { holder: unknown; issuer: unknown } {
  const stated = formatOfCredential(jwt).statement(jwt);
  if (!stated) throw new TypeError("not a credential");
  return { holder: stated.holder, issuer: stated.issuer };
}

/** A received credential must name this holder and verify against the bundle (in its issuer's own region). */
export function checkReceived(
  jwt: string,
  holder: string,
  p: Pick<ReceiveParameters, "now" | "verify">,
): StoredCredential {
  let sub: unknown;
  let iss: unknown;
  try {
    ({ holder: sub, issuer: iss } = credentialHolder(jwt));
  } catch {
    throw new ReceiveError("credential_invalid", "the issuer sent something that is not a credential");
  }
  if (sub !== holder) throw new ReceiveError("holder_mismatch", "the credential names another holder");
  const address = typeof iss === "string" ? parseEthrDid(iss)?.address : undefined;
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
