#!/usr/bin/env node
/**
 * `laissez` — the command line of the ledger: chain, deploy, seed, up, and (as they land)
 * issue, revoke, suspend, reinstate, sync, verify, wallet. Exit status: 0 ok/accept,
 * 1 failure/reject, 2 unknown, 3 usage error.
 */
import { EXIT, helpText, parseCommandArgs, UsageError, type Command } from "./cli.ts";
import { chainCommand } from "./commands/chain.ts";
import { deployCommand } from "./commands/deploy.ts";
import { seedCommand } from "./commands/seed.ts";
import { demoCommand, upCommand } from "./commands/up.ts";
import { issueCommand, reinstateCommand, revokeCommand, suspendCommand } from "./commands/credentials.ts";
import { syncCommand, verifyCommand } from "./commands/checkpoint.ts";
import { issuerCommand } from "./commands/issuer.ts";
import { walletCommand } from "./commands/wallet.ts";
import { agencyCommand, authorityCommand } from "./commands/operator.ts";
import { besuKitCommand } from "./commands/besu.ts";
import { signerCommand } from "./commands/signer.ts";
import { auditCommand } from "./commands/audit.ts";

const COMMANDS: readonly Command[] = [
  chainCommand,
  deployCommand,
  seedCommand,
  upCommand,
  demoCommand,
  issueCommand,
  revokeCommand,
  suspendCommand,
  reinstateCommand,
  syncCommand,
  verifyCommand,
  issuerCommand,
  walletCommand,
  authorityCommand,
  agencyCommand,
  besuKitCommand,
  signerCommand,
  auditCommand,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "laissez — cross-region credential verification ledger",
    "",
    "usage: laissez <command> [options]   (laissez <command> --help for its options)",
    "",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(overview());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}\n\n${overview()}`);
  const args = parseCommandArgs(command, rest);
  if (args.values.help) {
    console.log(helpText(command));
    return EXIT.ok;
  }
  return command.run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      console.error(`laissez: ${e.message}`);
      process.exitCode = EXIT.usage;
    } else {
      console.error(`laissez: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = EXIT.failure;
    }
  },
);
