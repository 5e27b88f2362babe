/**
 * Time per test folder from a vitest JSON report, as a Markdown table for test/README.md:
 *
 *   npx vitest run --reporter=default --reporter=json --outputFile.json=test-output/vitest.json
 *   node test/report-times.ts test-output/vitest.json
 *
 * A file's time is its wall time in its worker (from its start to its end, imports and hooks
 * included); with two workers the folders' sum exceeds the run's wall time, which is printed too.
 */
import { readFileSync } from "node:fs";
import { relative, sep } from "node:path";

interface Report {
  readonly startTime: number;
  readonly testResults: readonly {
    readonly name: string;
    readonly startTime: number;
    readonly endTime: number;
    readonly assertionResults: readonly { readonly status: string }[];
  }[];
}

export interface FolderTime {
  readonly folder: string;
  readonly files: number;
  readonly tests: number;
  readonly seconds: number;
}

/** Seconds per folder under test/ (the folder a file sits in), longest first. */
export function timesByFolder(report: Report, root: string): FolderTime[] {
  const folders = new Map<string, { files: number; tests: number; ms: number }>();
  for (const file of report.testResults) {
    const parts = relative(root, file.name).split(sep);
    const folder = parts.length > 2 && parts[0] === "test" ? `${parts[1]}/` : parts.slice(0, -1).join("/") || ".";
    const f = folders.get(folder) ?? { files: 0, tests: 0, ms: 0 };
    folders.set(folder, {
      files: f.files + 1,
      tests: f.tests + file.assertionResults.length,
      ms: f.ms + Math.max(0, file.endTime - file.startTime),
    });
  }
  return [...folders]
    .map(([folder, f]) => ({ folder, files: f.files, tests: f.tests, seconds: Math.round(f.ms / 100) / 10 }))
    .sort((a, b) => b.seconds - a.seconds);
}

if (import.meta.main) {
  const path = process.argv[2];
  if (!path) {
    console.error(
      "usage: node test/report-times.ts REPORT.json   (vitest --reporter=json --outputFile.json=REPORT.json)",
    );
    process.exit(2);
  }
  const report = JSON.parse(readFileSync(path, "utf8")) as Report;
  const rows = timesByFolder(report, process.cwd());
  const wall = Math.max(...report.testResults.map((f) => f.endTime)) - report.startTime;
  console.log("| folder | files | tests | seconds (sum of files) |\n| --- | ---: | ---: | ---: |");
  for (const r of rows) console.log(`| \`${r.folder}\` | ${r.files} | ${r.tests} | ${r.seconds} |`);
  console.log(`\nWall time of the run: ${Math.round(wall / 1000)} s.`);
}
