import { z } from "zod";
import {
  CLAIM_NAME,
  MAX_COMPACT_CHARS,
  MAX_REQUESTED_CLAIMS,
  requestedClaims,
  type SignatureVerifier,
  verifyToken,
} from "../../core/index.ts";
import { createHttpApp, pageCsp, route, withServiceRoutes, type Log, type Route } from "../http/app.ts";
import { ServiceError } from "../errors.ts";
import { Metrics } from "../http/metrics.ts";
import { Challenges } from "./challenges.ts";
import type { BundleKeeper } from "./keeper.ts";

export interface CheckpointAppDeps {
  readonly keeper: BundleKeeper;
  readonly region: string;
  readonly chainId: number;
  /** The `aud` challenge-bound presentations must carry. */
  readonly checkpointId: string;
  readonly verifier: SignatureVerifier;
  /** Built checkpoint page (dist/web/checkpoint), served at `/`. */
  readonly pageDir?: string;
  readonly now?: () => number;
  readonly log?: Log;
  readonly rateLimit?: number;
}

/** How long a challenge nonce may wait for its presentation. */
const CHALLENGE_SECONDS = 120;

const VerifyRequest = z.strictObject({
  /** The scanned QR text (`LZ1:…`, `LZ2:…`), a VP JWT or an SD-JWT presentation. */
  presentation: z
    .string()
    .min(1)
    .max(MAX_COMPACT_CHARS * 4),
  /** The nonce of a challenge this service issued, for a challenge-bound presentation. */
  nonce: z.string().min(1).max(64).optional(),
  /** The claims that challenge asked for, as it answered them (bound to the nonce). */
  claims: z.array(z.string().regex(CLAIM_NAME)).max(MAX_REQUESTED_CLAIMS).optional(),
});

/** What the routes share: the clock, metrics, the challenges and the issuer-key cache. */
interface CheckpointContext {
  readonly now: () => number;
  readonly metrics: Metrics;
  readonly challenges: Challenges;
  readonly keyCache: Map<string, Uint8Array>;
}

/**
 * `POST /verify`: a verdict for a presentation, challenge-bound (nonce and claims checked, the
 * nonce used once, and only by an answer that passed every other check: core spends it last) or static.
 */
function verifyRoute(d: CheckpointAppDeps, { now, metrics, challenges, keyCache }: CheckpointContext): Route<unknown> {
  return route({
    method: "post",
    path: "/verify",
    summary: "Verify a presentation (QR text or VP JWT) against this checkpoint's bundle: always a verdict",
    auth: "public",
    body: VerifyRequest,
    responses: {
      200: "verdict (accept / reject / unknown) with every check",
      400: "challenge_unknown",
      503: "bundle_unavailable",
    },
    async handle({ body }) {
      const req = body as z.infer<typeof VerifyRequest>;
      const current = d.keeper.current;
      if (!current) throw new ServiceError("bundle_unavailable", "no bundle yet: the first sync has not succeeded");
      const t = now();
      const nonce = req.nonce;
      const claims = requestedClaims(req.claims?.join(",")) ?? [];
      if (nonce === undefined && claims.length)
        throw new ServiceError("invalid_request", "claims name what a challenge asked for: give its nonce too");
      const expiresAt = nonce === undefined ? undefined : challenges.check(nonce, t, claims);
      if (nonce !== undefined && expiresAt === undefined)
        throw new ServiceError(
          "challenge_unknown",
          "this checkpoint issued no such challenge (for these claims), or it expired",
        );
      // A checkpoint always wants holder binding: a bare credential gets presentation_required.
      const verdict = verifyToken(req.presentation, {
        requirePresentation: true,
        bundle: current.bundle,
        region: d.region,
        now: t,
        verifier: d.verifier,
        keyCache,
        ...(req.nonce !== undefined
          ? {
              challenge: { audience: d.checkpointId, nonce: req.nonce, ...(claims.length ? { claims } : {}) },
              consumeNonce: () => challenges.use(nonce as string, expiresAt as number, t),
            }
          : {}),
      });
      metrics.inc("laissez_verdicts_total", "verdicts given", {
        verdict: verdict.verdict,
        reason: verdict.reason ?? "none",
      });
      return { status: 200, body: verdict };
    },
  });
}

