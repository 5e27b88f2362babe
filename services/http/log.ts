/**
 * The services' log: one JSON object per line, what log collectors expect. On stdout by
 * default; LAISSEZ_LOG=off silences it (benchmarks), LAISSEZ_LOG=<file> appends to a file
 * (`npm start` keeps the terminal for its guided scenario).
 *
 * Every request logs a line, so a line must cost a request next to nothing: `jsonLog` only
 * notes the entry and its time; every `FLUSH_MS` the waiting entries are formatted together and
 * written in one write. Formatting and writing per line (a system call, and for a file a hop
 * through libuv's thread pool and back, each time) cost a checkpoint 5 % of its /verify rate
 * (A/B in one process, 30 November). A line waits at most `FLUSH_MS` (or the sink's previous
 * write); at exit whatever waits is written synchronously. A sink that stops taking writes (a
 * full disk, a stalled pipe) cannot grow memory without bound: beyond `MAX_WAITING` entries,
 * entries are dropped and counted, and the count is logged. The log takes the entry as it is
 * when written: callers pass fresh objects and do not change them afterwards.
 */
import { openSync, write, writeSync } from "node:fs";

export type Log = (entry: Record<string, unknown>) => void;

const FLUSH_MS = 100;
const MAX_WAITING = 20_000;

interface Sink {
  /** File descriptor lines go to; undefined for stdout, which Node writes synchronously to files and pipes already. */
  readonly fd: number | undefined;
  /** Entries with the time they were logged (ms since the epoch), oldest first. */
  waiting: [number, Record<string, unknown>][];
  /** An asynchronous write is under way: the next one waits for it (lines stay in order). */
  writing: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  dropped: number;
}

const sinks = new Map<string, Sink>();

function sinkFor(target: string): Sink {
  let sink = sinks.get(target);
  if (!sink) {
    sink = {
      fd: target === "stdout" ? undefined : openLogFile(target),
      waiting: [],
      writing: false,
      timer: undefined,
      dropped: 0,
    };
    sinks.set(target, sink);
    if (sinks.size === 1) process.once("exit", flushAllNow);
  }
  return sink;
}

/** The file, opened to append; stdout (with a warning) when it cannot be opened: a request never fails for its log line. */
function openLogFile(path: string): number | undefined {
  try {
    return openSync(path, "a");
  } catch (e) {
    process.stderr.write(
      `LAISSEZ_LOG ${JSON.stringify(path)} cannot be opened (${(e as NodeJS.ErrnoException).code ?? "error"}): logging to stdout\n`,
    );
    return undefined;
  }
}

function flush(sink: Sink): void {
  sink.timer = undefined;
  if (sink.writing || !sink.waiting.length) return;
  const chunk = take(sink);
  if (sink.fd === undefined) {
    process.stdout.write(chunk);
    return;
  }
  sink.writing = true;
  write(sink.fd, chunk, null, "utf8", () => {
    // A failed write loses its lines, as a failed log write always has: logging never throws.
    sink.writing = false;
    if (sink.waiting.length) schedule(sink);
  });
}

function schedule(sink: Sink): void {
  sink.timer ??= setTimeout(flush, FLUSH_MS, sink).unref();
}

/** The waiting entries as lines, with one counting what was dropped since the last write. */
function take(sink: Sink): string {
  if (sink.dropped) {
    sink.waiting.push([
      Date.now(),
      { level: "warn", msg: "log lines dropped: the log could not keep up", dropped: sink.dropped },
    ]);
    sink.dropped = 0;
  }
  let chunk = "";
  for (const [time, entry] of sink.waiting) chunk += line(time, entry);
  sink.waiting = [];
  return chunk;
}

/**
 * At exit nothing asynchronous runs any more: what waits is written now. Not while a write is
 * still under way: the sink may be the stalled one, and exit must not hang on its log.
 */
function flushAllNow(): void {
  for (const sink of sinks.values()) {
    if (!sink.waiting.length || sink.writing) continue;
    try {
      writeSync(sink.fd ?? 1, take(sink));
    } catch {
      // The sink is gone: nothing left to tell it.
    }
  }
}

/**
 * `{"t":…, …entry}`: the time spliced in front of the entry's own JSON, without copying the
 * entry. An entry JSON cannot carry (a BigInt, a cycle) becomes a line saying so: formatting
 * runs in a timer, where a throw would end the process.
 */
function line(time: number, entry: Record<string, unknown>): string {
  const t = new Date(time).toISOString();
  try {
    if (Object.hasOwn(entry, "t")) return `${JSON.stringify({ t, ...entry })}\n`;
    const json = JSON.stringify(entry);
    return `{"t":"${t}"${json.length > 2 ? "," : ""}${json.slice(1)}\n`;
  } catch (e) {
    return `${JSON.stringify({ t, level: "error", msg: "log entry not serialisable", error: String((e as Error)?.message ?? e).slice(0, 200) })}\n`;
  }
}

/** Notes one line for `entry` (with the time now) for the LAISSEZ_LOG sink, written within `FLUSH_MS`. */
export const jsonLog: Log = (entry) => {
  const target = process.env.LAISSEZ_LOG || "stdout";
  if (target === "off") return;
  const sink = sinkFor(target);
  if (sink.waiting.length >= MAX_WAITING) {
    sink.dropped++;
    return;
  }
  sink.waiting.push([Date.now(), entry]);
  schedule(sink);
};
