import { cpus, totalmem } from "node:os";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export type Figures = Record<string, { value: number; unit: string }>;

export interface Section {
  readonly title: string;
  readonly figures: Figures;
  /** What the figures mean and how to read them, in a few lines of Markdown. */
  readonly notes: string;
}

export function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
}

/** Merges this run's figures into bench/results.json (figures from sections not run are kept). */
export function writeResults(file: string, figures: Figures): void {
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Figures) : {};
  writeFileSync(file, `${JSON.stringify({ ...previous, ...figures }, null, 2)}\n`);
}

export function renderMarkdown(sections: readonly Section[], command: string, when: Date): string {
  const out = [
    "# Benchmarks",
    "",
    "Written by `npm run bench` (scripts/bench.ts); the same figures are in `bench/results.json`.",
    "",
    `- Machine: ${machine()}`,
    `- Command: \`${command}\``,
    `- Run: ${when.toISOString()}`,
    "",
  ];
  for (const s of sections) {
    out.push(`## ${s.title}`, "", s.notes, "", "| figure | value | unit |", "| --- | ---: | --- |");
    for (const [name, f] of Object.entries(s.figures)) out.push(`| \`${name}\` | ${f.value.toLocaleString("en-US")} | ${f.unit} |`);
    out.push("");
  }
  return out.join("\n");
}
