/**
 * Before `laissez up` touches anything (the chain, deployments/, the state directory): every
 * port it will listen on must be free, and no live process may hold the state directory. A
 * second `npm start` used to deploy new contracts onto the running chain, rewrite the
 * deployment file and wipe the first system's state, then die on EADDRINUSE.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export class SystemBusyError extends Error {}

const LOCK = "laissez.lock";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

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
export async function claimSystem(stateDir: string, ports: readonly { port: number; what: string }[]): Promise<() => void> {
  mkdirSync(stateDir, { recursive: true });
  const lock = join(stateDir, LOCK);
  let fd: number | undefined;
  for (let attempt = 0; fd === undefined && attempt < 2; attempt++) {
    try {
      fd = openSync(lock, "wx", 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = Number(readFileSync(lock, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) throw new SystemBusyError(`the state directory ${stateDir} is in use by a running system (pid ${holder}); stop it first, or pass another --state-dir`);
      rmSync(lock, { force: true }); // stale: its process is gone
    }
  }
  if (fd === undefined) throw new SystemBusyError(`could not lock the state directory ${stateDir}`);
  writeSync(fd, `${process.pid}\n`);
  closeSync(fd);
  const release = (): void => {
    if (existsSync(lock) && readFileSync(lock, "utf8").trim() === String(process.pid)) rmSync(lock, { force: true });
  };
  for (const { port, what } of ports) {
    if (await portBusy(port)) {
      release();
      throw new SystemBusyError(`port ${port} (${what}) is already in use: is Laissez already running? Stop it, or pass --port / --base-port`);
    }
  }
  return release;
}

/** Empties the state directory but keeps its lock. */
export function wipeState(stateDir: string): void {
  for (const entry of readdirSafe(stateDir)) if (entry !== LOCK) rmSync(join(stateDir, entry), { recursive: true, force: true });
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
