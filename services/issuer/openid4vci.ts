import { z } from "zod";
import {
  configurationId,
  credentialConfiguration,
  type CredentialFormat,
  type CredentialOffer,
  type CredentialResponse,
  DEFAULT_FORMAT_NAME,
  ENDPOINTS,
  FORMAT_NAMES,
  formatOfWire,
  holderKeyId,
  isCredentialFormat,
  type JsonValue,
  nobleVerifier,
  offerUri,
  parseConfigurationId,
  PRE_AUTHORIZED_GRANT,
  PROOF_TYPE,
  type TokenResponse,
  verifyHolderProof,
  WIRE_FORMAT,
  WIRE_FORMATS,
} from "../../core/index.ts";
import { route, type Route } from "../http/app.ts";
import { ServiceError } from "../errors.ts";
import type { IssuerContext } from "./deps.ts";
import { chainCall } from "../chain/rpc.ts";
import type { Issuance } from "./issuance.ts";
import { MAX_COPIES } from "./store.ts";

/** How long an offer (and its access token) stays redeemable, seconds. */
export const OFFER_TTL = 600;

// The operator's request is strict; the wallet's (token, credential) follow OAuth: unknown parameters are ignored (RFC 6749 §3.1).
export const OfferRequest = z.strictObject({
  type: z.string().regex(/^[A-Z][A-Za-z0-9]{0,30}$/),
  claims: z.record(z.string(), z.json()),
  validFor: z
    .number()
    .int()
    .min(60)
    .max(5 * 365 * 86400)
    .optional(),
  /** The one format the wallet gets; without it the offer names both and the wallet chooses. */
  format: z.enum(FORMAT_NAMES).optional(),
});
const TokenRequest = z.object({
  grant_type: z.literal(PRE_AUTHORIZED_GRANT),
  "pre-authorized_code": z.string().min(20).max(100),
});
const CredentialRequest = z.object({
  format: z.enum(WIRE_FORMATS).optional(),
  credential_configuration_id: z.string().max(64).optional(),
  proof: z.object({ proof_type: z.literal(PROOF_TYPE), jwt: z.string().min(20).max(4096) }).optional(),
  /** OpenID4VCI 1.0 batch issuance: one proof per holder key, one credential (copy) per proof. */
  proofs: z.object({ [PROOF_TYPE]: z.array(z.string().min(20).max(4096)).min(1).max(MAX_COPIES) }).optional(),
});

/** OpenID4VCI, pre-authorized code flow: an operator makes an offer, the citizen's wallet redeems it. */
export function openid4vciRoutes(d: IssuerContext, issuance: Issuance): Route<unknown>[] {
  return [offerRoute(d, issuance), metadataRoute(d, issuance), tokenRoute(d), credentialRoute(d, issuance)];
}

/** `POST /offers`: the operator makes a one-use, short-lived offer for a citizen's wallet. */
function offerRoute(d: IssuerContext, issuance: Issuance): Route<unknown> {
  return route<z.infer<typeof OfferRequest>>({
    method: "post",
    path: "/offers",
    summary: "Create a credential offer (OpenID4VCI pre-authorized code: one use, short expiry) for a citizen's wallet",
    auth: ["issue"],
    body: OfferRequest,
    noStore: true,
    responses: {
      201: "the offer and its openid-credential-offer URI",
      422: "not accredited, unknown type or bad claims",
    },
    async handle({ body, caller }) {
      await issuance.checkIssuable(body.type, body.claims, body.validFor);
      const expiresAt = d.now() + OFFER_TTL;
      const code = await d.store.offers.create(
        {
          type: body.type,
          claims: body.claims,
          validFor: body.validFor ?? 86400,
          operator: caller?.id ?? "unknown",
          expiresAt,
          ...(body.format ? { format: body.format } : {}),
        },
        d.now(),
      );
      const formats: readonly CredentialFormat[] = body.format ? [body.format] : FORMAT_NAMES;
      const ids = formats.map((f) => configurationId(body.type, f));
      const offer: CredentialOffer = {
        credential_issuer: d.publicUrl,
        credential_configuration_ids: ids,
        grants: { [PRE_AUTHORIZED_GRANT]: { "pre-authorized_code": code } },
      };
      return { status: 201, body: { credential_offer: offer, offerUri: offerUri(offer), expiresAt } };
    },
  });
}

