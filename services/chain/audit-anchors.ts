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

/** Every audit head `issuer`'s status writer anchored, oldest first (events from the deployment block on). */
export async function auditAnchors(ledger: Ledger, issuer: string): Promise<AnchoredAuditHead[]> {
  const logs = (await ledger.status.queryFilter(ledger.status.filters.AuditAnchored!(issuer), ledger.deployment.deployedAtBlock)) as EventLog[];
  return logs.map((l) => ({ count: Number(l.args.count), head: String(l.args.head).slice(2).toLowerCase(), block: l.blockNumber, transaction: l.transactionHash }));
}

/** The last head anchored for `issuer` (count 0: none). */
export async function lastAuditAnchor(ledger: Ledger, issuer: string): Promise<{ count: number; head: string }> {
  const [count, head] = (await ledger.status.getFunction("auditHeadOf")(issuer)) as [bigint, string];
  return { count: Number(count), head: head.slice(2).toLowerCase() };
}
