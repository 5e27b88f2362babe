import { Transaction, type Provider, type Signer } from "ethers";
import { toWordMasks } from "../../core/status-words.ts";
import { connectLedger, type Deployment } from "../chain/ledger.ts";
import type { IssuerStore, StatusAction } from "./store.ts";

/** Most bits one transaction carries: 1,000 random bits cost about 10M gas (BENCHMARKS.md). */
export const MAX_BATCH = 1000;

interface PendingRow {
  seq: number;
  list_id: number;
  idx: number;
  action: StatusAction;
}

interface BatchRow {
  id: number;
  raw_tx: string;
  tx_hash: string;
}

interface BatchPlan {
  listId: number;
  set: boolean;
  rows: PendingRow[];
  indices: number[];
}

const setsBits = (action: StatusAction): boolean => action !== "reinstate";

/**
 * Anchors the outbox on chain, exactly once. A batch's transaction is signed and stored
 * (with its hash) before it is broadcast; after a crash or an outage the same bytes are sent
 * again, so the chain sees at most one transaction per batch. Rows become `anchored` only
 * from a successful receipt. One anchorer per agency key (it owns the key's nonces).
 */
export class Anchorer {
  private readonly store: IssuerStore;
  private readonly signer: Signer;
  private readonly provider: Provider;
  private readonly deployment: Deployment;
  private readonly sizes = new Map<number, number>();

  private readonly receiptTimeoutMs: number;

  constructor(store: IssuerStore, deployment: Deployment, signer: Signer, { receiptTimeoutMs = 60_000 } = {}) {
    this.receiptTimeoutMs = receiptTimeoutMs;
    if (!signer.provider) throw new TypeError("anchorer signer needs a provider");
    this.store = store;
    this.signer = signer;
    this.provider = signer.provider;
    this.deployment = deployment;
  }

  /** Settles batches in flight, then sends at most one new batch. Returns how many requests it anchored. */
  async step(): Promise<number> {
    let anchored = await this.settleInFlight();
    const plan = this.takeBatch();
    if (plan) anchored += await this.settle(await this.sign(plan));
    return anchored;
  }

  /** Steps until the outbox is empty (or `maxSteps`): used by tests, benchmarks and shutdown. */
  async drain(maxSteps = 1000): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxSteps && this.store.outboxDepth() > 0; i++) total += await this.step();
    return total;
  }

  private async settleInFlight(): Promise<number> {
    const inFlight = this.store.db.prepare("SELECT id, raw_tx, tx_hash FROM batches WHERE state = 'signed' ORDER BY id").all() as unknown as BatchRow[];
    let anchored = 0;
    for (const b of inFlight) anchored += await this.settle(b);
    return anchored;
  }

  /** Oldest pending rows of one list that change bits the same way, without passing an opposite change. */
  private takeBatch(): BatchPlan | undefined {
    const first = this.store.db.prepare("SELECT seq, list_id, idx, action FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1").get() as PendingRow | undefined;
    if (!first) return undefined;
    const rows = this.store.db.prepare("SELECT seq, list_id, idx, action FROM outbox WHERE state = 'pending' AND list_id = ? ORDER BY seq LIMIT ?").all(first.list_id, MAX_BATCH * 4) as unknown as PendingRow[];
    const set = setsBits(first.action);
    const batch: PendingRow[] = [];
    const indices = new Set<number>();
    for (const r of rows) {
      if (setsBits(r.action) !== set) break; // suspend → reinstate of one list stays in order
      batch.push(r);
      indices.add(Number(r.idx));
      if (indices.size >= MAX_BATCH) break;
    }
    return { listId: Number(first.list_id), set, rows: batch, indices: [...indices] };
  }

  /** Signs the prepared batch and records it (state `signed`) before anything is broadcast. */
  private async sign(p: BatchPlan): Promise<BatchRow> {
    const { status } = connectLedger(this.deployment, this.signer);
    let size = this.sizes.get(p.listId);
    if (size === undefined) {
      size = Number((await status.getFunction("getList")(p.listId)).size);
      this.sizes.set(p.listId, size);
    }
    const { wordIndices, masks } = toWordMasks(p.indices, size);
    const tx = await this.signer.populateTransaction(await status.getFunction("updateStatus").populateTransaction(p.listId, wordIndices, masks, p.set));
    const raw = await this.signer.signTransaction(tx);
    const hash = Transaction.from(raw).hash as string;
    const now = Math.floor(Date.now() / 1000);
    return this.store.transaction(() => {
      const id = Number(
        this.store.db.prepare("INSERT INTO batches (list_id, set_bits, raw_tx, tx_hash, state, created_at) VALUES (?, ?, ?, ?, 'signed', ?)").run(p.listId, p.set ? 1 : 0, raw, hash, now).lastInsertRowid,
      );
      const mark = this.store.db.prepare("UPDATE outbox SET state = 'sending', batch_id = ? WHERE seq = ? AND state = 'pending'");
      for (const r of p.rows) mark.run(id, r.seq);
      return { id, raw_tx: raw, tx_hash: hash };
    });
  }

  /** Broadcasts (again, if need be) and waits for the receipt; marks rows anchored or returns them to pending. */
  private async settle(b: BatchRow): Promise<number> {
    let receipt = await this.provider.getTransactionReceipt(b.tx_hash);
    if (!receipt) {
      try {
        await this.provider.broadcastTransaction(b.raw_tx);
      } catch (e) {
        // Already known or already mined: the receipt below decides. Anything else (node down) propagates.
        if (!/already known|nonce too low|known transaction|NONCE_EXPIRED/i.test(String((e as Error).message) + String((e as { code?: string }).code))) throw e;
      }
      receipt = await this.provider.waitForTransaction(b.tx_hash, 1, this.receiptTimeoutMs).catch((e: unknown) => {
        if ((e as { code?: string }).code === "TIMEOUT") return null;
        throw e;
      });
    }
    if (!receipt) {
      // The nonce went to another transaction: this batch will never land. Re-queue its rows.
      const sentNonce = Transaction.from(b.raw_tx).nonce;
      if ((await this.provider.getTransactionCount(await this.signer.getAddress(), "latest")) > sentNonce) return this.requeue(b, "replaced");
      return 0;
    }
    if (receipt.status !== 1) return this.requeue(b, "reverted");
    return this.store.transaction(() => {
      this.store.db.prepare("UPDATE batches SET state = 'anchored', block = ? WHERE id = ?").run(receipt.blockNumber, b.id);
      const changes = this.store.db.prepare("UPDATE outbox SET state = 'anchored' WHERE batch_id = ?").run(b.id).changes;
      this.store.audit("anchorer", "status.anchored", `batch:${b.id}`, { transaction: b.tx_hash, block: receipt.blockNumber, requests: Number(changes) });
      return Number(changes);
    });
  }

  private requeue(b: BatchRow, why: string): number {
    this.store.transaction(() => {
      this.store.db.prepare("UPDATE batches SET state = ? WHERE id = ?").run(why, b.id);
      this.store.db.prepare("UPDATE outbox SET state = 'pending', batch_id = NULL WHERE batch_id = ?").run(b.id);
      this.store.audit("anchorer", "status.requeued", `batch:${b.id}`, { transaction: b.tx_hash, why });
    });
    return 0;
  }
}
