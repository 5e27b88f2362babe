import { EXIT, UsageError } from "./cli.ts";

/** The system-level causes a command can hit, in words: never a raw `ENOENT` or socket code. */
const SYSTEM_ERRORS: Readonly<Record<string, { words: (path: string) => string; exit: number }>> = {
  ENOENT: { words: (p) => `no such file or directory: ${p}`, exit: EXIT.usage },
  EISDIR: { words: (p) => `${p} is a directory; a file was expected`, exit: EXIT.usage },
  ENOTDIR: { words: (p) => `a part of ${p} is a file, not a directory`, exit: EXIT.usage },
  EACCES: { words: (p) => `no permission to use ${p}`, exit: EXIT.failure },
  EPERM: { words: (p) => `not permitted: ${p}`, exit: EXIT.failure },
  ENOSPC: { words: (p) => `the disk is full (writing ${p})`, exit: EXIT.failure },
  ECONNREFUSED: {
    words: (a) => `nothing is listening at ${a}: is the service (or chain) running?`,
    exit: EXIT.failure,
  },
  ECONNRESET: { words: (a) => `the connection to ${a} was cut`, exit: EXIT.failure },
  ETIMEDOUT: { words: (a) => `${a} did not answer in time`, exit: EXIT.failure },
  ENOTFOUND: { words: (a) => `no such host: ${a}`, exit: EXIT.failure },
  EADDRINUSE: { words: (a) => `the port is busy: ${a}`, exit: EXIT.failure },
};

interface SystemError {
  code?: unknown;
  path?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  cause?: unknown;
}

/** The first system error in an error's cause chain (fetch wraps socket errors in `cause`). */
function systemCause(e: unknown): { code: string; where: string } | undefined {
  for (
    let c = e as SystemError | undefined, depth = 0;
    c && typeof c === "object" && depth < 5;
    c = c.cause as SystemError | undefined, depth++
  ) {
    if (typeof c.code === "string" && Object.hasOwn(SYSTEM_ERRORS, c.code)) {
      const where =
        typeof c.path === "string"
          ? c.path
          : typeof c.address === "string"
            ? `${c.address}${c.port ? `:${String(c.port)}` : ""}`
            : typeof c.hostname === "string"
              ? c.hostname
              : "(unknown)";
      return { code: c.code, where };
    }
  }
  return undefined;
}

/** An error as the CLI prints it, and the exit status it means (usage errors exit 3). */
export function errorInWords(e: unknown): { message: string; exit: number } {
  if (e instanceof UsageError) return { message: e.message, exit: EXIT.usage };
  const system = systemCause(e);
  if (system) {
    const known = SYSTEM_ERRORS[system.code] as { words: (p: string) => string; exit: number };
    // fetch says only "fetch failed"; other wrappers add what was being done.
    const context =
      e instanceof Error && e.message !== "fetch failed" && !e.message.includes(system.code) ? `${e.message}: ` : "";
    return { message: `${context}${known.words(system.where)}`, exit: known.exit };
  }
  return { message: e instanceof Error ? e.message : String(e), exit: EXIT.failure };
}
