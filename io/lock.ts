import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/** The lock is held by a live process (its pid is named in the error). */
export class LockBusyError extends Error {
  readonly holder: number;
  constructor(message: string, holder: number) {
    super(message);
    this.holder = holder;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes an exclusive lock: a file holding this process's pid, created with O_EXCL. A lock whose
 * process is gone is stale and replaced. While a live process holds it, waits up to `waitMs`
 * (polling), then throws LockBusyError. Returns the release function (removes the file only if
 * it is still this process's).
 */
export async function takeLock(path: string, waitMs = 0): Promise<() => void> {
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        if (existsSync(path) && readFileSync(path, "utf8").trim() === String(process.pid))
          rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    let text: string;
    try {
      text = readFileSync(path, "utf8").trim();
    } catch {
      continue; // released between our open and our read: try again
    }
    const holder = Number(text);
    // An empty file is being written by its taker (held); anything but a live pid is stale.
    const held = text === "" || (Number.isInteger(holder) && holder > 0 && alive(holder));
    if (!held) {
      rmSync(path, { force: true }); // stale: its process is gone
      continue;
    }
    if (Date.now() >= deadline) throw new LockBusyError(`${path} is held by process ${text || "(starting)"}`, holder);
    await sleep(50);
  }
}
