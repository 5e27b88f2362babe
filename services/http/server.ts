/**
 * Listening, with limits: a slow or silent client cannot hold a socket for minutes, one client
 * cannot take every connection, and a request the HTTP parser refuses still gets a JSON error
 * with a code. Both services and the web wallet's server listen through here.
 */
import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import type { RequestListener } from "node:http";
import { z } from "zod";
import { HTTP_STATUS, type ServiceErrorCode } from "./errors.ts";

export interface ServerLimits {
  /** Time to receive a request's headers. */
  readonly headersTimeoutMs: number;
  /** Time to receive a whole request, body included: a partial body is dropped after it. */
  readonly requestTimeoutMs: number;
  /**
   * How long an idle keep-alive connection stays open. Long (65 s) on purpose: a client reuses a
   * connection it believes open, and when the server closes it at that moment the request is lost
   * ("other side closed"; a POST is never retried). Clients judge the idle time by the server's
   * Keep-Alive hint on their own clock, so a busy client lags into the race; the soak met it 3 times
   * in 8,000 requests at 5 s. Idle sockets stay bounded by the connection caps.
   */
  readonly keepAliveTimeoutMs: number;
  /** Open connections in all. */
  readonly maxConnections: number;
  /** Open connections from one address: beyond it, 429 and close. */
  readonly maxConnectionsPerClient: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 1_024,
  maxConnectionsPerClient: 128,
};

/** The same limits as environment variables, for the services' configuration schemas. */
export const HTTP_LIMITS_ENV = {
  LAISSEZ_HTTP_HEADERS_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(DEFAULT_LIMITS.headersTimeoutMs),
  LAISSEZ_HTTP_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(DEFAULT_LIMITS.requestTimeoutMs),
  LAISSEZ_HTTP_KEEP_ALIVE_MS: z.coerce.number().int().min(100).max(600_000).default(DEFAULT_LIMITS.keepAliveTimeoutMs),
  LAISSEZ_HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_LIMITS.maxConnections),
  LAISSEZ_HTTP_MAX_CONNECTIONS_PER_CLIENT: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(DEFAULT_LIMITS.maxConnectionsPerClient),
};

type LimitsEnv = { [K in keyof typeof HTTP_LIMITS_ENV]: number };

export const limitsFromEnv = (c: LimitsEnv): ServerLimits => ({
  headersTimeoutMs: Math.min(c.LAISSEZ_HTTP_HEADERS_TIMEOUT_MS, c.LAISSEZ_HTTP_REQUEST_TIMEOUT_MS),
  requestTimeoutMs: c.LAISSEZ_HTTP_REQUEST_TIMEOUT_MS,
  keepAliveTimeoutMs: c.LAISSEZ_HTTP_KEEP_ALIVE_MS,
  maxConnections: c.LAISSEZ_HTTP_MAX_CONNECTIONS,
  maxConnectionsPerClient: c.LAISSEZ_HTTP_MAX_CONNECTIONS_PER_CLIENT,
});

/** A complete HTTP/1.1 error response written straight to a socket (no request object exists yet). */
function rawError(code: ServiceErrorCode, message: string): string {
  const body = JSON.stringify({ error: { code, message } });
  return `HTTP/1.1 ${HTTP_STATUS[code]} ${code}\r\ncontent-type: application/json\r\nx-content-type-options: nosniff\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

/** What the HTTP parser refused, as a code: headers too large, too slow, or not HTTP. */
function parserError(err: NodeJS.ErrnoException): [ServiceErrorCode, string] {
  if (err.code === "HPE_HEADER_OVERFLOW") return ["headers_too_large", "request headers too large"];
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") return ["request_timeout", "the request took too long to arrive"];
  return ["malformed_http", "not a well-formed HTTP/1.1 request"];
}

/** Creates the server with `limits`, listens on host:port and resolves once listening. */
export async function listen(
  handler: RequestListener,
  port: number,
  host: string,
  limits: ServerLimits = DEFAULT_LIMITS,
): Promise<Server> {
  const server = createServer(
    {
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often the timeouts above are checked (Node's default, 30 s, would let them overrun).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    handler,
  );
  server.maxConnections = limits.maxConnections;
  const perClient = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const client = socket.remoteAddress ?? "unknown";
    const open = (perClient.get(client) ?? 0) + 1;
    perClient.set(client, open);
    socket.once("close", () => {
      const left = (perClient.get(client) ?? 1) - 1;
      if (left <= 0) perClient.delete(client);
      else perClient.set(client, left);
    });
    if (open > limits.maxConnectionsPerClient)
      socket.end(rawError("too_many_connections", "too many open connections from this address"));
  });
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    const response = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !response?.headersSent) {
      const [code, message] = parserError(err);
      socket.end(rawError(code, message));
    }
    socket.destroySoon();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}
