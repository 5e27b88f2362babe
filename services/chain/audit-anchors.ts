import type { EventLog } from "ethers";
import type { Ledger } from "./ledger.ts";

/** An audit head the chain recorded (StatusRegistry `AuditAnchored`). */
export interface AnchoredAuditHead {
  readonly count: number;
  /** The entry's hash, lowercase hex without 0x (as the audit log stores it). */
  readonly head: string;
  readonly block: number;
  readonly transaction: string;
}

/**
 * Every audit head in force for `issuer`, oldest first (events from the deployment block on):
 * each `AuditAnchored`, except those an `AuditHeadReset` by the agency's identity owner voided
 * (anchored before it with a count at or above its count: a stolen writer key's), plus the
 * head the reset itself names.
 */
export async function auditAnchors(ledger: Ledger, issuer: string): Promise<AnchoredAuditHead[]> {
  const from = ledger.deployment.deployedAtBlock;
  const [anchored, resets] = await Promise.all([
    ledger.status.queryFilter(ledger.status.filters.AuditAnchored!(issuer), from) as Promise<EventLog[]>,
    ledger.status.queryFilter(ledger.status.filters.AuditHeadReset!(issuer), from) as Promise<EventLog[]>,
  ]);
  let heads: AnchoredAuditHead[] = [];
  for (const l of [...anchored, ...resets].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index)) {
    const count = Number(l.args.count);
    if (l.eventName === "AuditHeadReset") heads = heads.filter((h) => h.count < count);
    if (count > 0)
      heads.push({
        count,
        head: String(l.args.head).slice(2).toLowerCase(),
        block: l.blockNumber,
        transaction: l.transactionHash,
      });
  }
  return heads;
}

/** The last head anchored for `issuer` (count 0: none). */
export async function lastAuditAnchor(ledger: Ledger, issuer: string): Promise<{ count: number; head: string }> {
  const [count, head] = (await ledger.status.getFunction("auditHeadOf")(issuer)) as [bigint, string];
  return { count: Number(count), head: head.slice(2).toLowerCase() };
}
