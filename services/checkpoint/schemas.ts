import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseJson, type JsonValue } from "../../core/json.ts";
import type { SchemaSource } from "./sync.ts";

const URN = /^urn:laissez:schema:([A-Z][A-Za-z0-9]{0,30}):\d+$/;

/** Schemas named `urn:laissez:schema:<Type>:<version>`, read from `<dir>/<Type>.json`. */
export function directorySchemaSource(dir: string): SchemaSource {
  return async (uri: string): Promise<JsonValue | undefined> => {
    const m = URN.exec(uri);
    if (!m) return undefined;
    try {
      return parseJson(await readFile(join(dir, `${m[1]}.json`), "utf8"));
    } catch {
      return undefined;
    }
  };
}
