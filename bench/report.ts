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
    "Written by `npm run bench` (bench/run.ts); the same figures are in `bench/results.json`.",
    "",
    `- Machine: ${machine()}`,
    `- Command: \`${command}\``,
    `- Run: ${when.toISOString()}`,
    "",
  ];
  for (const s of sections) {
    out.push(`## ${s.title}`, "", s.notes, "", "| figure | value | unit |", "| --- | ---: | --- |");
    for (const [name, f] of Object.entries(s.figures))
      out.push(`| \`${name}\` | ${f.value.toLocaleString("en-US")} | ${f.unit} |`);
    out.push("");
  }
  return out.join("\n");
}

/** The `## ` sections of a BENCHMARKS.md, by title, each with its text up to the next section. */
function sectionsOf(md: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of md.split(/\n(?=## )/).slice(1))
    out.set(part.slice(3, part.indexOf("\n") < 0 ? undefined : part.indexOf("\n")).trim(), part.trimEnd());
  return out;
}

/**
 * Puts one section into an existing BENCHMARKS.md: in place of the section with its title, or
 * at the end. Used by the sections that run on their own (`--only scale`, `npm run soak`).
 */
export function spliceSection(md: string, section: Section, command: string, when: Date): string {
  const text =
    `## ${section.title}\n\n- Machine: ${machine()}\n- Command: \`${command}\`\n- Run: ${when.toISOString()}\n${renderMarkdown(
      [section],
      "",
      when,
    )
      .split(/\n(?=## )/)[1]!
      .split("\n")
      .slice(1)
      .join("\n")}`.trimEnd();
  const parts = md.trimEnd().split(/\n(?=## )/);
  const at = parts.findIndex((p) => p.startsWith(`## ${section.title}\n`));
  if (at < 0) parts.push(text);
  else parts[at] = text;
  return `${parts.join("\n\n").replace(/\n{3,}/g, "\n\n")}\n`;
}

/**
 * A full run's BENCHMARKS.md keeps the named sections it does not run (the soak's, measured by
 * `npm run soak`). Only those: a section renamed or dropped from the run must not linger.
 */
export function keepUnrun(previousMd: string, nextMd: string, keep: readonly string[]): string {
  const ran = sectionsOf(nextMd);
  const kept = [...sectionsOf(previousMd)]
    .filter(([title]) => keep.includes(title) && !ran.has(title))
    .map(([, text]) => text);
  return kept.length === 0 ? nextMd : `${nextMd.trimEnd()}\n\n${kept.join("\n\n")}\n`;
}
