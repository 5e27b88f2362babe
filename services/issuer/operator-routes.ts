import { z } from "zod";
import { FORMAT_NAMES, STATUS_ACTIONS } from "../../core/index.ts";
import { route, type Route } from "../http/app.ts";
import { ServiceError } from "../errors.ts";
import type { IssuerContext } from "./deps.ts";
import { PAPER, type Issuance } from "./issuance.ts";
import { MAX_COPIES } from "./store.ts";

// Strict: a field the service does not know is a mistake or a probe, never silently dropped.
export const IssueRequest = z.strictObject({
  type: z.string().regex(/^[A-Z][A-Za-z0-9]{0,30}$/),
  subject: z.string().min(8).max(512).optional(),
  /** Batch issuance: one copy per holder DID (a fresh key each), used once each by the wallet. */
  subjects: z.array(z.string().min(8).max(512)).min(1).max(MAX_COPIES).optional(),
  /** A credential to print on paper: issued to a paper subject the service draws (no holder key), jwt_vc only. */
  paper: z.literal(true).optional(),
  claims: z.record(z.string(), z.json()),
  validFor: z
    .number()
    .int()
    .min(60)
    .max(5 * 365 * 86400)
    .optional(),
  /** jwt_vc (default), sd_jwt_vc, or both (one record, the same status bits). */
  format: z.enum([...FORMAT_NAMES, "both"]).optional(),
});

export const StatusRequest = z.strictObject({
  action: z.enum(STATUS_ACTIONS),
  ids: z.array(z.string().min(1).max(128)).min(1).max(1000),
});

export const OperatorRequest = z.strictObject({
  name: z.string().min(1).max(128),
  roles: z.array(z.enum(["issue", "revoke", "admin"])).min(1),
  /** Seconds until the token stops working (none: until disabled). */
  expiresIn: z
    .number()
    .int()
    .min(60)
    .max(5 * 365 * 86400)
    .optional(),
});

/** The agency's operators at work: issue, change status, look up a record, add operators. */
export function operatorRoutes(d: IssuerContext, issuance: Issuance): Route<unknown>[] {
  return [issueRoute(issuance), statusRoute(d), recordRoute(d), ...operatorAdminRoutes(d)];
}

/** `POST /credentials`: one credential (subject) or copies of it (subjects). */
function issueRoute(issuance: Issuance): Route<unknown> {
  return route<z.infer<typeof IssueRequest>>({
    method: "post",
    path: "/credentials",
    summary:
      "Issue a credential to a holder, or (subjects) several copies of it, one per holder key, or (paper) one to print, with no holder key (Idempotency-Key makes a retry return the same credential or batch)",
    auth: ["issue"],
    body: IssueRequest,
    responses: {
      201: "the signed credential",
      400: "invalid request",
      401: "no or bad token",
      403: "no issue role",
      409: "Idempotency-Key reused for another request",
      422: "not accredited, unknown type, bad holder or claims",
    },
    async handle({ body, header, caller }) {
      const idempotencyKey = header("idempotency-key");
      if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,128}$/.test(idempotencyKey))
        throw new ServiceError("invalid_request", "Idempotency-Key must be 1–128 visible ASCII characters");
      if ([body.subject, body.subjects, body.paper].filter((x) => x !== undefined).length !== 1)
        throw new ServiceError(
          "invalid_request",
          "give one of subject (one credential), subjects (copies, one per holder key) or paper (a credential to print)",
        );
      const common = {
        type: body.type,
        claims: body.claims,
        validFor: body.validFor,
        idempotencyKey,
        operator: caller?.id ?? "unknown",
      };
      if (body.subjects) {
        if (body.format === "both")
          throw new ServiceError("invalid_request", "copies come in one format: jwt_vc or sd_jwt_vc");
        return {
          status: 201,
          body: await issuance.issueCopies({ ...common, holders: body.subjects, format: body.format ?? "jwt_vc" }),
        };
      }
      const issued = await issuance.issueTo({
        ...common,
        holder: body.paper ? PAPER : (body.subject as string),
        format: body.format ?? "jwt_vc",
      });
      return { status: 201, body: issued };
    },
  });
}

/** `POST /credentials/status`: revoke, suspend or reinstate, through the outbox. */
function statusRoute(d: IssuerContext): Route<unknown> {
  return route<z.infer<typeof StatusRequest>>({
    method: "post",
    path: "/credentials/status",
    summary:
      "Revoke, suspend or reinstate credentials (a copy's or batch's id acts on every copy): recorded in the outbox and answered 202 pending",
    auth: ["revoke"],
    body: StatusRequest,
    responses: {
      202: "accepted as pending",
      401: "no or bad token",
      403: "no revoke role",
      404: "a credential was not issued here",
    },
    async handle({ body, caller }) {
      // A copy stands for its credential: the change reaches every copy of the batch, in one request.
      const copies = await Promise.all(body.ids.map((id) => d.store.credentials.copiesOf(id)));
      const ids = [...new Set(copies.flatMap((c, i) => (c.length ? c : [body.ids[i]!])))]; // unknown: enqueue answers unknown_credential
      const entries = await d.store.outbox.enqueue(ids, body.action, caller?.id ?? "unknown", d.now());
      d.metrics.inc("laissez_status_requests_total", "status change requests", { action: body.action }, entries.length);
      return { status: 202, body: { state: "pending", requests: entries } };
    },
  });
}