/** `GET /health`: the bundle's block and age, and the last sync error. */
function healthRoute(d: CheckpointAppDeps, now: () => number): Route<unknown> {
  return route({
    method: "get",
    path: "/health",
    summary: "The bundle's block and age, and whether the last sync succeeded",
    auth: "public",
    responses: { 200: "healthy", 503: "no bundle yet" },
    async handle() {
      const current = d.keeper.current;
      const failing = d.keeper.lastError;
      const body = {
        status: current && !failing ? "ok" : "degraded",
        region: d.region,
        bundle: current
          ? {
              block: current.bundle.block.number,
              ageSeconds: Math.max(0, now() - current.bundle.block.timestamp),
              syncedAt: current.syncedAt,
            }
          : null,
        ...(failing ? { lastSyncError: failing } : {}),
      };
      return { status: current ? 200 : 503, body };
    },
  });
}

/**
 * The checkpoint service: keeps its region's signed bundle current (for its web page and for
 * checkpoints that sync by file), hands out challenges, and verifies presentations with the
 * same core the page runs offline.
 */
export function createCheckpointApp(d: CheckpointAppDeps): { app: ReturnType<typeof createHttpApp>; metrics: Metrics } {
  const now = d.now ?? (() => Math.floor(Date.now() / 1000));
  const metrics = new Metrics();
  /** Stateless until used: see challenges.ts. */
  const challenges = new Challenges({ audience: d.checkpointId, ttlSeconds: CHALLENGE_SECONDS });
  const keyCache = new Map<string, Uint8Array>();
  const ctx: CheckpointContext = { now, metrics, challenges, keyCache };

  const routes: Route<unknown>[] = [
    route({
      method: "get",
      path: "/bundle",
      summary: "This region's trust bundle, signed by its region authority (verify the signature before use)",
      auth: "public",
      cors: true,
      responses: { 200: "signed bundle envelope", 503: "bundle_unavailable: no sync has succeeded yet" },
      async handle() {
        const current = d.keeper.current;
        if (!current) throw new ServiceError("bundle_unavailable", "no bundle yet: the first sync has not succeeded");
        return { status: 200, body: current.envelope, contentType: "application/json" };
      },
    }),
    route({
      method: "get",
      path: "/checkpoint.json",
      summary:
        "What a checkpoint page trusts and applies: region, chain, the region authority's address, its checkpoint id",
      auth: "public",
      cors: true,
      responses: { 200: "checkpoint configuration" },
      async handle() {
        return {
          status: 200,
          body: {
            region: d.region,
            chainId: d.chainId,
            authority: d.keeper.authority,
            checkpointId: d.checkpointId,
            bundle: "bundle",
          },
        };
      },
    }),
    route({
      method: "post",
      path: "/challenges",
      summary:
        "A fresh nonce for a challenge-bound presentation (aud = this checkpoint's id); ?claims=a,b asks for those claims only (an SD-JWT VC discloses exactly them)",
      auth: "public",
      responses: {
        201: "challenge: audience, nonce, expiresAt, claims",
        400: "invalid_request: a malformed claims list",
      },
      async handle({ query }) {
        const claims = requestedClaims(query("claims"));
        if (!claims)
          throw new ServiceError(
            "invalid_request",
            `claims must be up to ${MAX_REQUESTED_CLAIMS} comma-separated claim names`,
          );
        const t = now();
        const { nonce, expiresAt } = challenges.issue(t, claims);
        return { status: 201, body: { audience: d.checkpointId, nonce, expiresAt, claims } };
      },
    }),
    verifyRoute(d, ctx),
    healthRoute(d, ctx.now),
  ];
  withServiceRoutes("Laissez checkpoint service", metrics, routes);
  metrics.gauge(
    "laissez_bundle_block",
    "block the served bundle reflects",
    () => d.keeper.current?.bundle.block.number ?? 0,
  );
  metrics.gauge(
    "laissez_used_challenges",
    "used challenge nonces remembered until they expire (unused ones cost nothing)",
    () => challenges.remembered,
  );

  const app = createHttpApp({
    title: "Laissez checkpoint service",
    version: "1",
    routes,
    authenticate: async () => undefined,
    metrics,
    ...(d.log ? { log: d.log } : {}),
    ...(d.rateLimit ? { rateLimit: d.rateLimit } : {}),
    ...(d.pageDir ? { page: { dir: d.pageDir, csp: pageCsp("'self'") } } : {}),
  });
  return { app, metrics };
}
