import { ServiceError, isServiceErrorCode, type ServiceErrorCode } from "../errors.ts";

/**
 * Every service error code's HTTP status: the one map (no statuses in the domain). It must name
 * every code of `SERVICE_ERROR_CODES` (it does not compile otherwise); a domain error whose code
 * is missing answers 500 (a bug, logged).
 */
export const HTTP_STATUS = {
  invalid_request: 400,
  malformed_json: 400,
  malformed_uri: 400,
  malformed_http: 400,
  request_aborted: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  misdirected_request: 421,
  request_timeout: 408,
  idempotency_conflict: 409,
  invalid_transition: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unsupported_charset: 415,
  unsupported_content_encoding: 415,
  schema_invalid: 422,
  not_accredited: 422,
  unknown_credential: 404,
  unknown_type: 422,
  type_policy_missing: 422,
  validity_exceeds_type_maximum: 422,
  invalid_holder: 422,
  holder_did_noncanonical: 422,
  rate_limited: 429,
  too_many_connections: 429,
  headers_too_large: 431,
  invalid_grant: 400,
  invalid_proof: 400,
  invalid_token: 401,
  challenge_unknown: 400,
  index_space_exhausted: 503,
  chain_unavailable: 503,
  signer_unavailable: 503,
  bundle_unavailable: 503,
  internal: 500,
} as const satisfies Record<ServiceErrorCode, number>;

export function statusOf(code: string): number {
  return isServiceErrorCode(code) ? HTTP_STATUS[code] : 500;
}

/**
 * Errors raised by express itself (not by our handlers) that are the client's fault: a path
 * whose percent-encoding is not UTF-8 (`/status/%ff`), a static file request it refuses.
 * Anything else stays `internal`.
 */
export function frameworkError(err: unknown): ServiceError | undefined {
  if (err instanceof URIError)
    return new ServiceError("malformed_uri", "the request path is not valid percent-encoded UTF-8");
  const status =
    (err as { status?: unknown; statusCode?: unknown } | null)?.status ??
    (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    if (status === 404) return new ServiceError("not_found", "no such resource");
    return new ServiceError("invalid_request", "the request was refused");
  }
  return undefined;
}
export type { ServiceErrorCode };
