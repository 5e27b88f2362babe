import { randomUUID } from "node:crypto";
import type { Provider } from "ethers";
import { createJWS } from "did-jwt";
import { z } from "zod";
import { hashCanonical } from "../../core/hash.ts";
import { issueCredential, statusListUrl, TYP, VC_CONTEXT, type IssuerSigningKey } from "../../core/credential.ts";
import { holderPublicKey } from "../../core/did.ts";
import { nobleVerifier, type SignatureVerifier } from "../../core/crypto.ts";
import { verifyHolderProof } from "../../core/holder-proof.ts";
import { idToString } from "../chain/ids.ts";
import type { JsonValue } from "../../core/json.ts";
import { encodeStatusList, setBit } from "../../core/status-list.ts";
import { validateSchema } from "../../core/schema.ts";
import { credentialTypeId } from "../chain/ids.ts";
import { connectLedger, type Deployment } from "../chain/ledger.ts";
import type { AgencyLists } from "../chain/lists.ts";
import type { SchemaSource } from "../checkpoint/sync.ts";
import { createHttpApp, route, withServiceRoutes, type Log, type Route } from "../http/app.ts";
import { HttpError } from "../http/errors.ts";
import { Metrics } from "../http/metrics.ts";
import type { IssuerStore, Role } from "./store.ts";

export type { AgencyLists };

export interface IssuerDeps {
  readonly store: IssuerStore;
  readonly key: IssuerSigningKey;
  /** The agency's controller address (its identity on chain). */
  readonly agency: string;
  readonly provider: Provider;
  readonly deployment: Deployment;
  readonly lists: AgencyLists;
  readonly schemas: SchemaSource;
  /** Base URL the credentials name for their status lists. */
  readonly publicUrl: string;
  readonly now?: () => number;
  readonly log?: Log;
  readonly metrics?: Metrics;
  readonly bodyLimit?: number;
  readonly rateLimit?: number;
  /** Checks wallets' proofs of possession (default: noble). */
  readonly verifier?: SignatureVerifier;
}

const IssueRequest = z.object({
  type: z.string().regex(/^[A-Z][A-Za-z0-9]{0,30}$/),
  subject: z.string().min(8).max(512),
  claims: z.record(z.string(), z.json()),
  validFor: z.number().int().min(60).max(5 * 365 * 86400).optional(),
});

const StatusRequest = z.object({
  action: z.enum(["revoke", "suspend", "reinstate"]),
  ids: z.array(z.string().min(1).max(128)).min(1).max(1000),
});

const OperatorRequest = z.object({
  name: z.string().min(1).max(128),
  roles: z.array(z.enum(["issue", "revoke", "admin"])).min(1),
});

const OfferRequest = z.object({
  type: z.string().regex(/^[A-Z][A-Za-z0-9]{0,30}$/),
  claims: z.record(z.string(), z.json()),
  validFor: z.number().int().min(60).max(5 * 365 * 86400).optional(),
});

const PRE_AUTHORIZED = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
const TokenRequest = z.object({ grant_type: z.literal(PRE_AUTHORIZED), "pre-authorized_code": z.string().min(20).max(100) });
const CredentialRequest = z.object({
  format: z.literal("jwt_vc_json").optional(),
  credential_configuration_id: z.string().max(64).optional(),
  proof: z.object({ proof_type: z.literal("jwt"), jwt: z.string().min(20).max(4096) }),
});

/** How long an offer (and its access token) stays redeemable, seconds. */
const OFFER_TTL = 600;

/** How long an on-chain answer (accreditation, type, schema) is reused before asking again. */
const CHAIN_CACHE_MS = 10_000;

