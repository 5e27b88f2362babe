import { execFile } from "node:child_process";
import { promisify } from "node:util";

export interface LoadRun {
  readonly ms: number;
  readonly latencies: number[];
  readonly failures: number;
}

/** Runs bench/load.ts in its own process against `url` (see there) and returns what it measured. */
export async function loadFromAnotherProcess(url: string, body: unknown, count: number, concurrency: number, expect: number, token?: string): Promise<LoadRun> {
  const args = [new URL("./load.ts", import.meta.url).pathname, url, JSON.stringify(body), String(count), String(concurrency), String(expect), ...(token ? [token] : [])];
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as LoadRun;
}

export const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
