import { createHttpApp, withServiceRoutes, type Route } from "../http/app.ts";
import { Metrics } from "../http/metrics.ts";
import type { IssuerContext, IssuerDeps } from "./deps.ts";
import { createIssuance } from "./issuance.ts";
import { openid4vciRoutes } from "./openid4vci.ts";
import { healthRoutes, operatorRoutes } from "./operator-routes.ts";
import { statusListRoutes } from "./status-list.ts";

export type { IssuerDeps } from "./deps.ts";
export type { AgencyLists } from "../chain/lists.ts";

/**
 * The issuer service's HTTP app: the issuance use case behind three route groups (operators,
 * OpenID4VCI, status lists) plus health, metrics and OpenAPI, on the shared HTTP layer.
 */
export function createIssuerApp(deps: IssuerDeps) {
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));
  const d: IssuerContext = {
    ...deps,
    now,
    metrics: deps.metrics ?? new Metrics(),
    keyValidSince: deps.keyValidSince ?? now(),
  };
  const issuance = createIssuance(d);
  const routes: Route<unknown>[] = [
    ...operatorRoutes(d, issuance),
    ...statusListRoutes(d),
    ...openid4vciRoutes(d, issuance),
    ...healthRoutes(d),
  ];
  withServiceRoutes("Laissez issuer service", d.metrics, routes);
  const app = createHttpApp({
    title: "Laissez issuer service",
    version: "1",
    routes,
    authenticate: async (token) => d.store.operators.authenticate(token, d.now()),
    metrics: d.metrics,
    ...(d.log ? { log: d.log } : {}),
    ...(d.bodyLimit ? { bodyLimit: d.bodyLimit } : {}),
    ...(d.rateLimit ? { rateLimit: d.rateLimit } : {}),
  });
  return { app, routes };
}
