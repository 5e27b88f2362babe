import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Writes a file so that a crash leaves either the old content or the new, never half of it.
 * `mode` (e.g. 0o600 for a wallet) is set when the temporary file is created, so the content is
 * never readable by others, not even for a moment.
 */
export function writeFileAtomic(path: string, text: string | Uint8Array, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  rmSync(`${path}.tmp`, { force: true });
  writeFileSync(`${path}.tmp`, text, mode === undefined ? {} : { mode });
  renameSync(`${path}.tmp`, path);
}
