import { base64urlDecode, fromUtf8, utf8 } from "./encoding.ts";
import { CodedError } from "./errors.ts";
import { isObject, JsonError, parseJson, type JsonValue } from "./json.ts";

/** Longest compact JWT we parse: a QR code holds under 3 KB; a VP with one VC stays well under this. */
export const MAX_JWT_CHARS = 16 * 1024;

export interface DecodedJwt {
  readonly header: Readonly<Record<string, JsonValue>>;
  readonly payload: Record<string, JsonValue>;
  readonly signature: Uint8Array;
  /** ASCII bytes of `header.payload`: what the signature covers. */
  readonly signingInput: Uint8Array;
}

/**
 * Parsed headers by their encoded segment. Every credential an issuer key signs carries the
 * same header (alg, typ, kid), so a checkpoint parses each once; payloads are always parsed.
 * Frozen: a cached header cannot be changed by one caller under another.
 */
const MAX_CACHED_HEADERS = 256;
const headers = new Map<string, Readonly<Record<string, JsonValue>>>();

export class JwtFormatError extends CodedError<"malformed_jwt" | JsonError["code"]> {}

function section(text: string, name: string): Record<string, JsonValue> {
  let value: JsonValue;
  try {
    value = parseJson(fromUtf8(base64urlDecode(text, name), name), { maxDepth: 16, maxLength: MAX_JWT_CHARS });
  } catch (e) {
    if (e instanceof JsonError) throw new JwtFormatError(e.code, `${name}: ${e.message}`);
    throw new JwtFormatError("malformed_jwt", (e as Error).message);
  }
  if (!isObject(value)) throw new JwtFormatError("malformed_jwt", `${name} is not a JSON object`);
  return value;
}

function headerOf(segment: string): Readonly<Record<string, JsonValue>> {
  let header = headers.get(segment);
  if (!header) {
    header = Object.freeze(section(segment, "header"));
    if (headers.size >= MAX_CACHED_HEADERS) headers.clear();
    headers.set(segment, header);
  }
  return header;
}

/** The parsed header of a compact JWS (nothing else is read or checked); throws JwtFormatError. */
export function decodeJwtHeader(token: string): Readonly<Record<string, JsonValue>> {
  if (typeof token !== "string" || token.length > MAX_JWT_CHARS)
    throw new JwtFormatError("malformed_jwt", `JWT must be a string of at most ${MAX_JWT_CHARS} characters`);
  const dot = token.indexOf(".");
  if (dot < 0) throw new JwtFormatError("malformed_jwt", "JWT has 1 segment, expected 3");
  return headerOf(token.slice(0, dot));
}

/** Decodes a compact JWS strictly (three base64url segments, JSON objects, no duplicate keys). */
export function decodeJwt(token: string): DecodedJwt {
  if (typeof token !== "string" || token.length > MAX_JWT_CHARS)
    throw new JwtFormatError("malformed_jwt", `JWT must be a string of at most ${MAX_JWT_CHARS} characters`);
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtFormatError("malformed_jwt", `JWT has ${parts.length} segments, expected 3`);
  const [h, p, s] = parts as [string, string, string];
  const header = headerOf(h);
  const payload = section(p, "payload");
  let signature: Uint8Array;
  try {
    signature = base64urlDecode(s, "signature");
  } catch (e) {
    throw new JwtFormatError("malformed_jwt", (e as Error).message);
  }
  return { header, payload, signature, signingInput: utf8(`${h}.${p}`) };
}
