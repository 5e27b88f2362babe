import type { JsonValue } from "./json.ts";
import { decodeJwt, JwtFormatError, type DecodedJwt } from "./jwt.ts";
import type { Run } from "./verdict.ts";

/** A safe integer claim, or undefined. */
export const intClaim = (v: JsonValue | undefined): number | undefined =>
  typeof v === "number" && Number.isSafeInteger(v) ? v : undefined;

/** What each registered claim must be when present (RFC 7519 §4.1; NumericDates as integers, as Laissez issues them). */
const isString = (v: JsonValue): boolean => typeof v === "string";
const isInteger = (v: JsonValue): boolean => intClaim(v) !== undefined;
export const JWT_CLAIM_TYPES: Readonly<Record<string, readonly [string, (v: JsonValue) => boolean]>> = {
  iss: ["a string", isString],
  sub: ["a string", isString],
  aud: ["a string or an array of strings", (v) => typeof v === "string" || (Array.isArray(v) && v.every(isString))],
  exp: ["an integer", isInteger],
  nbf: ["an integer", isInteger],
  iat: ["an integer", isInteger],
  jti: ["a string", isString],
};

/**
 * Every registered claim present has its JSON type (issue 22 item 15): a claim of another type
 * is refused, never read as absent (a string `nbf` once made a credential valid from `iat`).
 * Part of the `format` check, like the strict JSON: a malformed token, whoever signed it.
 */
export function checkClaimTypes(
  run: Run,
  payload: Record<string, JsonValue>,
  types: Readonly<Record<string, readonly [string, (v: JsonValue) => boolean]>>,
): boolean {
  for (const [name, [expected, ok]] of Object.entries(types)) {
    const value = payload[name];
    if (Object.hasOwn(payload, name) && value !== undefined && !ok(value))
      return run.fail("format", "claim_type_invalid", `${name} must be ${expected}`);
  }
  return true;
}

/** Parses a compact JWS, recording the `format` check. */
export function decodeToken(run: Run, token: string): DecodedJwt | undefined {
  try {
    const jwt = decodeJwt(token);
    run.pass("format", "compact JWS, strict JSON");
    return jwt;
  } catch (e) {
    run.fail("format", e instanceof JwtFormatError ? e.code : "malformed_jwt", (e as Error).message);
    return undefined;
  }
}
