import { createJWS } from "did-jwt";
import { zlibSync } from "fflate";
import type { IssuerSigningKey } from "./credential.ts";
import { base64urlDecode, base64urlEncode } from "./encoding.ts";
import { CodedError } from "./errors.ts";
import { inflateCapped, InflateLimitError } from "./inflate.ts";
import { isObject } from "./json.ts";
import { decodeJwt, JwtFormatError, type DecodedJwt } from "./jwt.ts";
import { MAX_STATUS_LIST_BYTES } from "./status-list.ts";
import { getTokenStatus, type TokenStatusBits } from "./status-bits.ts";

/**
 * IETF Token Status List (draft-ietf-oauth-status-list): a JWT with header `typ:
 * statuslist+jwt` whose `status_list` is `{bits, lst}`, `lst` = base64url of the ZLIB
 * (RFC 1950) compressed byte array, entries least significant bit first (index 0 is bit 0
 * of byte 0: the reverse of the W3C Bitstring order within each byte). `sub` is the list's
 * URI, equal to the `status.status_list.uri` of the tokens that point at it.
 *
 * Laissez serves each on-chain list with bits = 1 (0 VALID, 1 INVALID for a revocation list;
 * 1 = suspended for a suspension list), built from chain state like the W3C credential.
 */
export const STATUS_LIST_TYP = "statuslist+jwt";

export type StatusListTokenErrorCode =
  "wrong_typ" | "status_list_malformed" | "status_list_too_large" | "malformed_jwt";
export class StatusListTokenError extends CodedError<StatusListTokenErrorCode> {}

export interface StatusListTokenPayload {
  readonly sub: string;
  readonly iat: number;
  readonly exp: number;
  readonly ttl: number;
  readonly status_list: { readonly bits: 1 | 2 | 4 | 8; readonly lst: string };
}

/** `lst` for a byte array already in Token Status List order. */
export const encodeLst = (bytes: Uint8Array): string => base64urlEncode(zlibSync(bytes, { level: 9 }));

/** Signs a status list token (the agency's credential key, as for the W3C list). */
export function signStatusListToken(payload: StatusListTokenPayload, key: IssuerSigningKey): Promise<string> {
  return createJWS({ ...payload }, key.signer, { alg: key.alg, typ: STATUS_LIST_TYP as "JWT", kid: key.kid });
}

export interface DecodedStatusListToken {
  readonly jwt: DecodedJwt;
  readonly sub: string;
  readonly iat: number;
  readonly exp: number | undefined;
  readonly bits: 1 | 2 | 4 | 8;
  /** Inflated bytes, Token Status List order. */
  readonly bytes: Uint8Array;
}

/**
 * Decodes a status list token strictly: the typ (a credential or a KB-JWT is never a status
 * list), the claims, and `lst` inflated with a cap (a ZLIB bomb stops at 2 MiB). The caller
 * verifies the signature with the key it trusts (`jwt.signingInput`, `jwt.signature`).
 */
export function decodeStatusListToken(token: string, maxBytes = MAX_STATUS_LIST_BYTES): DecodedStatusListToken {
  let jwt: DecodedJwt;
  try {
    jwt = decodeJwt(token);
  } catch (e) {
    throw new StatusListTokenError(
      "malformed_jwt",
      e instanceof JwtFormatError ? `${e.code}: ${e.message}` : (e as Error).message,
    );
  }
  if (jwt.header.typ !== STATUS_LIST_TYP)
    throw new StatusListTokenError("wrong_typ", `typ ${JSON.stringify(jwt.header.typ)} is not ${STATUS_LIST_TYP}`);
  const { sub, iat, exp, status_list: list } = jwt.payload;
  if (
    typeof sub !== "string" ||
    typeof iat !== "number" ||
    (exp !== undefined && typeof exp !== "number") ||
    !isObject(list)
  ) {
    throw new StatusListTokenError("status_list_malformed", "sub, iat and status_list are required");
  }
  const bits = list.bits;
  if (bits !== 1 && bits !== 2 && bits !== 4 && bits !== 8)
    throw new StatusListTokenError("status_list_malformed", "bits must be 1, 2, 4 or 8");
  if (typeof list.lst !== "string") throw new StatusListTokenError("status_list_malformed", "lst must be a string");
  let bytes: Uint8Array;
  try {
    bytes = inflateCapped(base64urlDecode(list.lst, "lst"), maxBytes, "zlib");
  } catch (e) {
    if (e instanceof InflateLimitError)
      throw new StatusListTokenError("status_list_too_large", `status list ${e.message}`);
    throw new StatusListTokenError("status_list_malformed", `lst is not base64url ZLIB: ${(e as Error).message}`);
  }
  return { jwt, sub, iat, exp, bits, bytes };
}

/** The status at `index` (0 … 2^bits − 1), or undefined outside the list (bit order: core/status-bits.ts). */
export function tokenStatusAt(bytes: Uint8Array, bits: TokenStatusBits, index: number): number | undefined {
  if (!Number.isSafeInteger(index) || index < 0 || index >= (bytes.length * 8) / bits) return undefined;
  return getTokenStatus(bytes, index, bits);
}
