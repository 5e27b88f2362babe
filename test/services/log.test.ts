import { execFile, execFileSync, spawn } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

/**
 * The services' log (services/http/log.ts) in a process of its own, as a service uses it:
 * lines written once per turn, none lost at exit, a log file that cannot be opened, and a
 * sink that stops taking writes.
 */
const logModule = pathToFileURL(join(import.meta.dirname, "../../services/http/log.ts")).href;

function script(dir: string, body: string): string {
  const file = join(dir, `child-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    file,
    `import { jsonLog } from ${JSON.stringify(logModule)};\nconst turn = () => new Promise((r) => setImmediate(r));\n${body}\n`,
  );
  return file;
}

const run = (file: string, env: Record<string, string>) =>
  promisify(execFile)(process.execPath, [file], { env: { ...process.env, ...env } });
const lines = (text: string) =>
  text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("the services' log", () => {
  it("writes every line, in order, with its time; what waits when the process exits is written too; an entry JSON cannot carry is a line saying so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "laissez-log-"));
    const file = join(dir, "service.log");
    // 300 lines over three turns (each flushed asynchronously; wait until they are in the file and
    // the write has reported back), then 5,000 in one turn and exit at once.
    const child = script(
      dir,
      `import { readFileSync } from "node:fs";
for (let t = 0; t < 3; t++) { for (let i = 0; i < 100; i++) jsonLog({ n: t * 100 + i }); await turn(); await turn(); }
while (readFileSync(${JSON.stringify(file)}, "utf8").split("\\n").length < 301) await new Promise((r) => setTimeout(r, 5));
await new Promise((r) => setTimeout(r, 20));
jsonLog({ n: -1, big: 1n });
for (let i = 300; i < 5300; i++) jsonLog({ n: i, msg: "line \\"quoted\\"\\n" });
process.exit(0);`,
    );
    await run(child, { LAISSEZ_LOG: file });
    const logged = lines(readFileSync(file, "utf8"));
    expect(logged[300]).toMatchObject({ level: "error", msg: "log entry not serialisable" });
    logged.splice(300, 1);
    expect(logged.map((l) => l.n)).toEqual(Array.from({ length: 5300 }, (_, i) => i));
    expect(logged.every((l) => typeof l.t === "string" && !Number.isNaN(Date.parse(l.t as string)))).toBe(true);
    expect(logged[5299]?.msg).toBe('line "quoted"\n');
  });

  it("logs to stdout, with a warning, when the log file cannot be opened; LAISSEZ_LOG=off logs nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "laissez-log-"));
    const child = script(
      dir,
      `jsonLog({ level: "info", msg: "still here" }); await turn(); await turn(); console.error("done");`,
    );
    const { stdout, stderr } = await run(child, { LAISSEZ_LOG: join(dir, "no-such-dir", "service.log") });
    expect(stderr).toMatch(/cannot be opened \(ENOENT\): logging to stdout/);
    expect(lines(stdout)).toEqual([expect.objectContaining({ msg: "still here" })]);
    const off = await run(child, { LAISSEZ_LOG: "off" });
    expect(off.stdout).toBe("");
  });

  it("drops and counts lines, rather than growing without bound, while the sink takes no writes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "laissez-log-"));
    const fifo = join(dir, "log.fifo");
    execFileSync("mkfifo", [fifo]);
    // A reader that reads nothing yet: the service's first write fills the pipe and waits.
    const held = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    // 40,000 lines of ~230 characters (≈ 9 MB) over about half a second: the first write fills
    // the pipe and waits, and the rest passes the 20,000 entries the log holds.
    const child = spawn(
      process.execPath,
      [
        script(
          dir,
          `const pad = "x".repeat(200);
for (let t = 0; t < 400; t++) { for (let i = 0; i < 100; i++) jsonLog({ n: t * 100 + i, pad }); await new Promise((r) => setTimeout(r, 1)); }
console.log("logged"); await new Promise((r) => process.stdin.once("data", r)); process.stdin.destroy();`,
        ),
      ],
      { env: { ...process.env, LAISSEZ_LOG: fifo }, stdio: ["pipe", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    const reader = spawn("cat", [fifo], { stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    reader.stdout.setEncoding("utf8").on("data", (d: string) => (text += d));
    await new Promise((r) => setTimeout(r, 200));
    closeSync(held);
    child.stdin.end("go\n");
    await new Promise((r) => reader.once("close", r));

    const logged = lines(text);
    const dropped = logged
      .filter((l) => l.msg === "log lines dropped: the log could not keep up")
      .reduce((sum, l) => sum + (l.dropped as number), 0);
    expect(dropped).toBeGreaterThan(10_000);
    const numbered = logged.filter((l) => typeof l.n === "number").map((l) => l.n as number);
    expect(numbered[0]).toBe(0);
    expect(numbered.every((n, i) => i === 0 || n > (numbered[i - 1] as number))).toBe(true); // in order, gaps where dropped
    expect(numbered.length + dropped).toBe(40_000);
  });
});
