import type { Signer } from "ethers";
import { auditAnchors, lastAuditAnchor } from "../chain/audit-anchors.ts";
import { connectLedger, type Deployment, type Ledger } from "../chain/ledger.ts";
import type { Metrics } from "../http/metrics.ts";
import { CodedError } from "../../core/index.ts";
import {
  AUDIT_GENESIS,
  auditEntryHash,
  checkAuditChain,
  readAuditRows,
  type AuditHead,
  type AuditReport,
  type IssuerStore,
} from "./store.ts";

/**
 * Why the anchorer refuses to anchor (issue 22): `audit_chain_ahead` — the chain holds a larger
 * count than the log has entries (a stolen status-writer key anchored one, or entries were
 * deleted); `audit_prefix_mismatch` — the log's entry at the anchored count is not the head the
 * chain holds (the anchored part was rewritten and re-hashed, or a stolen key anchored a forged
 * head); `audit_entry_altered` — an entry after it does not hash to its stored hash. Each stays
 * on /health (degraded) until the log and the chain agree again: after an investigation, the
 * agency's identity owner resets the head on chain (`laissez agency reset-audit`).
 */
export type AuditRefusal = "audit_chain_ahead" | "audit_prefix_mismatch" | "audit_entry_altered";
export class AuditAnchorRefused extends CodedError<AuditRefusal> {}

/** The most entries one anchor covers (they are re-hashed in memory first); a log further ahead is anchored in steps, one per loop turn. */
export const AUDIT_ANCHOR_CHUNK = 100_000;

/** What /health shows of audit anchoring. */
export interface AuditAnchoringStatus {
  readonly lastAnchored: { readonly count: number; readonly at: number; readonly transaction: string } | null;
  /** `code`: an AuditRefusal, or `anchor_failed` (the chain did not take the transaction: retried). */
  readonly lastError: {
    readonly code: AuditRefusal | "anchor_failed";
    readonly message: string;
    readonly at: number;
  } | null;
  /** Entries in the log. */
  readonly entries: number;
  /** Entries after the count the chain holds (null until the chain has been asked): whoever can write the database file can rewrite these undetected. */
  readonly unanchored: number | null;
  /** When the oldest unanchored entry was written (unix seconds), and how long ago. */
  readonly oldestUnanchoredAt: number | null;
  readonly oldestUnanchoredAgeS: number | null;
}

