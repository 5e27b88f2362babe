import { CodedError } from "../core/index.ts";

/**
 * Every error code the services answer with: what an error body's `error.code` can be. Use
 * cases throw a `ServiceError` with one of these and import nothing of HTTP; the HTTP layer maps
 * each to its status (`http/errors.ts`, which must name them all).
 */
export const SERVICE_ERROR_CODES = [
  "invalid_request",
  "malformed_json",
  "malformed_uri",
  "malformed_http",
  "request_aborted",
  "unauthorized",
  "forbidden",
  "not_found",
  "misdirected_request",
  "request_timeout",
  "idempotency_conflict",
  "invalid_transition",
  "payload_too_large",
  "unsupported_media_type",
  "unsupported_charset",
  "unsupported_content_encoding",
  "schema_invalid",
  "not_accredited",
  "unknown_credential",
  "unknown_type",
  "type_policy_missing",
  "validity_exceeds_type_maximum",
  "invalid_holder",
  "holder_did_noncanonical",
  "rate_limited",
  "too_many_connections",
  "headers_too_large",
  "invalid_grant",
  "invalid_proof",
  "invalid_token",
  "challenge_unknown",
  "index_space_exhausted",
  "chain_unavailable",
  "signer_unavailable",
  "bundle_unavailable",
  "internal",
] as const;

export type ServiceErrorCode = (typeof SERVICE_ERROR_CODES)[number];

/** A service's refusal, with a stable code and optional details (problems, paths) for the client. */
export class ServiceError extends CodedError<ServiceErrorCode> {
  readonly details: unknown;
  constructor(code: ServiceErrorCode, message: string, details?: unknown) {
    super(code, message);
    this.details = details;
  }
}

const CODES: ReadonlySet<string> = new Set(SERVICE_ERROR_CODES);
export const isServiceErrorCode = (code: string): code is ServiceErrorCode => CODES.has(code);
