/**
 * `npm run soak`: the soak of issue 10 (bench/soak.ts) — 10 minutes by default,
 * `LAISSEZ_SOAK_SECONDS` (or `--seconds N`) for shorter runs. Prints the figures, merges them
 * into bench/results.json, puts its section into BENCHMARKS.md (a full `npm run bench` keeps it),
 * and exits 1 when a check failed.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { spliceSection, writeResults } from "../bench/report.ts";
import { runSoak, SOAK_TITLE } from "../bench/soak.ts";

function seconds(): number {
  const flag = process.argv.indexOf("--seconds");
  const raw = flag >= 0 ? process.argv[flag + 1] : process.env.LAISSEZ_SOAK_SECONDS;
  const n = raw === undefined ? 600 : Number(raw);
  if (!Number.isInteger(n) || n < 20) throw new Error(`the soak's duration must be a whole number of seconds ≥ 20, got ${raw}`);
  return n;
}

const duration = seconds();
const result = await runSoak({ seconds: duration });
for (const [name, f] of Object.entries(result.figures)) console.log(`${name.padEnd(36)} ${String(f.value).padStart(10)} ${f.unit}`);
writeResults(new URL("../bench/results.json", import.meta.url).pathname, result.figures);
const file = new URL("../BENCHMARKS.md", import.meta.url);
const md = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
const command = duration === 600 ? "npm run soak" : `LAISSEZ_SOAK_SECONDS=${duration} npm run soak`;
writeFileSync(file, spliceSection(md, { title: SOAK_TITLE, figures: result.figures, notes: result.notes }, command, new Date()));
console.log(result.failures.length === 0 ? "\nsoak passed" : `\nsoak FAILED:\n- ${result.failures.join("\n- ")}`);
process.exit(result.failures.length === 0 ? 0 : 1);