/**
 * Puts the audit log's head on chain (`StatusRegistry.anchorAudit`, signed by the status
 * writer: a count and a hash, no personal data). Run by the anchoring loop after each status
 * step, due every `intervalMs` while the log grows (`step(true)`: now), so an entry waits at most
 * about one interval (plus a block) before it is pinned. The chain's own record (`auditHeadOf`)
 * says what is anchored, so a reset chain or a lost transaction is simply anchored again. Before
 * anchoring, the log from the anchored entry on is re-hashed and must meet the chain's head: a
 * history whose anchored part was rewritten is refused, never anchored over. A failure is
 * recorded, never thrown: audit anchoring must not hold up revocations.
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
  /** The count the chain is known to hold (null: not asked yet): no need to ask again until the log grows past it. */
  private onChain: number | null = null;
  private lastAnchored: AuditAnchoringStatus["lastAnchored"] = null;
  private lastError: AuditAnchoringStatus["lastError"] = null;

  constructor(
    store: IssuerStore,
    deployment: Deployment,
    signer: Signer,
    agency: string,
    o: { intervalMs?: number; receiptTimeoutMs?: number; confirmations?: number; metrics?: Metrics } = {},
  ) {
    this.store = store;
    this.deployment = deployment;
    this.signer = signer;
    this.agency = agency;
    this.intervalMs = o.intervalMs ?? 20_000;
    this.receiptTimeoutMs = o.receiptTimeoutMs ?? 60_000;
    this.confirmations = o.confirmations ?? 1;
    this.metrics = o.metrics;
  }

  async status(now = Math.floor(Date.now() / 1000)): Promise<AuditAnchoringStatus> {
    const head = await this.store.auditChain.head();
    const unanchored = this.onChain === null ? null : Math.max(0, head.count - this.onChain);
    const oldest = unanchored ? await this.store.auditChain.entryAt((this.onChain ?? 0) + 1) : undefined;
    const at = oldest ? Number(oldest.at) : null;
    return {
      lastAnchored: this.lastAnchored,
      lastError: this.lastError,
      entries: head.count,
      unanchored,
      oldestUnanchoredAt: at,
      oldestUnanchoredAgeS: at === null ? null : Math.max(0, now - at),
    };
  }

  /** Anchors the head if it is due (`now`: a status batch just landed); returns the head anchored, or null. */
  async step(now = false): Promise<AuditHead | null> {
    if (!now && Date.now() - this.lastTriedAt < this.intervalMs) return null;
    this.lastTriedAt = Date.now();
    try {
      const anchored = await this.anchor();
      // Further behind than one anchor covers: the next turn of the loop anchors the next step.
      if (anchored && anchored.count < (await this.store.auditChain.head()).count) this.lastTriedAt = 0;
      return anchored;
    } catch (e) {
      const code = e instanceof AuditAnchorRefused ? e.code : "anchor_failed";
      this.lastError = {
        code,
        message: String((e as Error)?.message ?? e).slice(0, 300),
        at: Math.floor(Date.now() / 1000),
      };
      this.metrics?.inc("laissez_audit_anchor_errors_total", "audit head anchoring attempts that failed, by code", {
        code,
      });
      return null;
    }
  }

  private async anchor(): Promise<AuditHead | null> {
    const head = await this.store.auditChain.head();
    // Nothing new, and nothing to re-check: no need to ask the chain.
    if (this.onChain !== null && head.count <= this.onChain && this.lastError === null) return null;
    const ledger = connectLedger(this.deployment, this.signer);
    const chainHead = await lastAuditAnchor(ledger, this.agency);
    this.onChain = chainHead.count;
    const target = await this.checkedTarget(chainHead, head.count);
    this.lastError = null;
    if (target.count <= chainHead.count) return null;
    const tx = await ledger.status.getFunction("anchorAudit")(this.agency, target.count, `0x${target.head}`);
    const receipt = await tx.wait(this.confirmations, this.receiptTimeoutMs);
    if (receipt?.status !== 1) throw new Error(`audit anchor ${String(tx.hash)} reverted`);
    this.onChain = target.count;
    this.lastAnchored = { count: target.count, at: Math.floor(Date.now() / 1000), transaction: String(tx.hash) };
    this.metrics?.inc("laissez_audit_anchors_total", "audit heads anchored on chain");
    return target;
  }

  /**
   * The head to anchor next (at most AUDIT_ANCHOR_CHUNK entries past the chain's), once the log
   * from the anchored entry on is re-hashed and found to meet the chain's head; a refusal otherwise.
   */
  private async checkedTarget(chainHead: { count: number; head: string }, entries: number): Promise<AuditHead> {
    if (chainHead.count > entries) {
      throw new AuditAnchorRefused(
        "audit_chain_ahead",
        `the chain holds ${chainHead.count} anchored audit entries, this log ${entries}: a stolen status-writer key anchored a count, or entries were deleted; after investigating, the agency's identity owner resets the head (laissez agency reset-audit)`,
      );
    }
    const to = Math.min(entries, chainHead.count + AUDIT_ANCHOR_CHUNK);
    const rows = await this.store.auditChain.entriesBetween(Math.max(1, chainHead.count), to);
    let prev = AUDIT_GENESIS;
    if (chainHead.count > 0) {
      const anchored = rows.shift();
      if (anchored?.hash !== chainHead.head) {
        throw new AuditAnchorRefused(
          "audit_prefix_mismatch",
          `entry ${chainHead.count} is not the head anchored on chain: the anchored log was rewritten (or a stolen status-writer key anchored a forged head); nothing more is anchored until the log and the chain agree (laissez audit verify names the entries)`,
        );
      }
      prev = chainHead.head;
    }
    let seq = chainHead.count;
    for (const r of rows) {
      if (Number(r.seq) !== ++seq || auditEntryHash(prev, { ...r, seq, at: Number(r.at) }) !== r.hash) {
        throw new AuditAnchorRefused(
          "audit_entry_altered",
          `audit entry ${seq} is missing or does not hash to its stored hash: not anchored`,
        );
      }
      prev = r.hash;
    }
    return { count: seq, head: prev };
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