/** The credential issuer metadata: one configuration per accredited type and format. */
function metadataRoute(d: IssuerContext, issuance: Issuance): Route<unknown> {
  return route({
    method: "get",
    path: ENDPOINTS.metadata,
    summary: "OpenID4VCI credential issuer metadata",
    auth: "public",
    cors: true,
    responses: { 200: "metadata" },
    async handle() {
      const types = await chainCall(issuance.listTypes());
      return {
        status: 200,
        body: {
          credential_issuer: d.publicUrl,
          token_endpoint: d.publicUrl + ENDPOINTS.token,
          credential_endpoint: d.publicUrl + ENDPOINTS.credential,
          batch_credential_issuance: { batch_size: MAX_COPIES },
          credential_configurations_supported: Object.fromEntries(
            types.flatMap((t) => FORMAT_NAMES.map((f) => [configurationId(t, f), credentialConfiguration(t, f)])),
          ),
        },
      };
    },
  });
}

/** The token endpoint: a pre-authorized code, once, for an access token and a c_nonce. */
function tokenRoute(d: IssuerContext): Route<unknown> {
  return route<z.infer<typeof TokenRequest>>({
    method: "post",
    path: ENDPOINTS.token,
    summary: "Exchange a pre-authorized code (once) for an access token and a c_nonce",
    auth: "public",
    cors: true,
    body: TokenRequest,
    bodyFormat: "form",
    noStore: true,
    responses: { 200: "access token", 400: "invalid_grant: unknown, used or expired code" },
    async handle({ body }) {
      const redeemed = await d.store.offers.redeemCode(body["pre-authorized_code"], d.now());
      if (!redeemed) throw new ServiceError("invalid_grant", "the pre-authorized code is unknown, used or expired");
      const token: TokenResponse = {
        access_token: redeemed.accessToken,
        token_type: "Bearer",
        expires_in: OFFER_TTL,
        c_nonce: redeemed.cNonce,
        c_nonce_expires_in: OFFER_TTL,
      };
      return { status: 200, body: token };
    },
  });
}

/** The credential endpoint: the wallet redeems its offer with proof of its holder key(s). */
function credentialRoute(d: IssuerContext, issuance: Issuance): Route<unknown> {
  return route<z.infer<typeof CredentialRequest>>({
    method: "post",
    path: ENDPOINTS.credential,
    summary: "The wallet redeems its offer, proving possession of its holder key (proof JWT with the c_nonce)",
    auth: "public",
    cors: true,
    body: CredentialRequest,
    noStore: true,
    responses: {
      200: "the credential bound to the proven holder key (proof), or one copy per proven key (proofs: credentials[])",
      400: "invalid_proof",
      401: "invalid_token",
    },
    async handle({ body, header }) {
      const response = await redeemOffer(
        d,
        issuance,
        /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(header("authorization") ?? "")?.[1],
        body,
      );
      return { status: 200, body: response };
    },
  });
}

/** A batch redemption's answer (OpenID4VCI 1.0): one credential per proof, in the proofs' order. */
interface BatchCredentialResponse {
  readonly credentials: { readonly credential: string }[];
  readonly format: CredentialResponse["format"];
}

