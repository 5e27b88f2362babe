/**
 * Where the CLI keeps a user's files: the XDG base directories, so a wallet or a checkpoint's
 * rollback state never lands in whatever directory the command was started from.
 *   data  (the wallet)                   $XDG_DATA_HOME/laissez   or ~/.local/share/laissez
 *   state (a checkpoint's highest block) $XDG_STATE_HOME/laissez  or ~/.local/state/laissez
 * Files at the old location (`.data/…` under the current directory) are still read when the new
 * one has none, with a note saying where the file should move.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";

type Kind = "data" | "state";

const XDG: Record<Kind, { variable: string; fallback: string[] }> = {
  data: { variable: "XDG_DATA_HOME", fallback: [".local", "share"] },
  state: { variable: "XDG_STATE_HOME", fallback: [".local", "state"] },
};

/** The laissez directory of a kind; XDG says a relative value is invalid and is ignored. */
export function userDir(kind: Kind, env: NodeJS.ProcessEnv = process.env): string {
  const { variable, fallback } = XDG[kind];
  const set = env[variable];
  return join(set && isAbsolute(set) ? set : join(env.HOME || homedir(), ...fallback), "laissez");
}

export interface UserFile {
  /** The path to use: the per-user one, or the old one when only it exists. */
  readonly path: string;
  /** Set when the old location was used: what to tell the user. */
  readonly note?: string;
}

/** A user file by name; `old` is where earlier versions kept it (relative to the current directory). */
export function userFile(kind: Kind, name: string, old: string, env: NodeJS.ProcessEnv = process.env): UserFile {
  const path = join(userDir(kind, env), name);
  if (!existsSync(path) && existsSync(old))
    return { path: old, note: `using ${old} (the old location); move it to ${path}` };
  return { path };
}
