import { randomUUID } from "node:crypto";
import express, { type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import { CodedError, JsonError, type JsonValue, parseJson } from "../../core/index.ts";
import { checkMediaType, readBody, strictSchema } from "./body.ts";
import { ServiceError } from "../errors.ts";
import { frameworkError, statusOf } from "./errors.ts";
import { jsonLog, type Log } from "./log.ts";
import { Metrics } from "./metrics.ts";
import { RateWindows } from "./rate.ts";

/** Who is calling: what `authenticate` returns for a valid bearer token. */
export interface Caller {
  readonly id: string;
  readonly roles: readonly string[];
}

export interface RouteContext<B> {
  readonly body: B;
  readonly params: Record<string, string>;
  readonly header: (name: string) => string | undefined;
  /** A query parameter given once as a string (repeated or bracketed forms read as absent). */
  readonly query: (name: string) => string | undefined;
  readonly caller: Caller | undefined;
  readonly requestId: string;
}

export interface RouteResult {
  readonly status: number;
  readonly body: unknown;
  readonly contentType?: string;
  /** Extra response headers (e.g. `Vary: Accept` when the body depends on it). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** One route: the single source of its request type (zod), its auth, its OpenAPI entry. */
export interface Route<B = unknown> {
  readonly method: "get" | "post";
  /** Express path, e.g. /credentials/:id */
  readonly path: string;
  readonly summary: string;
  /** Roles allowed (any one suffices); "public" needs no token. */
  readonly auth: readonly string[] | "public";
  readonly body?: z.ZodType<B>;
  /** How the body is encoded: JSON (default) or a form (OAuth token requests). */
  readonly bodyFormat?: "json" | "form";
  readonly responses: Record<number, string>;
  /**
   * Callable from any web origin (the web wallet, a checkpoint page): answers CORS preflights
   * and sets `Access-Control-Allow-Origin: *`. Safe because nothing here rides on cookies:
   * a bearer token has to be sent explicitly.
   */
  readonly cors?: boolean;
  /**
   * The response carries a secret (a token, an offer's code): `Cache-Control: no-store`, on
   * errors too, so no cache along the way keeps it.
   */
  readonly noStore?: boolean;
  handle(ctx: RouteContext<B>): Promise<RouteResult>;
}

export const route = <B>(r: Route<B>): Route<unknown> => r as Route<unknown>;

export { jsonLog, type Log } from "./log.ts";

export interface HttpAppOptions {
  readonly title: string;
  readonly version: string;
  readonly routes: readonly Route<unknown>[];
  readonly authenticate: (token: string) => Promise<Caller | undefined>;
  readonly log?: Log;
  readonly metrics?: Metrics;
  /** Largest request body accepted (bytes). */
  readonly bodyLimit?: number;
  /** Requests per minute per client address. */
  readonly rateLimit?: number;
  /** A built web page served at `/` (index.html, its script, service worker), under a strict CSP. */
  readonly page?: { readonly dir: string; readonly csp: string };
}

/** The page's own files are its code: nothing else may run, frame it, or be loaded into it. */
export const pageCsp = (connect: string): string =>
  `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; worker-src 'self'; connect-src ${connect}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

/** Private keys (32-byte hex), operator tokens and bearer credentials never reach a log line. */
export function scrubSecrets(text: string): string {
  return text
    .replace(/0x[0-9a-fA-F]{64}(?![0-9a-fA-F])/g, "0x[redacted]")
    .replace(/lz_[A-Za-z0-9_-]{16,}/g, "lz_[redacted]")
    .replace(/Bearer\s+\S+/gi, "Bearer [redacted]");
}

const openApiPath = (p: string): string => p.replace(/:([A-Za-z]+)/g, "{$1}");

/** The OpenAPI 3.1 document of a route table: generated from the same zod schemas the handlers use. */
export function openApiDocument(
  title: string,
  version: string,
  routes: readonly Route<unknown>[],
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const params = [...r.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    (paths[openApiPath(r.path)] ??= {})[r.method] = {
      summary: r.summary,
      ...(params.length ? { parameters: params } : {}),
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: {
                [r.bodyFormat === "form" ? "application/x-www-form-urlencoded" : "application/json"]: {
                  schema: z.toJSONSchema(r.body),
                },
              },
            },
          }
        : {}),
      ...(r.auth === "public" ? { security: [] } : { security: [{ bearer: [] }] }),
      responses: Object.fromEntries(Object.entries(r.responses).map(([s, d]) => [s, { description: d }])),
    };
  }
  return {
    openapi: "3.1.0",
    info: { title, version },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    paths,
  };
}

/** Appends what every service exposes: Prometheus `/metrics` and `/openapi.json` of the whole table. */
export function withServiceRoutes(title: string, metrics: Metrics, routes: Route<unknown>[]): Route<unknown>[] {
  routes.push(
    route({
      method: "get",
      path: "/metrics",
      summary: "Prometheus metrics",
      auth: "public",
      responses: { 200: "text exposition format" },
      async handle() {
        return { status: 200, body: await metrics.render(), contentType: "text/plain; version=0.0.4" };
      },
    }),
    route({
      method: "get",
      path: "/openapi.json",
      summary: "This API's OpenAPI document",
      auth: "public",
      responses: { 200: "OpenAPI 3.1" },
      async handle() {
        return { status: 200, body: openApiDocument(title, "1", routes) };
      },
    }),
  );
  return routes;
}

/** A request line carries at most this much of the path: a stranger's 8 KB URL does not become 8 KB of log per request. */
const MAX_LOGGED_PATH = 256;

/** A caller's own request id is kept when it is this plain; otherwise the service makes one. */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Per request: an id, a log line and metrics when it finishes, `nosniff`, and the per-client rate limit. */
function requestMiddleware(o: HttpAppOptions, log: Log, metrics: Metrics): express.RequestHandler {
  const windows = new RateWindows();
  return (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    const given = req.headers["x-request-id"];
    const requestId = typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader("x-request-id", requestId);
    res.setHeader("x-content-type-options", "nosniff");
    res.on("finish", () => {
      const ms = performance.now() - started;
      const routePath = (res.locals.route as string | undefined) ?? "unmatched";
      metrics.inc("http_requests_total", "HTTP requests", {
        method: req.method,
        route: routePath,
        status: String(res.statusCode),
      });
      metrics.observe("http_request_duration_ms", "HTTP request latency", { route: routePath }, ms);
      log({
        level: "info",
        requestId,
        method: req.method,
        path: req.path.slice(0, MAX_LOGGED_PATH),
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
        caller: res.locals.caller ?? null,
      });
    });
    if (o.rateLimit && !windows.allow(req.socket.remoteAddress ?? "unknown", o.rateLimit))
      return next(new ServiceError("rate_limited", "too many requests: slow down"));
    next();
  };
}

/** The bearer token's caller, who must hold one of the route's roles. */
async function authorize(
  r: Route<unknown>,
  req: Request,
  res: Response,
  authenticate: HttpAppOptions["authenticate"],
): Promise<Caller | undefined> {
  if (r.auth === "public") return undefined;
  const m = /^Bearer ([A-Za-z0-9._~+/-]{1,256}=*)$/.exec(req.get("authorization") ?? "");
  const caller = m ? await authenticate(m[1] as string) : undefined;
  if (!caller) throw new ServiceError("unauthorized", "a valid bearer token is required");
  res.locals.caller = caller.id;
  if (!r.auth.some((role) => caller.roles.includes(role)))
    throw new ServiceError("forbidden", `this needs one of the roles: ${r.auth.join(", ")}`);
  return caller;
}

/**
 * The route's body: exact media type, UTF-8, strict JSON (duplicate keys, huge numbers, depth
 * refused) or a form, then its schema. JSON schemas are made strict (unknown fields → 400);
 * forms are not, since OAuth requires a token endpoint to ignore parameters it does not know.
 */
async function readRouteBody(r: Route<unknown>, schema: z.ZodType, req: Request, limit: number): Promise<unknown> {
  const form = r.bodyFormat === "form";
  checkMediaType(req.get("content-type"), form ? "application/x-www-form-urlencoded" : "application/json");
  const text = await readBody(req, limit);
  let raw: JsonValue;
  try {
    raw = form ? Object.fromEntries(new URLSearchParams(text)) : parseJson(text, { maxDepth: 16 });
  } catch (e) {
    throw new ServiceError("malformed_json", e instanceof JsonError ? `${e.code}: ${e.message}` : "body is not JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new ServiceError(
      "invalid_request",
      "the request does not match its schema",
      parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    );
  return parsed.data;
}

function queryParam(req: Request, name: string): string | undefined {
  const value: unknown = Object.hasOwn(req.query, name) ? req.query[name] : undefined;
  return typeof value === "string" ? value : undefined;
}

function mountRoute(app: express.Express, r: Route<unknown>, o: HttpAppOptions): void {
  const schema = r.body && (r.bodyFormat === "form" ? r.body : strictSchema(r.body));
  if (r.cors) {
    app.options(r.path, (_req: Request, res: Response) => {
      res.set({
        "access-control-allow-origin": "*",
        "access-control-allow-methods": r.method.toUpperCase(),
        "access-control-allow-headers": "authorization, content-type, idempotency-key",
        "access-control-max-age": "600",
      });
      res.status(204).end();
    });
  }
  app[r.method](r.path, async (req: Request, res: Response, next: NextFunction) => {
    res.locals.route = r.path;
    if (r.cors) res.set({ "access-control-allow-origin": "*", "access-control-expose-headers": "x-request-id" });
    if (r.noStore) res.set({ "cache-control": "no-store", pragma: "no-cache" });
    try {
      const caller = await authorize(r, req, res, o.authenticate);
      const body = schema ? await readRouteBody(r, schema, req, o.bodyLimit ?? 64 * 1024) : undefined;
      const result = await r.handle({
        body,
        params: req.params as Record<string, string>,
        header: (n) => req.get(n),
        query: (n) => queryParam(req, n),
        caller,
        requestId: res.locals.requestId as string,
      });
      res.status(result.status);
      if (result.headers) res.set(result.headers);
      if (result.contentType) res.type(result.contentType).send(result.body);
      // A POST's answer is never cached or revalidated: skip express's ETag (a SHA-1 of every body) and freshness checks.
      else if (r.method === "post")
        res.setHeader("content-type", "application/json; charset=utf-8").end(JSON.stringify(result.body));
      else res.json(result.body);
    } catch (e) {
      next(e);
    }
  });
}

/**
 * The express app both services share: request ids and a log line per request, strict bodies
 * with a size limit, a per-client rate limit, bearer auth with roles, strict zod validation,
 * and one error → HTTP status map. Errors never leak a stack, a key or a token; every client
 * error is a 4xx with a code. Serve it with `listen` (server.ts) for the connection limits.
 */
export function createHttpApp(o: HttpAppOptions): express.Express {
  const log = o.log ?? jsonLog;
  const metrics = o.metrics ?? new Metrics();
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);
  app.use(requestMiddleware(o, log, metrics));
  for (const r of o.routes) mountRoute(app, r, o);

  if (o.page) {
    const csp = o.page.csp;
    app.use(
      express.static(o.page.dir, {
        index: "index.html",
        setHeaders: (res) => {
          res.set({
            "content-security-policy": csp,
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
            "cache-control": "no-cache",
          });
        },
      }),
    );
  }

  app.use((req: Request, _res: Response, next: NextFunction) =>
    next(new ServiceError("not_found", `no route ${req.method} ${req.path}`)),
  );

  // The one error → HTTP map.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    void _next;
    const known = err instanceof CodedError ? err : frameworkError(err);
    const code = known?.code ?? "internal";
    const details =
      known instanceof ServiceError ? known.details : (known as { problems?: unknown } | undefined)?.problems;
    const status = statusOf(code);
    if (status >= 500)
      log({
        level: "error",
        requestId: res.locals.requestId,
        code,
        error: scrubSecrets(err instanceof Error ? `${err.name}: ${err.message}` : String(err)),
      });
    // A body left unread (refused before reading, or too large) is not drained: close instead.
    if (!req.complete) res.set("connection", "close");
    if (res.headersSent || res.destroyed) return;
    res.status(status).json({
      error: {
        code,
        message: status >= 500 && code === "internal" ? "internal error" : (known?.message ?? "internal error"),
        ...(details === undefined ? {} : { details }),
        requestId: res.locals.requestId,
      },
    });
  });
  return app;
}