export function createIssuerApp(d: IssuerDeps) {
  const now = d.now ?? (() => Math.floor(Date.now() / 1000));
  const metrics = d.metrics ?? new Metrics();
  const { trust, status } = connectLedger(d.deployment, d.provider);
  const chainCache = new Map<string, { at: number; value: Promise<{ accredited: boolean; schema: JsonValue | undefined }> }>();

  /** Is this agency accredited for the type on chain now, and what is the type's schema? Cached briefly. */
  function typeInfo(type: string): Promise<{ accredited: boolean; schema: JsonValue | undefined }> {
    const hit = chainCache.get(type);
    if (hit && Date.now() - hit.at < CHAIN_CACHE_MS) return hit.value;
    const value = (async () => {
      const id = credentialTypeId(type);
      const [accredited, entry] = await Promise.all([trust.getFunction("isAccredited")(d.agency, id, now()), trust.getFunction("getCredentialType")(id)]);
      return { accredited: accredited as boolean, schema: entry.exists ? await d.schemas(entry.schemaUri as string) : undefined };
    })();
    chainCache.set(type, { at: Date.now(), value });
    value.catch(() => chainCache.delete(type));
    return value;
  }

  async function listTypes(): Promise<string[]> {
    const ids = (await trust.getFunction("credentialTypes")(0, 100)) as string[];
    return ids.map(idToString);
  }

  const chainCall = async <T>(p: Promise<T>): Promise<T> => {
    try {
      return await p;
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError("chain_unavailable", "the chain node cannot be reached; try again");
    }
  };

  const sign = (r: { id: string; type: string; holder: string; issuedAt: number; validUntil: number; revocation: { list: number; index: number }; suspension: { list: number; index: number } }, claims: Record<string, JsonValue>, schema: JsonValue) =>
    issueCredential({
      key: d.key,
      holder: r.holder,
      credentialType: r.type,
      claims,
      schema,
      status: {
        revocation: { listUrl: statusListUrl(d.publicUrl, d.deployment.chainId, r.revocation.list), index: r.revocation.index },
        suspension: { listUrl: statusListUrl(d.publicUrl, d.deployment.chainId, r.suspension.list), index: r.suspension.index },
      },
      id: r.id,
      issuedAt: r.issuedAt,
      validUntil: r.validUntil,
    });

  /** The type's schema, once the type is known, this agency accredited for it now, and the claims valid against it. */
  async function checkIssuable(type: string, claims: Record<string, JsonValue>): Promise<JsonValue> {
    const info = await chainCall(typeInfo(type));
    if (info.schema === undefined) throw new HttpError("unknown_type", `credential type ${type} is not registered (or its schema is unavailable)`);
    if (!info.accredited) throw new HttpError("not_accredited", `this agency is not accredited for ${type} now`);
    const problems = validateSchema(info.schema, claims);
    if (problems.length) throw new HttpError("schema_invalid", `claims do not match the ${type} schema`, problems);
    return info.schema;
  }

  /** Checks, records (group commit) and signs one credential: shared by direct issuance and offer redemption. */
  async function issueTo(p: { type: string; holder: string; claims: Record<string, JsonValue>; validFor: number | undefined; idempotencyKey: string | undefined; operator: string }) {
    if (!holderPublicKey(p.holder)) throw new HttpError("invalid_holder", "subject must be a P-256 did:key or did:jwk");
    const schema = await checkIssuable(p.type, p.claims);
    const issuedAt = now();
    const record = await d.store.recordIssuanceGrouped(
      {
        id: `urn:uuid:${randomUUID()}`,
        type: p.type,
        holder: p.holder,
        issuedAt,
        validUntil: issuedAt + (p.validFor ?? 86400),
        requestHash: hashCanonical({ type: p.type, subject: p.holder, claims: p.claims, validFor: p.validFor }),
        lists: d.lists,
      },
      p.idempotencyKey,
      p.operator,
    );
    metrics.inc("laissez_credentials_issued_total", "credentials issued", { type: p.type });
    // Deterministic signatures: a replayed Idempotency-Key re-signs the stored record into the same JWT.
    const credential = await sign(record, p.claims, schema);
    return { id: record.id, credential, status: { revocation: record.revocation, suspension: record.suspension } };
  }

  const statusListCache = new Map<string, { at: number; jwt: Promise<string> }>();

  const routes: Route<unknown>[] = [
    route<z.infer<typeof IssueRequest>>({
      method: "post",
      path: "/credentials",
      summary: "Issue a credential to a holder (Idempotency-Key makes a retry return the same credential)",
      auth: ["issue"],
      body: IssueRequest,
      responses: { 201: "the signed credential", 400: "invalid request", 401: "no or bad token", 403: "no issue role", 409: "Idempotency-Key reused for another request", 422: "not accredited, unknown type, bad holder or claims" },
      async handle({ body, header, caller }) {
        const idempotencyKey = header("idempotency-key");
        if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,128}$/.test(idempotencyKey)) throw new HttpError("invalid_request", "Idempotency-Key must be 1–128 visible ASCII characters");
        const issued = await issueTo({ type: body.type, holder: body.subject, claims: body.claims, validFor: body.validFor, idempotencyKey, operator: caller?.id ?? "unknown" });
        return { status: 201, body: issued };
      },
    }),
    route<z.infer<typeof StatusRequest>>({
      method: "post",
      path: "/credentials/status",
      summary: "Revoke, suspend or reinstate credentials: recorded in the outbox and answered 202 pending",
      auth: ["revoke"],
      body: StatusRequest,
      responses: { 202: "accepted as pending", 401: "no or bad token", 403: "no revoke role", 404: "a credential was not issued here" },
      async handle({ body, caller }) {
        const entries = d.store.enqueueStatus(body.ids, body.action, caller?.id ?? "unknown", now());
        metrics.inc("laissez_status_requests_total", "status change requests", { action: body.action }, entries.length);
        return { status: 202, body: { state: "pending", requests: entries } };
      },
    }),
    route({
      method: "get",
      path: "/credentials/:id",
      summary: "A credential's record and the state of its status requests (pending or anchored, with transaction and block)",
      auth: ["issue", "revoke", "admin"],
      responses: { 200: "the record", 404: "not issued here" },
      async handle({ params }) {
        const record = d.store.getCredential(params.id as string);
        if (!record) throw new HttpError("not_found", "no such credential issued here");
        const { requestHash: _h, ...visible } = record;
        return { status: 200, body: { ...visible, requests: d.store.statusOf(record.id) } };
      },
    }),
    route({
      method: "get",
      path: "/status/:chainId/:listId",
      summary: "A status list as a signed W3C BitstringStatusListCredential, built from chain state",
      auth: "public",
      cors: true,
      responses: { 200: "the status list credential (JWT)", 404: "not a list of this agency" },
      async handle({ params }) {
        const listId = Number(params.listId);
        const list = [d.lists.revocation, d.lists.suspension].find((l) => l.id === listId);
        if (Number(params.chainId) !== d.deployment.chainId || !list || !/^\d{1,9}$/.test(params.listId as string)) throw new HttpError("not_found", "no such status list of this agency");
        const key = String(listId);
        let hit = statusListCache.get(key);
        if (!hit || Date.now() - hit.at > 5000) {
          hit = { at: Date.now(), jwt: chainCall(buildStatusListCredential(listId, list.size, list === d.lists.revocation ? "revocation" : "suspension")) };
          statusListCache.set(key, hit);
          hit.jwt.catch(() => statusListCache.delete(key));
        }
        return { status: 200, body: await hit.jwt, contentType: "application/vc+jwt" };
      },
    }),
    route<z.infer<typeof OperatorRequest>>({
      method: "post",
      path: "/operators",
      summary: "Create an operator of this agency; its token is shown once",
      auth: ["admin"],
      body: OperatorRequest,
      responses: { 201: "the operator and its token", 403: "no admin role" },
      async handle({ body, caller }) {
        const { operator, token } = d.store.createOperator(body.name, body.roles as Role[], caller?.id ?? "unknown");
        return { status: 201, body: { ...operator, token } };
      },
    }),
    route<z.infer<typeof OfferRequest>>({
      method: "post",
      path: "/offers",
      summary: "Create a credential offer (OpenID4VCI pre-authorized code: one use, short expiry) for a citizen's wallet",
      auth: ["issue"],
      body: OfferRequest,
      responses: { 201: "the offer and its openid-credential-offer URI", 422: "not accredited, unknown type or bad claims" },
      async handle({ body, caller }) {
        await checkIssuable(body.type, body.claims);
        const expiresAt = now() + OFFER_TTL;
        d.store.purgeOffers(now());
        const code = d.store.createOffer({ type: body.type, claims: body.claims, validFor: body.validFor ?? 86400, operator: caller?.id ?? "unknown", expiresAt });
        const offer = { credential_issuer: d.publicUrl, credential_configuration_ids: [body.type], grants: { [PRE_AUTHORIZED]: { "pre-authorized_code": code } } };
        return { status: 201, body: { credential_offer: offer, offerUri: `openid-credential-offer://?credential_offer=${encodeURIComponent(JSON.stringify(offer))}`, expiresAt } };
      },
    }),
    route({
      method: "get",
      path: "/.well-known/openid-credential-issuer",
      summary: "OpenID4VCI credential issuer metadata",
      auth: "public",
      cors: true,
      responses: { 200: "metadata" },
      async handle() {
        const types = await chainCall(listTypes());
        return {
          status: 200,
          body: {
            credential_issuer: d.publicUrl,
            token_endpoint: `${d.publicUrl}/token`,
            credential_endpoint: `${d.publicUrl}/credential`,
            credential_configurations_supported: Object.fromEntries(
              types.map((t) => [t, { format: "jwt_vc_json", credential_definition: { type: ["VerifiableCredential", t] }, cryptographic_binding_methods_supported: ["did:key", "did:jwk"], proof_types_supported: { jwt: { proof_signing_alg_values_supported: ["ES256"] } } }]),
            ),
          },
        };
      },
    }),
    route<z.infer<typeof TokenRequest>>({
      method: "post",
      path: "/token",
      summary: "Exchange a pre-authorized code (once) for an access token and a c_nonce",
      auth: "public",
      cors: true,
      body: TokenRequest,
      bodyFormat: "form",
      responses: { 200: "access token", 400: "invalid_grant: unknown, used or expired code" },
      async handle({ body }) {
        const redeemed = d.store.redeemOfferCode(body["pre-authorized_code"], now());
        if (!redeemed) throw new HttpError("invalid_grant", "the pre-authorized code is unknown, used or expired");
        return { status: 200, body: { access_token: redeemed.accessToken, token_type: "Bearer", expires_in: OFFER_TTL, c_nonce: redeemed.cNonce, c_nonce_expires_in: OFFER_TTL } };
      },
    }),
    route<z.infer<typeof CredentialRequest>>({
      method: "post",
      path: "/credential",
      summary: "The wallet redeems its offer, proving possession of its holder key (proof JWT with the c_nonce)",
      auth: "public",
      cors: true,
      body: CredentialRequest,
      responses: { 200: "the credential, bound to the proven holder key", 400: "invalid_proof", 401: "invalid_token" },
      async handle({ body, header }) {
        const token = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(header("authorization") ?? "")?.[1];
        const offer = token ? d.store.offerForToken(token, now()) : undefined;
        if (!offer) throw new HttpError("invalid_token", "the access token is unknown, used or expired");
        const proof = verifyHolderProof(body.proof.jwt, { audience: d.publicUrl, nonce: offer.cNonce, now: now(), verifier: d.verifier ?? nobleVerifier });
        if (!proof.ok) throw new HttpError("invalid_proof", `the proof of possession is not valid: ${proof.reason}`);
        const issued = await issueTo({ type: offer.type, holder: proof.holder, claims: offer.claims as Record<string, JsonValue>, validFor: offer.validFor, idempotencyKey: undefined, operator: offer.operator });
        d.store.completeOffer(offer.codeHash, issued.id);
        return { status: 200, body: { credential: issued.credential, format: "jwt_vc_json" } };
      },
    }),
    route({
      method: "get",
      path: "/health",
      summary: "Chain reachability, outbox depth, last anchored block",
      auth: "public",
      responses: { 200: "healthy", 503: "chain unreachable" },
      async handle() {
        let block: number | null = null;
        try {
          block = await Promise.race([d.provider.getBlockNumber(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 2000))]);
        } catch {
          block = null;
        }
        const body = { status: block === null ? "degraded" : "ok", chain: { reachable: block !== null, block }, outbox: { depth: d.store.outboxDepth() }, lastAnchoredBlock: d.store.lastAnchoredBlock() };
        return { status: block === null ? 503 : 200, body };
      },
    }),
  ];
  withServiceRoutes("Laissez issuer service", metrics, routes);

  /** W3C BitstringStatusListCredential from the list's words on chain (bit order converted). */
  async function buildStatusListCredential(listId: number, size: number, purpose: "revocation" | "suspension"): Promise<string> {
    const words = (await status.getFunction("getWords")(listId, 0, size / 256)) as bigint[];
    const bits = new Uint8Array(size / 8);
    words.forEach((w, i) => {
      for (let b = 0; w !== 0n && b < 256; b++) if ((w >> BigInt(b)) & 1n) setBit(bits, i * 256 + b, true);
    });
    const url = statusListUrl(d.publicUrl, d.deployment.chainId, listId);
    const t = now();
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

  metrics.gauge("laissez_outbox_depth", "status requests not yet anchored", () => d.store.outboxDepth());
  metrics.gauge("laissez_last_anchored_block", "block of the last anchored batch", () => d.store.lastAnchoredBlock() ?? 0);

  const app = createHttpApp({
    title: "Laissez issuer service",
    version: "1",
    routes,
    authenticate: (token) => d.store.authenticate(token),
    metrics,
    ...(d.log ? { log: d.log } : {}),
    ...(d.bodyLimit ? { bodyLimit: d.bodyLimit } : {}),
    ...(d.rateLimit ? { rateLimit: d.rateLimit } : {}),
  });
  return { app, routes };
}
