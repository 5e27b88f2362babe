import { execFile, execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";

export interface LoadRun {
  readonly ms: number;
  readonly latencies: number[];
  readonly failures: number;
}

/**
 * Runs bench/load.ts in its own process against `url` (see there) and returns what it measured;
 * on `cpu` when given (see `pinCores`).
 */
export async function loadFromAnotherProcess(
  url: string,
  body: unknown,
  count: number,
  concurrency: number,
  expect: number,
  token?: string,
  cpu?: number,
): Promise<LoadRun> {
  const args = [
    new URL("./load.ts", import.meta.url).pathname,
    url,
    JSON.stringify(body),
    String(count),
    String(concurrency),
    String(expect),
    ...(token ? [token] : []),
  ];
  const [file, argv] =
    cpu === undefined ? [process.execPath, args] : ["taskset", ["-c", String(cpu), process.execPath, ...args]];
  const { stdout } = await promisify(execFile)(file, argv, { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as LoadRun;
}

export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;

/**
 * Pins this process (every thread: the service, its GC helpers, libuv's pool) to one core and
 * names another for the load generator, so "the service has one core, the load the other" is
 * true rather than the scheduler's choice. On these 2-vCPU machines the two cores were not
 * equally fast from minute to minute (a SHA-256 loop 45 % slower on one than the other for a
 * while), and which one the service landed on moved a ratio by ±0.1 from run to run. Needs
 * Linux's `taskset` and two cores; otherwise undefined and nothing is pinned. `release()`
 * restores the affinity this process had.
 */
export function pinCores(): { service: number; load: number; release(): void } | undefined {
  if (process.platform !== "linux" || availableParallelism() < 2) return undefined;
  const pid = String(process.pid);
  let mask: string;
  try {
    mask = /:\s*([0-9a-f,]+)\s*$/i.exec(execFileSync("taskset", ["-p", pid], { encoding: "utf8" }))?.[1] ?? "";
    if (!mask) return undefined;
    execFileSync("taskset", ["-a", "-p", "-c", "0", pid], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  return { service: 0, load: 1, release: () => execFileSync("taskset", ["-a", "-p", mask, pid], { stdio: "ignore" }) };
}
