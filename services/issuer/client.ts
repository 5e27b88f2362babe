import type { z } from "zod";
import type { CredentialOffer } from "../../core/index.ts";
import type { Issued, IssuedBatch } from "./issuance.ts";
import type { OfferRequest } from "./openid4vci.ts";
import type { IssueRequest, OperatorRequest, StatusRequest } from "./operator-routes.ts";
import type { CredentialRecord, Operator, OutboxEntry } from "./store.ts";

/**
 * The issuer service's operator routes as types: each request body is the route's own zod
 * schema (what the service validates), each answer what its handler returns. One entry per
 * route; a route's schema changing changes every caller's type.
 */
export interface IssuerRoutes {
  "POST /credentials": { body: z.input<typeof IssueRequest>; answer: Issued | IssuedBatch };
  "POST /credentials/status": {
    body: z.input<typeof StatusRequest>;
    answer: { state: "pending"; requests: OutboxEntry[] };
  };
  "GET /credentials/:id": {
    answer: Omit<CredentialRecord, "requestHash"> & { batch?: string; copies?: string[]; requests: OutboxEntry[] };
  };
  "POST /offers": {
    body: z.input<typeof OfferRequest>;
    answer: { credential_offer: CredentialOffer; offerUri: string; expiresAt: number };
  };
  "POST /operators": { body: z.input<typeof OperatorRequest>; answer: Operator & { token: string } };
  "POST /operators/:id/disable": { answer: unknown };
}

export type IssuerRoute = keyof IssuerRoutes;

type BodyOf<R extends IssuerRoute> = IssuerRoutes[R] extends { body: infer B } ? B : undefined;

export interface CallOptions {
  /** Path parameters (`:id`), percent-encoded here. */
  readonly params?: Record<string, string>;
  readonly headers?: Record<string, string>;
}

/** What one request gave, whatever its status (`send`): a load generator counts these. */
export interface RawAnswer {
  /** 0: no answer (refused, reset, timed out). */
  readonly status: number;
  readonly json: Record<string, unknown>;
  readonly text: string;
  /** The error body's code, if any. */
  readonly code: string | undefined;
  /** Why there was no answer (status 0). */
  readonly failure?: string;
}

/** The service refused (its error code and message), or could not be reached (`unreachable`). */
export class IssuerServiceError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status: number) {
    super(status === 0 ? message : `${code}: ${message}`);
    this.code = code;
    this.status = status;
  }
}

export interface IssuerClientOptions {
  readonly token: string;
  /** Each request's limit (default 30 s). */
  readonly timeoutMs?: number;
  /** Retries once a request whose connection failed before any answer (a kept-alive socket the server had just closed); give an Idempotency-Key for POSTs. */
  readonly retryUnanswered?: boolean;
}

/** The one client of the issuer service's operator routes (CLI, paper, demo, `laissez up`, soak load). */
export function issuerClient(baseUrl: string, o: IssuerClientOptions) {
  const url = baseUrl.replace(/\/$/, "");
  const send = async <R extends IssuerRoute>(route: R, body: BodyOf<R>, c: CallOptions = {}): Promise<RawAnswer> => {
    const [method, template] = route.split(" ") as [string, string];
    const path = template.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(c.params?.[name] ?? ""));
    const init: RequestInit = {
      method,
      headers: {
        authorization: `Bearer ${o.token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...c.headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      redirect: "error",
    };
    const attempt = () => fetch(url + path, { ...init, signal: AbortSignal.timeout(o.timeoutMs ?? 30_000) });
    let res: Response;
    try {
      res = await attempt().catch((e: unknown) => (o.retryUnanswered ? attempt() : Promise.reject(e)));
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      return {
        status: 0,
        json: {},
        text: "",
        code: undefined,
        failure: `${(e as Error).message}${cause ? ` (${cause.code ?? ""} ${cause.message ?? ""})` : ""}`,
      };
    }
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON: the status is what counts
    }
    return { status: res.status, json, text, code: (json.error as { code?: string } | undefined)?.code };
  };
  return {
    url,
    send,
    /** The route's answer; a refusal or no answer throws `IssuerServiceError`. */
    async call<R extends IssuerRoute>(
      route: R,
      body: BodyOf<R>,
      c: CallOptions = {},
    ): Promise<IssuerRoutes[R]["answer"]> {
      const a = await send(route, body, c);
      if (a.status === 0)
        throw new IssuerServiceError(
          "unreachable",
          `the issuer service at ${url} cannot be reached: ${a.failure ?? ""}`,
          0,
        );
      if (a.status < 200 || a.status >= 300) {
        const error = (a.json.error ?? {}) as { message?: string };
        throw new IssuerServiceError(
          a.code ?? `http_${a.status}`,
          error.message ?? "the issuer service refused the request",
          a.status,
        );
      }
      return a.json as IssuerRoutes[R]["answer"];
    },
  };
}

export type IssuerClient = ReturnType<typeof issuerClient>;
