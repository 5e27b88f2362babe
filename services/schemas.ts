import { readFile } from "node:fs/promises";
import { join } from "node:path";
/**
 * Credential-type schemas, as both services load them: the issuer checks claims against the
 * type's schema, the checkpoint puts each schema into its trust bundle.
 */
import { parseJson, type JsonValue } from "../core/index.ts";

/** Finds a credential type's JSON Schema by its URI (a directory, an HTTP fetch, …). */
export type SchemaSource = (uri: string) => Promise<JsonValue | undefined>;

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
