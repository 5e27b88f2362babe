import { createHash } from "node:crypto";
import { closeSync, fdatasync, fstatSync, openSync, readFileSync, write } from "node:fs";
import { promisify } from "node:util";

const writeAsync = promisify(write);
const syncAsync = promisify(fdatasync);

/** One signature: which key, under which purpose, over which digest, for whom, when. */
export interface SignatureEntry {
  readonly key: string;
  readonly purpose: string;
  readonly what: string;
  /** 0x hex of what the key signed (the digest for ES256K; SHA-256 of the message for EdDSA). */
  readonly digest: string;
  readonly caller: string;
  /** ISO 8601. */
  readonly time: string;
}

const GENESIS = "0".repeat(64);
const lineHash = (line: string): string => createHash("sha256").update(line).digest("hex");

/** The hash of a log's last line (GENESIS for an empty log): where the chain of a reopened log continues. */
function lastHash(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return GENESIS;
  }
  const lines = text.split("\n").filter((l) => l.length > 0);
  return lines.length > 0 ? lineHash(lines[lines.length - 1]!) : GENESIS;
}

/**
 * The signer's log of every signature (issue 22): one JSON line each, in a file opened with
 * O_APPEND (the signer never seeks, truncates or rewrites it), each line carrying the SHA-256 of
 * the line before (`prev`), so a line removed or changed breaks the chain from there on. A
 * signature leaves the signer only after its line is written and fdatasync'd: entries waiting at
 * the same moment are written and synced together (one sync for a burst). If the log cannot be
 * written, nothing is signed any more (fail closed). What keeps the file itself append-only
 * against root: `chattr +a` on it, or shipping it off the host (docs/hsm.md).
 */
export class SignatureLog {
  private readonly fd: number;
  private prev: string;
  private waiting: { line: string; done: (e?: Error) => void }[] = [];
  private flushing = false;
  private broken: Error | undefined;

  readonly path: string;
  constructor(path: string) {
    this.path = path;
    this.prev = lastHash(path);
    this.fd = openSync(path, "a", 0o600);
    if ((fstatSync(this.fd).mode & 0o077) !== 0)
      throw new Error(`${path}: the signature log is readable by others (chmod 600 it)`);
  }

  /** Appends the entry; resolves once it is on disk. */
  append(entry: SignatureEntry): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    const line = JSON.stringify({ ...entry, prev: this.prev });
    this.prev = lineHash(line);
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ line, done: (e) => (e ? reject(e) : resolve()) });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        const buffer = Buffer.from(batch.map((b) => `${b.line}\n`).join(""));
        for (let at = 0; at < buffer.length;)
          at += (await writeAsync(this.fd, buffer, at, buffer.length - at)).bytesWritten;
        await syncAsync(this.fd);
        for (const b of batch) b.done();
      } catch (e) {
        this.broken = new Error(`the signature log ${this.path} cannot be written: ${(e as Error).message}`);
        for (const b of [...batch, ...this.waiting]) b.done(this.broken);
        this.waiting = [];
      }
    }
    this.flushing = false;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Checks a log's chain: the number of entries, or the 1-based line where it breaks. */
export function verifySignatureLog(path: string): { entries: number; brokenAt?: number } {
  const lines = readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.length > 0);
  let prev = GENESIS;
  for (const [i, line] of lines.entries()) {
    let parsed: { prev?: unknown };
    try {
      parsed = JSON.parse(line) as { prev?: unknown };
    } catch {
      return { entries: i, brokenAt: i + 1 };
    }
    if (parsed.prev !== prev) return { entries: i, brokenAt: i + 1 };
    prev = lineHash(line);
  }
  return { entries: lines.length };
}
