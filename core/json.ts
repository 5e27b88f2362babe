import { CodedError } from "./errors.ts";
/**
 * A strict JSON parser for untrusted input (RFC 8725 §3.9; SECURITY.md "Bad input"):
 * rejects duplicate keys (JSON.parse keeps the last, so two readers could disagree),
 * integers beyond 2^53 (silently rounded by JSON.parse), nesting deeper than `maxDepth`,
 * and text longer than `maxLength`. Throws JsonError with a stable code.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export class JsonError extends CodedError<"json_syntax" | "json_duplicate_key" | "json_unsafe_number" | "json_too_deep" | "json_too_long"> {}

export interface ParseJsonOptions {
  readonly maxDepth?: number;
  readonly maxLength?: number;
}

export function parseJson(text: string, { maxDepth = 20, maxLength = 1 << 20 }: ParseJsonOptions = {}): JsonValue {
  if (text.length > maxLength) throw new JsonError("json_too_long", `JSON longer than ${maxLength} characters`);
  scanStrictly(text, maxDepth);
  try {
    // JSON.parse defines "__proto__" as an own data property: no prototype pollution.
    return JSON.parse(text) as JsonValue;
  } catch (e) {
    throw new JsonError("json_syntax", (e as Error).message);
  }
}

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
      if (expectKey && top) {
        let key = text.slice(i + 1, j);
        if (escaped) {
          try {
            key = JSON.parse(text.slice(i, j + 1)) as string;
          } catch {
            throw new JsonError("json_syntax", `bad string escape at position ${i}`);
          }
        }
        if (top.has(key)) throw new JsonError("json_duplicate_key", `duplicate key ${JSON.stringify(key).slice(0, 64)}`);
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

export const isObject = (v: unknown): v is Record<string, JsonValue> => typeof v === "object" && v !== null && !Array.isArray(v);
