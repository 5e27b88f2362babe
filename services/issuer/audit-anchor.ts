import type { Signer } from "ethers";
import { auditAnchors, lastAuditAnchor } from "../chain/audit-anchors.ts";
import { connectLedger, type Deployment, type Ledger } from "../chain/ledger.ts";
import type { Metrics } from "../http/metrics.ts";
import { checkAuditChain, readAuditRows, type AuditHead, type AuditReport, type IssuerStore } from "./store.ts";

/** What /health shows of audit anchoring. */
export interface AuditAnchoringStatus {
  readonly lastAnchored: { readonly count: number; readonly at: number; readonly transaction: string } | null;
  readonly lastError: { readonly message: string; readonly at: number } | null;
}

/**
 * Puts the audit log's head on chain (`StatusRegistry.anchorAudit`, signed by the status
 * writer: a count and a hash, no personal data). Run by the anchoring loop after each status
 * step, due every `intervalMs` while the log grows (`step(true)`: now). The chain's own record (`auditHeadOf`) says what is anchored, so a reset chain
 * or a lost transaction is simply anchored again. A failure is recorded, never thrown: audit
 * anchoring must not hold up revocations.
 */
export class AuditAnchorer {
  private readonly store: IssuerStore;
  private readonly signer: Signer;
  private readonly deployment: Deployment;
  private readonly agency: string;
  private readonly intervalMs: number;
  private readonly receiptTimeoutMs: number;
  private readonly confirmations: number;
  private readonly metrics: Metrics | undefined;
  /** The first anchor comes one interval after start (a restart sends nothing at once). */
  private lastTriedAt = Date.now();
  /** The count the chain is known to hold: no need to ask it again until the log grows past it. */
  private knownOnChain = 0;
  private lastAnchored: AuditAnchoringStatus["lastAnchored"] = null;
  private lastError: AuditAnchoringStatus["lastError"] = null;

  constructor(store: IssuerStore, deployment: Deployment, signer: Signer, agency: string, o: { intervalMs?: number; receiptTimeoutMs?: number; confirmations?: number; metrics?: Metrics } = {}) {
    this.store = store;
    this.deployment = deployment;
    this.signer = signer;
    this.agency = agency;
    this.intervalMs = o.intervalMs ?? 60_000;
    this.receiptTimeoutMs = o.receiptTimeoutMs ?? 60_000;
    this.confirmations = o.confirmations ?? 1;
    this.metrics = o.metrics;
  }

  status(): AuditAnchoringStatus {
    return { lastAnchored: this.lastAnchored, lastError: this.lastError };
  }

  /** Anchors the head if it is due (`now`: a status batch just landed); returns the head anchored, or null. */
  async step(now = false): Promise<AuditHead | null> {
    if (!now && Date.now() - this.lastTriedAt < this.intervalMs) return null;
    this.lastTriedAt = Date.now();
    try {
      return await this.anchor();
    } catch (e) {
      this.lastError = { message: String((e as Error)?.message ?? e).slice(0, 200), at: Math.floor(Date.now() / 1000) };
      this.metrics?.inc("laissez_audit_anchor_errors_total", "audit head anchoring attempts that failed");
      return null;
    }
  }

  private async anchor(): Promise<AuditHead | null> {
    const head = await this.store.auditChain.head();
    if (head.count <= this.knownOnChain) return null;
    const ledger = connectLedger(this.deployment, this.signer);
    this.knownOnChain = (await lastAuditAnchor(ledger, this.agency)).count;
    if (this.knownOnChain >= head.count) return null;
    const tx = await ledger.status.getFunction("anchorAudit")(this.agency, head.count, `0x${head.head}`);
    const receipt = await tx.wait(this.confirmations, this.receiptTimeoutMs);
    if (receipt?.status !== 1) throw new Error(`audit anchor ${String(tx.hash)} reverted`);
    this.knownOnChain = head.count;
    this.lastAnchored = { count: head.count, at: Math.floor(Date.now() / 1000), transaction: String(tx.hash) };
    this.lastError = null;
    this.metrics?.inc("laissez_audit_anchors_total", "audit heads anchored on chain");
    return head;
  }
}

/**
 * The check: an issuer database's audit log (read-only) walked against every head the chain
 * recorded for `agency`. Names the first broken entry; entries after the last anchor are
 * counted as unanchored.
 */
export async function verifyAuditLog(dbPath: string, ledger: Ledger, agency: string): Promise<AuditReport> {
  return checkAuditChain(readAuditRows(dbPath), await auditAnchors(ledger, agency));
}
