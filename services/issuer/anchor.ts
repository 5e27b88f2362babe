import { Transaction, type Provider, type Signer } from "ethers";
import { toWordMasks } from "../../core/status-words.ts";
import { connectLedger, type Deployment } from "../chain/ledger.ts";
import type { BatchPlan, IssuerStore, SignedBatch } from "./store.ts";

/** Most bits one transaction carries: 1,000 random bits cost about 10M gas (BENCHMARKS.md). */
export const MAX_BATCH = 1000;

export interface AnchorerOptions {
  /** How long to wait for a broadcast batch's receipt before trying again next step. */
  readonly receiptTimeoutMs?: number;
  /** Unix seconds, for the records it writes. */
  readonly now?: () => number;
}

/**
 * Anchors the outbox on chain, exactly once. A batch's transaction is signed and stored
 * (with its hash) before it is broadcast; after a crash or an outage the same bytes are sent
 * again, so the chain sees at most one transaction per batch. Requests become `anchored` only
 * from a successful receipt. One anchorer per agency key (it owns the key's nonces). It moves
 * requests through the outbox's states only with the outbox's methods.
 */
export class Anchorer {
  private readonly store: IssuerStore;
  private readonly signer: Signer;
  private readonly provider: Provider;
  private readonly deployment: Deployment;
  private readonly sizes = new Map<number, number>();
  private readonly receiptTimeoutMs: number;
  private readonly now: () => number;

  constructor(store: IssuerStore, deployment: Deployment, signer: Signer, { receiptTimeoutMs = 60_000, now = () => Math.floor(Date.now() / 1000) }: AnchorerOptions = {}) {
    if (!signer.provider) throw new TypeError("anchorer signer needs a provider");
    this.store = store;
    this.signer = signer;
    this.provider = signer.provider;
    this.deployment = deployment;
    this.receiptTimeoutMs = receiptTimeoutMs;
    this.now = now;
  }

  /** Settles batches in flight, then sends at most one new batch. Returns how many requests it anchored. */
  async step(): Promise<number> {
    let anchored = 0;
    for (const b of this.store.outbox.signedBatches()) anchored += await this.settle(b);
    const plan = this.store.outbox.nextBatch(MAX_BATCH);
    if (plan) anchored += await this.settle(await this.sign(plan));
    return anchored;
  }

  /** Steps until the outbox is empty (or `maxSteps`): used by tests, benchmarks and shutdown. */
  async drain(maxSteps = 1000): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxSteps && this.store.outbox.depth() > 0; i++) total += await this.step();
    return total;
  }

  /** Signs the planned batch and records it (state `signed`) before anything is broadcast. */
  private async sign(p: BatchPlan): Promise<SignedBatch> {
    const { status } = connectLedger(this.deployment, this.signer);
    let size = this.sizes.get(p.listId);
    if (size === undefined) {
      size = Number((await status.getFunction("getList")(p.listId)).size);
      this.sizes.set(p.listId, size);
    }
    const { wordIndices, masks } = toWordMasks(p.indices, size);
    const tx = await this.signer.populateTransaction(await status.getFunction("updateStatus").populateTransaction(p.listId, wordIndices, masks, p.set));
    const raw = await this.signer.signTransaction(tx);
    return this.store.outbox.recordSigned(p, raw, Transaction.from(raw).hash as string, this.now());
  }

  /** Broadcasts (again, if need be) and waits for the receipt; marks the batch anchored or re-queues it. */
  private async settle(b: SignedBatch): Promise<number> {
    let receipt = await this.provider.getTransactionReceipt(b.txHash);
    if (!receipt) {
      try {
        await this.provider.broadcastTransaction(b.rawTx);
      } catch (e) {
        // Already known or already mined: the receipt below decides. Anything else (node down) propagates.
        if (!/already known|nonce too low|known transaction|NONCE_EXPIRED/i.test(String((e as Error).message) + String((e as { code?: string }).code))) throw e;
      }
      receipt = await this.provider.waitForTransaction(b.txHash, 1, this.receiptTimeoutMs).catch((e: unknown) => {
        if ((e as { code?: string }).code === "TIMEOUT") return null;
        throw e;
      });
    }
    if (!receipt) {
      // The nonce went to another transaction: this batch will never land. Re-queue its requests.
      const sentNonce = Transaction.from(b.rawTx).nonce;
      if ((await this.provider.getTransactionCount(await this.signer.getAddress(), "latest")) > sentNonce) this.store.outbox.requeue(b, "replaced", this.now());
      return 0;
    }
    if (receipt.status !== 1) {
      this.store.outbox.requeue(b, "reverted", this.now());
      return 0;
    }
    return this.store.outbox.markAnchored(b, receipt.blockNumber, this.now());
  }
}
