import { randomUUID } from "node:crypto";
import type { Provider } from "ethers";
import { createJWS } from "did-jwt";
import { z } from "zod";
import { hashCanonical } from "../../core/hash.ts";
import { issueCredential, statusListUrl, TYP, VC_CONTEXT, type IssuerSigningKey } from "../../core/credential.ts";
import { holderPublicKey } from "../../core/did.ts";
import type { JsonValue } from "../../core/json.ts";
import { encodeStatusList, setBit } from "../../core/status-list.ts";
import { validateSchema } from "../../core/schema.ts";
import { credentialTypeId } from "../chain/ids.ts";
import { connectLedger, type Deployment } from "../chain/ledger.ts";
import type { SchemaSource } from "../checkpoint/sync.ts";
import { createHttpApp, openApiDocument, route, type Log, type Route } from "../http/app.ts";
import { HttpError } from "../http/errors.ts";
import { Metrics } from "../http/metrics.ts";
import type { IssuerStore, Role } from "./store.ts";

export interface AgencyLists {
  readonly revocation: { readonly id: number; readonly size: number };
  readonly suspension: { readonly id: number; readonly size: number };
}

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
        if (!holderPublicKey(body.subject)) throw new HttpError("invalid_holder", "subject must be a P-256 did:key or did:jwk");
        const idempotencyKey = header("idempotency-key");
        if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,128}$/.test(idempotencyKey)) throw new HttpError("invalid_request", "Idempotency-Key must be 1–128 visible ASCII characters");
        const info = await chainCall(typeInfo(body.type));
        if (info.schema === undefined) throw new HttpError("unknown_type", `credential type ${body.type} is not registered (or its schema is unavailable)`);
        if (!info.accredited) throw new HttpError("not_accredited", `this agency is not accredited for ${body.type} now`);
        const problems = validateSchema(info.schema, body.claims);
        if (problems.length) throw new HttpError("schema_invalid", `claims do not match the ${body.type} schema`, problems);
        const issuedAt = now();
        const record = await d.store.recordIssuanceGrouped(
          {
            id: `urn:uuid:${randomUUID()}`,
            type: body.type,
            holder: body.subject,
            issuedAt,
            validUntil: issuedAt + (body.validFor ?? 86400),
            requestHash: hashCanonical(body),
            lists: d.lists,
          },
          idempotencyKey,
          caller?.id ?? "unknown",
        );
        metrics.inc("laissez_credentials_issued_total", "credentials issued", { type: body.type });
        // Deterministic signatures: a replayed Idempotency-Key re-signs the stored record into the same JWT.
        const credential = await sign(record, body.claims, info.schema);
        return { status: 201, body: { id: record.id, credential, status: { revocation: record.revocation, suspension: record.suspension } } };
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
    route({
      method: "get",
      path: "/metrics",
      summary: "Prometheus metrics",
      auth: "public",
      responses: { 200: "text exposition format" },
      async handle() {
        return { status: 200, body: metrics.render(), contentType: "text/plain; version=0.0.4" };
      },
    }),
  ];
  routes.push(
    route({
      method: "get",
      path: "/openapi.json",
      summary: "This API's OpenAPI document",
      auth: "public",
      responses: { 200: "OpenAPI 3.1" },
      async handle() {
        return { status: 200, body: openApiDocument("Laissez issuer service", "1", routes) };
      },
    }),
  );

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