/** `GET /credentials/:id`: the record (without its request hash), its copies and its status requests. */
function recordRoute(d: IssuerContext): Route<unknown> {
  return route({
    method: "get",
    path: "/credentials/:id",
    summary:
      "A credential's record and the state of its status requests (pending or anchored, with transaction and block)",
    auth: ["issue", "revoke", "admin"],
    responses: { 200: "the record", 404: "not issued here" },
    async handle({ params }) {
      const record = await d.store.credentials.get(params.id as string);
      if (!record) throw new ServiceError("not_found", "no such credential issued here");
      const { requestHash: _h, ...visible } = record;
      const batch = await d.store.credentials.batchOf(record.id);
      const copies = batch ? { batch, copies: await d.store.credentials.copiesOf(batch) } : {};
      return { status: 200, body: { ...visible, ...copies, requests: await d.store.outbox.statusOf(record.id) } };
    },
  });
}

/** `POST /operators`, `POST /operators/:id/disable`: the admin's tokens. */
function operatorAdminRoutes(d: IssuerContext): Route<unknown>[] {
  return [
    route<z.infer<typeof OperatorRequest>>({
      method: "post",
      path: "/operators",
      summary: "Create an operator of this agency (optionally expiring); its token is shown once",
      auth: ["admin"],
      body: OperatorRequest,
      noStore: true,
      responses: { 201: "the operator and its token", 403: "no admin role" },
      async handle({ body, caller }) {
        const now = d.now();
        const expiresAt = body.expiresIn === undefined ? undefined : now + body.expiresIn;
        const { operator, token } = await d.store.operators.create(body.name, body.roles, {
          by: caller?.id ?? "unknown",
          now,
          ...(expiresAt ? { expiresAt } : {}),
        });
        return { status: 201, body: { ...operator, token } };
      },
    }),
    route({
      method: "post",
      path: "/operators/:id/disable",
      summary: "Disable an operator's token for good: refused (401) from the next request on",
      auth: ["admin"],
      responses: { 200: "disabled", 403: "no admin role", 404: "no such operator" },
      async handle({ params, caller }) {
        if (!(await d.store.operators.disable(params.id as string, caller?.id ?? "unknown", d.now())))
          throw new ServiceError("not_found", "no such operator");
        return { status: 200, body: { id: params.id, disabled: true } };
      },
    }),
  ];
}

/** `GET /health`: chain reachability, outbox depth, last anchored block. */
export function healthRoutes(d: IssuerContext): Route<unknown>[] {
  d.metrics.gauge("laissez_outbox_depth", "status requests not yet anchored", () => d.store.outbox.depth());
  d.metrics.gauge(
    "laissez_last_anchored_block",
    "block of the last anchored batch",
    async () => (await d.store.outbox.lastAnchoredBlock()) ?? 0,
  );
  return [
    route({
      method: "get",
      path: "/health",
      summary:
        "Chain reachability, whether the agency's lists are known, the on-chain key custody check (refused: `unhealthy`, with the reason code), outbox depth, last anchored block, the anchoring worker's last error and re-queued batches, the audit log's unanchored entries and their age",
      auth: "public",
      responses: { 200: "healthy", 503: "chain unreachable" },
      async handle() {
        let block: number | null = null;
        try {
          block = await Promise.race([
            d.provider.getBlockNumber(),
            new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 2000)),
          ]);
        } catch {
          block = null;
        }
        const anchoring = (await d.anchoring?.()) ?? null;
        // Issuance answers 503 until the agency's lists are learnt: health must not say ok before.
        const listsKnown = (typeof d.lists === "function" ? d.lists() : d.lists) !== undefined;
        // An audit log the chain disagrees with (audit_chain_ahead, audit_prefix_mismatch, …) is an error, not a detail.
        // A governing key found on chain is no passing fault: the service stays unhealthy until reconfigured.
        const custody = d.custody?.() ?? { state: "checked" as const };
        const ok =
          block !== null &&
          listsKnown &&
          !anchoring?.lastError &&
          !anchoring?.audit?.lastError &&
          custody.state === "checked";
        const body = {
          status: ok ? "ok" : custody.state === "refused" ? "unhealthy" : "degraded",
          ...(d.custody ? { custody } : {}),
          chain: { reachable: block !== null, block },
          lists: listsKnown ? "known" : "unknown",
          outbox: { depth: await d.store.outbox.depth() },
          lastAnchoredBlock: await d.store.outbox.lastAnchoredBlock(),
          ...(anchoring ? { anchoring } : {}),
        };
        return { status: ok ? 200 : 503, body };
      },
    }),
  ];
}
