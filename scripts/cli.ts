import { parseArgs, type ParseArgsConfig } from "node:util";

/** Exit statuses every `laissez` command keeps to. */
export const EXIT = { ok: 0, reject: 1, failure: 1, unknown: 2, usage: 3 } as const;

export class UsageError extends Error {
  readonly code = "usage";
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig["options"]>;
  run(args: ReturnType<typeof parseArgs>): Promise<number>;
}

/** Parses a command's arguments, turning every parse failure into a UsageError. */
export function parseCommandArgs(command: Command, argv: string[]): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args: argv, options: { ...command.options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function helpText(command: Command): string {
  const lines = [`laissez ${command.name} — ${command.summary}`, "", `usage: ${command.usage}`, ""];
  for (const [name, opt] of Object.entries(command.options)) {
    const short = opt.short ? `-${opt.short}, ` : "";
    lines.push(`  ${short}--${name}${opt.type === "string" ? " <value>" : ""}${opt.default !== undefined ? `  (default ${String(opt.default)})` : ""}`);
  }
  lines.push("  -h, --help");
  return lines.join("\n");
}

export function stringOption(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

export function requireString(values: Record<string, unknown>, name: string): string {
  const v = stringOption(values, name);
  if (v === undefined || v === "") throw new UsageError(`--${name} is required`);
  return v;
}