/** The holder keys a credential request proves: one (proof) or several (proofs), each signed over this offer's c_nonce. */
function provenHolders(d: IssuerContext, body: z.infer<typeof CredentialRequest>, cNonce: string): string[] {
  const jwts = body.proofs ? body.proofs[PROOF_TYPE] : body.proof ? [body.proof.jwt] : undefined;
  if (!jwts || (body.proof && body.proofs))
    throw new ServiceError("invalid_request", "give proof (one credential) or proofs (one copy per holder key)");
  const holders = jwts.map((jwt) => {
    const proof = verifyHolderProof(jwt, {
      audience: d.publicUrl,
      nonce: cNonce,
      now: d.now(),
      verifier: d.verifier ?? nobleVerifier,
    });
    if (!proof.ok) throw new ServiceError("invalid_proof", `the proof of possession is not valid: ${proof.reason}`);
    return proof.holder;
  });
  // One key is one holder, whether its proofs name it by did:key or did:jwk.
  if (new Set(holders.map(holderKeyId)).size !== holders.length)
    throw new ServiceError("invalid_proof", "each copy needs its own holder key: two proofs name one key");
  return holders;
}

/**
 * The wallet's side of a redemption: a live offer for the token, proofs of the holder keys, one
 * claim, then one credential (proof) or one batch of copies (proofs) in the format asked for.
 */
async function redeemOffer(
  d: IssuerContext,
  issuance: Issuance,
  token: string | undefined,
  body: z.infer<typeof CredentialRequest>,
): Promise<CredentialResponse | BatchCredentialResponse> {
  const unusable = () => new ServiceError("invalid_token", "the access token is unknown, used or expired");
  const offer = token ? await d.store.offers.forToken(token, d.now()) : undefined;
  if (!token || !offer) throw unusable();
  const format = requestedFormat(body, offer);
  const holders = provenHolders(d, body, offer.cNonce);
  // Claimed atomically (one UPDATE) before issuing: of racing redemptions, one issues (one credential or one batch).
  if (!(await d.store.offers.claim(token, d.now()))) throw unusable();
  // Recorded once under the offer: a retry after any failure (signer down, a kill) gets the same records.
  const common = {
    type: offer.type,
    claims: offer.claims as Record<string, JsonValue>,
    validFor: offer.validFor,
    idempotencyKey: undefined,
    operator: offer.operator,
    format,
    offer: Buffer.from(offer.codeHash).toString("hex"),
  };
  try {
    if (body.proofs) {
      const batch = await issuance.issueCopies({ ...common, holders });
      await d.store.offers.complete(offer.codeHash, batch.batch);
      return { credentials: batch.copies.map((c) => ({ credential: c.credential })), format: WIRE_FORMAT[format] };
    }
    const issued = await issuance.issueTo({ ...common, holder: holders[0] as string });
    await d.store.offers.complete(offer.codeHash, issued.id);
    return { credential: issued.credential, format: WIRE_FORMAT[format] };
  } catch (e) {
    // Redeemable again: what was recorded waits under the offer for the retry, nothing is recorded twice.
    await d.store.offers.release(offer.codeHash);
    throw e;
  }
}

/**
 * The format a credential request asks for, by configuration id or by wire format; it must be
 * one the offer names (an offer that named one format gives only that one).
 */
function requestedFormat(
  body: { format?: string | undefined; credential_configuration_id?: string | undefined },
  offer: { type: string; format: string | null },
): CredentialFormat {
  let format: CredentialFormat = isCredentialFormat(offer.format) ? offer.format : DEFAULT_FORMAT_NAME;
  if (body.credential_configuration_id !== undefined) {
    const asked = parseConfigurationId(body.credential_configuration_id);
    if (asked.type !== offer.type)
      throw new ServiceError("invalid_request", "credential_configuration_id is not one this offer names");
    format = asked.format;
  } else if (body.format !== undefined) format = formatOfWire(body.format) ?? DEFAULT_FORMAT_NAME;
  if (offer.format !== null && offer.format !== format)
    throw new ServiceError("invalid_request", `this offer is for ${offer.format} only`);
  return format;
}
