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
  let i = 0;
  const fail = (what: string): never => {
    throw new JsonError("json_syntax", `${what} at position ${i}`);
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === " " || text[i] === "\n" || text[i] === "\r" || text[i] === "\t")) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) i++;
      else if (c < 0x20) fail("control character in string");
    }
    if (i >= text.length) fail("unterminated string");
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail("bad string escape");
    }
  };
  const num = (): number => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail("bad number");
    i += m[0].length;
    const n = Number(m[0]);
    if (!Number.isFinite(n) || (!m[2] && !m[3] && !Number.isSafeInteger(n))) {
      throw new JsonError("json_unsafe_number", `number ${m[0].slice(0, 32)} is not exactly representable`);
    }
    return n;
  };
  const value = (depth: number): JsonValue => {
    if (depth > maxDepth) throw new JsonError("json_too_deep", `JSON nested deeper than ${maxDepth}`);
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj: Record<string, JsonValue> = {};
      ws();
      if (text[i] === "}") {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a key");
        const key = str();
        if (Object.prototype.hasOwnProperty.call(obj, key)) throw new JsonError("json_duplicate_key", `duplicate key ${JSON.stringify(key).slice(0, 64)}`);
        ws();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        Object.defineProperty(obj, key, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const arr: JsonValue[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (text.startsWith("true", i)) return (i += 4), true;
    if (text.startsWith("false", i)) return (i += 5), false;
    if (text.startsWith("null", i)) return (i += 4), null;
    return num();
  };
  const result = value(0);
  ws();
  if (i !== text.length) fail("trailing characters");
  return result;
}

export const isObject = (v: unknown): v is Record<string, JsonValue> => typeof v === "object" && v !== null && !Array.isArray(v);
