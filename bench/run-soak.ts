/**
 * `npm run soak`: the soak of issue 10 (bench/soak.ts) — 10 minutes by default;
 * `npm run soak -- --minutes 3` (or `--seconds N`, `LAISSEZ_SOAK_SECONDS`) for shorter runs. Prints the figures, merges them
 * into bench/results.json, puts its section into BENCHMARKS.md (a full `npm run bench` keeps it),
 * and exits 1 when a check failed.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { spliceSection, writeResults } from "./report.ts";
import { runSoak, SOAK_TITLE } from "./soak.ts";

/** The load's duration: `--minutes N` (decimals allowed), `--seconds N`, LAISSEZ_SOAK_SECONDS, else 10 minutes. */
function seconds(): number {
  const flag = (name: string) =>
    process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;
  const minutes = flag("--minutes");
  const raw =
    minutes !== undefined
      ? String(Math.round(Number(minutes) * 60))
      : (flag("--seconds") ?? process.env.LAISSEZ_SOAK_SECONDS);
  const n = raw === undefined ? 600 : Number(raw);
  if (!Number.isInteger(n) || n < 20)
    throw new Error(
      `the soak's duration must be at least 20 seconds (--minutes N, --seconds N or LAISSEZ_SOAK_SECONDS), got ${minutes !== undefined ? `${minutes} minutes` : raw}`,
    );
  return n;
}

const duration = seconds();
const result = await runSoak({ seconds: duration });
for (const [name, f] of Object.entries(result.figures))
  console.log(`${name.padEnd(36)} ${String(f.value).padStart(10)} ${f.unit}`);
writeResults(new URL("./results.json", import.meta.url).pathname, result.figures);
const file = new URL("../BENCHMARKS.md", import.meta.url);
const md = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
const command = duration === 600 ? "npm run soak" : `npm run soak -- --seconds ${duration}`;
writeFileSync(
  file,
  spliceSection(md, { title: SOAK_TITLE, figures: result.figures, notes: result.notes }, command, new Date()),
);
console.log(result.failures.length === 0 ? "\nsoak passed" : `\nsoak FAILED:\n- ${result.failures.join("\n- ")}`);
process.exit(result.failures.length === 0 ? 0 : 1);
