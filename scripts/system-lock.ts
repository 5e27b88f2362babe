/**
 * Before `laissez up` touches anything (the chain, deployments/, the state directory): every
 * port it will listen on must be free, and no live process may hold the state directory. A
 * second `npm start` used to deploy new contracts onto the running chain, rewrite the
 * deployment file and wipe the first system's state, then die on EADDRINUSE.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { LockBusyError, takeLock } from "../io/lock.ts";

export class SystemBusyError extends Error {}

const LOCK = "laissez.lock";

/** Whether something already listens on 127.0.0.1:port (we try to listen there ourselves). */
export function portBusy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(true));
    probe.listen({ port, host: "127.0.0.1", exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

/**
 * Takes the state directory's lock (a file holding this process's pid, created exclusively; a
 * lock whose process is gone is stale and replaced), then checks every port. Throws
 * SystemBusyError naming the holder or the busy port, having changed nothing but its own lock.
 * Returns the release function.
 */
export async function claimSystem(
  stateDir: string,
  ports: readonly { port: number; what: string }[],
): Promise<() => void> {
  mkdirSync(stateDir, { recursive: true });
  let release: () => void;
  try {
    release = await takeLock(join(stateDir, LOCK));
  } catch (e) {
    if (e instanceof LockBusyError)
      throw new SystemBusyError(
        `the state directory ${stateDir} is in use by a running system (pid ${e.holder}); stop it first, or pass another --state-dir`,
      );
    throw e;
  }
  for (const { port, what } of ports) {
    if (await portBusy(port)) {
      release();
      throw new SystemBusyError(
        `port ${port} (${what}) is already in use: is Laissez already running? Stop it, or pass --port / --base-port`,
      );
    }
  }
  return release;
}

/** Empties the state directory but keeps its lock. */
export function wipeState(stateDir: string): void {
  for (const entry of readdirSafe(stateDir))
    if (entry !== LOCK) rmSync(join(stateDir, entry), { recursive: true, force: true });
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
