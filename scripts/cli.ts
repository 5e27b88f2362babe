import { parseArgs, type ParseArgsConfig } from "node:util";
import { COMMAND_HELP, flagHelp, guideSection, nearest } from "./help.ts";

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

/** A subcommand that is not one: the nearest known name, then the list ("did you mean `receive`?"). */
export function unknownSubcommand(typed: string | undefined, known: readonly string[]): UsageError {
  if (typed === undefined) return new UsageError(`expected one of: ${known.join(", ")}`);
  const near = nearest(typed, known);
  return new UsageError(
    `no subcommand ${JSON.stringify(typed)}${near ? `; did you mean \`${near}\`?` : ""} (expected one of: ${known.join(", ")})`,
  );
}

/** node:util's parse errors, in words: an unknown flag names the nearest known one. */
function parseFailure(command: Command, e: Error & { code?: string }): UsageError {
  const flag = /'(-{1,2}[^' ]+)/.exec(e.message)?.[1];
  const known = [...Object.keys(command.options), "help"];
  const more = `(laissez ${command.name} --help lists every flag; guide: ${guideSection(command.name)})`;
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag) {
    const near = nearest(flag.replace(/^-+/, "").split("=")[0] as string, known);
    return new UsageError(`no flag ${flag}${near ? `; did you mean --${near}?` : ""} ${more}`);
  }
  if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag) {
    return new UsageError(
      /does not take an argument/.test(e.message)
        ? `${flag} is a switch: it takes no value ${more}`
        : `${flag} needs a value ${more}`,
    );
  }
  return new UsageError(`${e.message} ${more}`);
}

/** Parses a command's arguments, turning every parse failure into a UsageError in words. */
export function parseCommandArgs(command: Command, argv: string[]): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({
      args: argv,
      options: { ...command.options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw parseFailure(command, e as Error & { code?: string });
  }
}

export function helpText(command: Command): string {
  const examples = COMMAND_HELP[command.name]?.examples ?? [];
  const flags = Object.entries({ ...command.options, help: { type: "boolean", short: "h" } } as NonNullable<
    ParseArgsConfig["options"]
  >).map(([name, opt]) => ({
    left: `${opt.short ? `-${opt.short}, ` : "    "}--${name}${opt.type === "string" ? " <value>" : ""}`,
    right: `${flagHelp(command.name, name) ?? ""}${opt.default !== undefined ? ` (default ${String(opt.default)})` : ""}`,
  }));
  const width = Math.max(...flags.map((f) => f.left.length));
  return [
    `laissez ${command.name} — ${command.summary}`,
    "",
    `usage: ${command.usage}`,
    "",
    "flags:",
    ...flags.map((f) => `  ${f.left.padEnd(width)}  ${f.right}`),
    ...(examples.length ? ["", "examples:", ...examples.map((x) => `  ${x}`)] : []),
    "",
    `guide: ${guideSection(command.name)}`,
  ].join("\n");
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

/**
 * A region code as typed (case-insensitive) checked against the regions known here; an unknown
 * one lists them, so the operator sees the right spelling.
 */
export function regionCode(typed: string, known: readonly string[], flag = "--region"): string {
  const code = typed.trim().toUpperCase();
  if (known.includes(code)) return code;
  const near = nearest(
    code.toLowerCase(),
    known.map((k) => k.toLowerCase()),
  );
  const list = known.length ? `known regions: ${[...known].sort().join(", ")}` : "no region is known here yet";
  throw new UsageError(
    `unknown region ${JSON.stringify(code)} for ${flag}${near ? ` (did you mean ${near.toUpperCase()}?)` : ""}; ${list}`,
  );
}
