import { CodedError } from "./errors.ts";
/**
 * A strict JSON parser for untrusted input (RFC 8725 §3.9; SECURITY.md "Bad input"):
 * rejects duplicate keys (JSON.parse keeps the last, so two readers could disagree),
 * integers beyond 2^53 (silently rounded by JSON.parse), nesting deeper than `maxDepth`,
 * and text longer than `maxLength`. Throws JsonError with a stable code.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export class JsonError extends CodedError<
  | "json_syntax"
  | "json_duplicate_key"
  | "json_unsafe_number"
  | "json_too_deep"
  | "json_too_long"
  | "json_lone_surrogate"
> {}

export interface ParseJsonOptions {
  readonly maxDepth?: number;
  readonly maxLength?: number;
}

export function parseJson(text: string, { maxDepth = 20, maxLength = 1 << 20 }: ParseJsonOptions = {}): JsonValue {
  if (text.length > maxLength) throw new JsonError("json_too_long", `JSON longer than ${maxLength} characters`);
  if (LONE_SURROGATE.test(text))
    throw new JsonError("json_lone_surrogate", "JSON text holds a lone UTF-16 surrogate (not I-JSON)");
  scanStrictly(text, maxDepth);
  try {
    // JSON.parse defines "__proto__" as an own data property: no prototype pollution.
    return JSON.parse(text) as JsonValue;
  } catch (e) {
    throw new JsonError("json_syntax", (e as Error).message);
  }
}

/** A UTF-16 surrogate not part of a pair: in unicode mode a pair is one code point, never Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

const QUOTE = 34;
const BACKSLASH = 92;

/**
 * One pass over the text for what JSON.parse lets through: duplicate keys, nesting depth,
 * integers beyond 2^53. Syntax itself is left to JSON.parse (native, ten times faster than
 * a parser in JS); this scanner only has to track strings, containers and numbers correctly.
 */
function scanStrictly(text: string, maxDepth: number): void {
  // One entry per open container: the keys seen (objects) or null (arrays).
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let j = i + 1;
      let escaped = false;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d === BACKSLASH) {
          escaped = true;
          j++;
        } else if (d === QUOTE) break;
      }
      const top = stack[stack.length - 1];
      // Escapes can spell what the text cannot hold (\ud800): I-JSON (RFC 7493) refuses lone surrogates.
      const decoded = escaped ? decodeString(text.slice(i, j + 1), i) : undefined;
      if (decoded !== undefined && LONE_SURROGATE.test(decoded))
        throw new JsonError(
          "json_lone_surrogate",
          `string at position ${i} holds a lone UTF-16 surrogate (not I-JSON)`,
        );
      if (expectKey && top) {
        const key = decoded ?? text.slice(i + 1, j);
        if (top.has(key))
          throw new JsonError("json_duplicate_key", `duplicate key ${JSON.stringify(key).slice(0, 64)}`);
        top.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (stack.length >= maxDepth) throw new JsonError("json_too_deep", `JSON nested deeper than ${maxDepth}`);
      stack.push(c === 123 ? new Set() : null);
      expectKey = c === 123;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 44 /* , */) {
      expectKey = stack[stack.length - 1] != null;
    } else if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      let j = i;
      let integer = true;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d === 46 || d === 101 || d === 69) integer = false;
        else if (!(d === 45 || d === 43 || (d >= 48 && d <= 57))) break;
      }
      if (j - i > 15) {
        const literal = text.slice(i, j);
        const value = Number(literal);
        if (!Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) {
          throw new JsonError("json_unsafe_number", `number ${literal.slice(0, 32)} is not exactly representable`);
        }
      }
      i = j - 1;
    }
  }
}

function decodeString(literal: string, at: number): string {
  try {
    return JSON.parse(literal) as string;
  } catch {
    throw new JsonError("json_syntax", `bad string escape at position ${at}`);
  }
}

export const isObject = (v: unknown): v is Record<string, JsonValue> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
