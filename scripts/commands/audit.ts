import { existsSync } from "node:fs";
import { verifyAuditLog } from "../../services/issuer/audit-anchor.ts";
import { EXIT, requireString, unknownSubcommand, UsageError, type Command } from "../cli.ts";
import { agencyAddress, CHAIN_OPTIONS, withChain } from "../context.ts";

/**
 * `laissez audit verify`: walks an issuer service's audit log (its SQLite file, read-only)
 * against the heads its status writer anchored on chain, and names the first broken entry.
 * Exit 0: intact (entries after the last anchor are reported as unanchored, with the oldest one's
 * age, not broken: nothing on chain pins them yet); 1: broken. Heads the agency's identity owner
 * voided (`AuditHeadReset`) are not checked against.
 */
export const auditCommand: Command = {
  name: "audit",
  summary: "check an issuer's audit log (hash chain) against the heads anchored on chain; names the first broken entry",
  usage: "laissez audit verify --db .data/issuer-0.db --agency 0x…|N [--rpc URL] [--deployments DIR] [--json]",
  options: { ...CHAIN_OPTIONS, db: { type: "string" }, agency: { type: "string" } },
  async run({ values, positionals }) {
    if (positionals[0] !== "verify") throw unknownSubcommand(positionals[0], ["verify"]);
    const db = requireString(values, "db");
    if (!existsSync(db)) throw new UsageError(`no database at ${db}`);
    return withChain(values, async (_provider, ledger) => {
      const agency = agencyAddress(values, ledger.deployment.chainId);
      const report = await verifyAuditLog(db, ledger, agency);
      if (values.json) console.log(JSON.stringify({ agency, ...report }));
      else {
        const anchored = report.anchored
          ? `${report.anchored.count} anchored (block ${report.anchored.block})`
          : "none anchored yet";
        console.log(`audit log of ${agency}: ${report.entries} entries, ${anchored}, ${report.unanchored} unanchored`);
        if (report.oldestUnanchoredAt !== null) {
          const age = Math.max(0, Math.floor(Date.now() / 1000) - report.oldestUnanchoredAt);
          console.log(
            `unanchored: entries ${report.entries - report.unanchored + 1}…${report.entries}, the oldest written ${age} s ago — until anchored, whoever can write the database file can rewrite them undetected`,
          );
        }
        console.log(
          report.broken
            ? `BROKEN at entry ${report.broken.seq} (${report.broken.reason}): ${report.broken.message}`
            : "intact: every entry chains to the last, and to every anchored head",
        );
      }
      return report.ok ? EXIT.ok : EXIT.failure;
    });
  },
};
