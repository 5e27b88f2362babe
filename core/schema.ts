import { isObject } from "./json.ts";

/**
 * The JSON Schema (2020-12) keywords credential type schemas use, checked without code
 * generation so it runs in a locked-down browser page: type, enum, const, properties,
 * required, additionalProperties (boolean), items, minItems, maxItems, minLength,
 * maxLength, pattern, minimum, maximum, format (date, date-time). An unknown keyword fails
 * closed: a schema we cannot fully check validates nothing.
 */
const KNOWN = new Set([
  "$schema",
  "$id",
  "title",
  "description",
  "type",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "pattern",
  "minimum",
  "maximum",
  "format",
]);

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/** Problems found (empty when the value is valid). Paths use JSON Pointer. */
export function validateSchema(schema: unknown, value: unknown, path = ""): string[] {
  if (!isObject(schema)) return [`${path || "/"}: schema is not an object`];
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) return [`${path || "/"}: unsupported schema keyword ${k}`];
  const errors: string[] = [];
  const at = path || "/";
  const t = typeOf(value);
  if (typeof schema.type === "string" && !(schema.type === t || (schema.type === "number" && t === "integer"))) {
    return [`${at}: expected ${schema.type}, got ${t}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === value))
    errors.push(`${at}: not one of the allowed values`);
  if ("const" in schema && schema.const !== value) errors.push(`${at}: must be ${JSON.stringify(schema.const)}`);
  if (typeof value === "string") {
    if (typeof schema.minLength === "number" && [...value].length < schema.minLength)
      errors.push(`${at}: shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === "number" && [...value].length > schema.maxLength)
      errors.push(`${at}: longer than ${schema.maxLength}`);
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value))
      errors.push(`${at}: does not match the pattern`);
    if (schema.format === "date" && !DATE.test(value)) errors.push(`${at}: not a date (YYYY-MM-DD)`);
    if (schema.format === "date-time" && !DATE_TIME.test(value)) errors.push(`${at}: not an RFC 3339 date-time`);
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) errors.push(`${at}: below ${schema.minimum}`);
    if (typeof schema.maximum === "number" && value > schema.maximum) errors.push(`${at}: above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems)
      errors.push(`${at}: fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems)
      errors.push(`${at}: more than ${schema.maxItems} items`);
    if (schema.items !== undefined)
      value.forEach((item, i) => errors.push(...validateSchema(schema.items, item, `${path}/${i}`)));
  }
  if (isObject(value)) {
    const props = isObject(schema.properties) ? schema.properties : {};
    if (Array.isArray(schema.required)) {
      for (const r of schema.required)
        if (typeof r === "string" && !Object.hasOwn(value, r)) errors.push(`${at}: missing ${r}`);
    }
    for (const [k, v] of Object.entries(value)) {
      if (Object.hasOwn(props, k)) errors.push(...validateSchema(props[k], v, `${path}/${k}`));
      else if (schema.additionalProperties === false) errors.push(`${at}: unexpected property ${k}`);
    }
  }
  return errors;
}
