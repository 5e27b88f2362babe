import type { JsonValue } from "./json.ts";
import { decodeJwt, JwtFormatError, type DecodedJwt } from "./jwt.ts";
import type { Run } from "./verdict.ts";

/** A safe integer claim, or undefined. */
export const intClaim = (v: JsonValue | undefined): number | undefined => (typeof v === "number" && Number.isSafeInteger(v) ? v : undefined);

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

