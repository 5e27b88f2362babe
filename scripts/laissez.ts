#!/usr/bin/env node
/**
 * `laissez` — the command line of the ledger: every command in COMMANDS below (the chain, the
 * system, issuance and status, sync and verify, the wallet, the operators' governing commands,
 * the issuer and signer services, the audit log, the Besu kit). Exit status: 0 ok/accept,
 * 1 failure/reject, 2 unknown, 3 usage error.
 */
import { readFileSync } from "node:fs";
import { EXIT, helpText, parseCommandArgs, UsageError, type Command } from "./cli.ts";
import { errorInWords } from "./errors.ts";
import { guideSection, nearest } from "./help.ts";
/**
 * Every command, loaded only when run: Node strips each TypeScript file's types at load, so
 * `laissez --version` or `laissez verify` should not pay for the chain, services and wallet code.
 */
const COMMANDS: readonly { readonly name: string; load(): Promise<Command> }[] = [
  { name: "chain", load: async () => (await import("./commands/chain.ts")).chainCommand },
  { name: "deploy", load: async () => (await import("./commands/deploy.ts")).deployCommand },
  { name: "seed", load: async () => (await import("./commands/seed.ts")).seedCommand },
  { name: "up", load: async () => (await import("./commands/up.ts")).upCommand },
  { name: "demo", load: async () => (await import("./commands/up.ts")).demoCommand },
  { name: "issue", load: async () => (await import("./commands/credentials.ts")).issueCommand },
  { name: "paper", load: async () => (await import("./commands/paper.ts")).paperCommand },
  { name: "revoke", load: async () => (await import("./commands/credentials.ts")).revokeCommand },
  { name: "suspend", load: async () => (await import("./commands/credentials.ts")).suspendCommand },
  { name: "reinstate", load: async () => (await import("./commands/credentials.ts")).reinstateCommand },
  { name: "sync", load: async () => (await import("./commands/checkpoint.ts")).syncCommand },
  { name: "verify", load: async () => (await import("./commands/checkpoint.ts")).verifyCommand },
  { name: "issuer", load: async () => (await import("./commands/issuer.ts")).issuerCommand },
  { name: "wallet", load: async () => (await import("./commands/wallet.ts")).walletCommand },
  { name: "authority", load: async () => (await import("./commands/operator.ts")).authorityCommand },
  { name: "agency", load: async () => (await import("./commands/operator.ts")).agencyCommand },
  { name: "besu-kit", load: async () => (await import("./commands/besu.ts")).besuKitCommand },
  { name: "signer", load: async () => (await import("./commands/signer.ts")).signerCommand },
  { name: "audit", load: async () => (await import("./commands/audit.ts")).auditCommand },
];

async function overview(): Promise<string> {
  const commands = await Promise.all(COMMANDS.map((c) => c.load()));
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `laissez ${version()} — cross-region credential verification ledger`,
    "",
    "usage: laissez <command> [flags]   (laissez <command> --help: every flag, with examples)",
    "       laissez --version",
    "",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "exit status: 0 ok / accept, 1 failure / reject, 2 unknown, 3 usage error.   guide: docs/cli.md",
  ].join("\n");
}

function version(): string {
  return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v" || name === "version") {
    console.log(`laissez ${version()} (Node ${process.versions.node})`);
    return EXIT.ok;
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(await overview());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    const near = nearest(
      name,
      COMMANDS.map((c) => c.name),
    );
    throw new UsageError(
      `there is no command ${JSON.stringify(name)}${near ? `; did you mean \`laissez ${near}\`?` : ""} (laissez --help lists them)`,
    );
  }
  const command = await entry.load();
  running = command.name;
  const args = parseCommandArgs(command, rest);
  if (args.values.help) {
    console.log(helpText(command));
    return EXIT.ok;
  }
  return command.run(args);
}

/** The command being run, for the guide section an error points to. */
let running: string | undefined;

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const { message, exit } = errorInWords(e);
    const guide = running ? `\n  guide: ${guideSection(running)}` : "";
    console.error(`laissez${running ? ` ${running}` : ""}: ${message}${message.includes("guide:") ? "" : guide}`);
    process.exitCode = exit;
  },
);
