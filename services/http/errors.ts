import { CodedError } from "../../core/errors.ts";

/** Every error code the services answer with, and its HTTP status: the one map (no statuses in the domain). */
export const HTTP_STATUS: Record<string, number> = {
  invalid_request: 400,
  malformed_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  idempotency_conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  schema_invalid: 422,
  not_accredited: 422,
  unknown_credential: 404,
  unknown_type: 422,
  type_policy_missing: 422,
  validity_exceeds_type_maximum: 422,
  invalid_holder: 422,
  index_space_exhausted: 503,
  chain_unavailable: 503,
  rate_limited: 429,
  invalid_grant: 400,
  invalid_proof: 400,
  invalid_token: 401,
  bundle_unavailable: 503,
  challenge_unknown: 400,
  internal: 500,
};

export class HttpError extends CodedError<string> {
  readonly details: unknown;
  constructor(code: string, message: string, details?: unknown) {
    super(code, message);
    this.details = details;
  }
}

export function statusOf(code: string): number {
  return HTTP_STATUS[code] ?? 500;
}
