import { Transaction, type Provider, type Signer, type TransactionReceipt, type TransactionRequest } from "ethers";
import { CodedError, toWordMasks } from "../../core/index.ts";
import { connectLedger, type Deployment } from "../chain/ledger.ts";
import type { Metrics } from "../http/metrics.ts";
import type { AuditAnchoringStatus } from "./audit-anchor.ts";
import { planBatch, planningWindow, type BatchPlan, type IssuerStore, type SignedBatch } from "./store.ts";

/** Most bits one transaction carries, whatever the gas: bounds its calldata and event (1,000 random bits ≈ 10 M gas). */
export const MAX_BATCH = 1000;

export class PublishError extends CodedError<"chain_unavailable" | "insufficient_funds" | "transaction_reverted"> {}

export interface StatusPublisherOptions {
  /** How long to wait for a broadcast batch's receipt before trying again next step. */
  readonly receiptTimeoutMs?: number;
  /** How often to ask for the receipt meanwhile. */
  readonly receiptPollMs?: number;
  /** Unix seconds, for the records it writes. */
  readonly now?: () => number;
  readonly metrics?: Metrics;
  /**
   * Blocks that must hold a batch's transaction (its own included) before its requests count as
   * anchored. 1 on the Besu QBFT network, where a block is final; more on a client without
   * finality. Until then the batch stays `sending`, and if its block disappears the same signed
   * bytes are sent again.
   */
  readonly confirmations?: number;
  /** The share of the block gas limit one batch may use (the rest stays free for others' transactions). */
  readonly blockGasShare?: number;
}

/** A planned batch with its call and the gas it needs, within the budget. */
interface SizedBatch {
  readonly plan: BatchPlan;
  readonly call: TransactionRequest;
  readonly gas: bigint;
  readonly blockGasLimit: bigint;
}

/** What /health shows of the worker. */
export interface PublishingStatus {
  readonly lastError: { readonly code: string; readonly message: string; readonly at: number } | null;
  /** Batches returned to pending since start, by why (replaced, nonce_gap, reverted, lost). */
  readonly requeued: Readonly<Record<string, number>>;
  readonly lastReconcile: { readonly at: number; readonly checked: number; readonly requeued: number } | null;
  /** The audit log's head on chain (audit-anchor.ts). */
  readonly audit?: AuditAnchoringStatus;
}

/**
 * How a node refused a stored transaction. `known`: it has it already (or mined it); the
 * receipt decides. `nonce_consumed`: another transaction took its nonce, it can never be mined.
 * `nonce_gap`: its nonce is ahead of the account's (the chain was reset), it would wait forever.
 * `insufficient_funds`: the key cannot pay; nothing to do but report it. Anything else is
 * transient (node down, timeout): try again later.
 */
export function classifyRefusal(
  e: unknown,
): "known" | "nonce_consumed" | "nonce_gap" | "insufficient_funds" | "transient" {
  const text = `${String((e as Error)?.message)} ${String((e as { code?: string })?.code)} ${JSON.stringify((e as { error?: unknown })?.error ?? null)}`;
  if (/already known|known transaction|already imported|ALREADY_KNOWN/i.test(text)) return "known";
  if (/nonce too low|NONCE_EXPIRED|NONCE_TOO_LOW/i.test(text)) return "nonce_consumed";
  if (/nonce too high|NONCE_TOO_HIGH|too far in (the )?future/i.test(text)) return "nonce_gap";
  if (/insufficient funds|INSUFFICIENT_FUNDS|UPFRONT_COST_EXCEEDS_BALANCE/i.test(text)) return "insufficient_funds";
  return "transient";
}

/**
 * Publishes the outbox's status changes on chain, exactly once. A batch's transaction is signed and stored
 * (with its hash) before it is broadcast; after a crash or an outage the same bytes are sent
 * again, so the chain sees at most one transaction per batch. Requests become `anchored` only
 * from a successful receipt; a transaction that can no longer be mined (its nonce taken, or
 * ahead of a reset chain) has set nothing — no receipt for its hash — and its requests are
 * re-signed with a fresh nonce. One publisher per agency key (it owns the key's nonces). It
 * moves requests through the outbox's states only with the outbox's methods.
 */
export class StatusPublisher {
  private readonly store: IssuerStore;
  private readonly signer: Signer;
  private readonly provider: Provider;
  private readonly deployment: Deployment;
  private readonly sizes = new Map<number, number>();
  private readonly receiptTimeoutMs: number;
  private readonly receiptPollMs: number;
  private readonly now: () => number;
  private readonly metrics: Metrics | undefined;
  private lastError: PublishingStatus["lastError"] = null;
  private lastReconcile: PublishingStatus["lastReconcile"] = null;
  private readonly requeued: Record<string, number> = {};

  private readonly confirmations: number;
  private readonly blockGasShare: number;

  constructor(store: IssuerStore, deployment: Deployment, signer: Signer, o: StatusPublisherOptions = {}) {
    const { confirmations = 1, blockGasShare = 0.5 } = o;
    if (!Number.isSafeInteger(confirmations) || confirmations < 1)
      throw new RangeError("confirmations must be an integer ≥ 1");
    if (!(blockGasShare > 0 && blockGasShare <= 1)) throw new RangeError("blockGasShare must be in (0, 1]");
    this.confirmations = confirmations;
    this.blockGasShare = blockGasShare;
    if (!signer.provider) throw new TypeError("status publisher signer needs a provider");
    this.store = store;
    this.signer = signer;
    this.provider = signer.provider;
    this.deployment = deployment;
    this.receiptTimeoutMs = o.receiptTimeoutMs ?? 60_000;
    this.receiptPollMs = o.receiptPollMs ?? 250;
    this.now = o.now ?? (() => Math.floor(Date.now() / 1000));
    this.metrics = o.metrics;
  }

  status(): PublishingStatus {
    return { lastError: this.lastError, requeued: { ...this.requeued }, lastReconcile: this.lastReconcile };
  }

  /** Settles batches in flight, then sends at most one new batch. Returns how many requests it anchored. */
  async step(): Promise<number> {
    return this.recording(async () => {
      let anchored = 0;
      for (const b of await this.store.outbox.signedBatches()) anchored += await this.settle(b);
      const sized = await this.nextSizedBatch();
      if (sized) anchored += await this.settle(await this.sign(sized));
      return anchored;
    });
  }

  /** Steps until the outbox is empty (or `maxSteps`): used by tests, benchmarks and shutdown. */
  async drain(maxSteps = 1000): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxSteps && (await this.store.outbox.depth()) > 0; i++) total += await this.step();
    return total;
  }

  /**
   * Checks the most recent anchored batches against the chain: one whose receipt is gone (the
   * chain was reset, or the block reorganised away) goes back to pending. Returns how many.
   */
  async reconcile(limit = 200): Promise<number> {
    return this.recording(async () => {
      const head = await this.provider.getBlockNumber();
      let checked = 0;
      let requeued = 0;
      for (const b of await this.store.outbox.anchoredBatches(limit)) {
        checked++;
        const receipt = b.block > head ? null : await this.provider.getTransactionReceipt(b.txHash);
        if (receipt?.status === 1) continue;
        await this.requeue(b, "lost");
        requeued++;
      }
      this.lastReconcile = { at: this.now(), checked, requeued };
      return requeued;
    });
  }

  private async recording<T>(work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      this.lastError = null;
      return result;
    } catch (e) {
      const code = e instanceof PublishError ? e.code : "chain_unavailable";
      this.lastError = { code, message: String((e as Error)?.message ?? e).slice(0, 200), at: this.now() };
      this.metrics?.inc("laissez_anchor_errors_total", "anchoring steps that failed", { code });
      throw e;
    }
  }

  /** The `updateStatus` call that anchors a plan. */
  private async updateCall(p: BatchPlan): Promise<TransactionRequest> {
    const { status } = connectLedger(this.deployment, this.signer);
    // A transaction to an address without code "succeeds": never sign for a chain that lacks the registry (a reset chain).
    if ((await this.provider.getCode(this.deployment.statusRegistry)) === "0x")
      throw new PublishError("chain_unavailable", "no status registry on this chain (was it reset?)");
    let size = this.sizes.get(p.listId);
    if (size === undefined) {
      size = Number((await status.getFunction("getList")(p.listId)).size);
      this.sizes.set(p.listId, size);
    }
    const { wordIndices, masks } = toWordMasks(p.indices, size);
    return status.getFunction("updateStatus").populateTransaction(p.listId, wordIndices, masks, p.set);
  }

  /**
   * The next batch, sized by gas: the oldest pending requests (at most MAX_BATCH bits) whose
   * transaction the node estimates within `blockGasShare` of the latest block's gas limit. Gas
   * grows with the 256-bit words a batch touches (scattered bits: one fresh word each), so when
   * the estimate is over budget the batch shrinks in proportion and is estimated again.
   */
  private async nextSizedBatch(): Promise<SizedBatch | undefined> {
    // Idle: nothing to ask the node (the loop steps every interval).
    if ((await this.store.outbox.depth()) === 0) return undefined;
    const blockGasLimit = (await this.provider.getBlock("latest"))?.gasLimit;
    if (!blockGasLimit) throw new Error("the node did not return the latest block");
    const budget = (blockGasLimit * BigInt(Math.round(this.blockGasShare * 1000))) / 1000n;
    const from = await this.signer.getAddress();
    let maxBits = MAX_BATCH;
    for (let attempt = 0; attempt < 8; attempt++) {
      const pending = await this.store.outbox.pendingOfOldestList(planningWindow(maxBits));
      const plan = pending && planBatch(pending.listId, pending.requests, maxBits);
      if (!plan) return undefined;
      const call = await this.updateCall(plan);
      const gas = await this.provider.estimateGas({ ...call, from });
      if (gas <= budget) return { plan, call, gas, blockGasLimit };
      if (plan.indices.length === 1)
        throw new Error(
          `one status change needs ${gas} gas, more than the batch budget ${budget} (block gas limit ${blockGasLimit})`,
        );
      maxBits = Math.max(
        1,
        Math.min(plan.indices.length - 1, Math.floor((plan.indices.length * Number(budget) * 0.9) / Number(gas))),
      );
    }
    throw new Error(`no batch within the gas budget ${budget} after 8 estimates`);
  }

  /** Signs the sized batch and records it (state `signed`) before anything is broadcast. */
  private async sign({ plan, call, gas, blockGasLimit }: SizedBatch): Promise<SignedBatch> {
    // Headroom over the estimate, never above what a block holds.
    const gasLimit = (gas * 12n) / 10n < blockGasLimit ? (gas * 12n) / 10n : blockGasLimit;
    const tx = await this.signer.populateTransaction({ ...call, gasLimit });
    const raw = await this.signer.signTransaction(tx);
    return this.store.outbox.recordSigned(plan, raw, Transaction.from(raw).hash as string, this.now());
  }

  /** Broadcasts (again, if need be) and waits for the receipt; marks the batch anchored or re-queues it. */
  private async settle(b: SignedBatch): Promise<number> {
    let receipt = await this.provider.getTransactionReceipt(b.txHash);
    if (!receipt) {
      try {
        await this.provider.broadcastTransaction(b.rawTx);
      } catch (e) {
        const refusal = classifyRefusal(e);
        // No receipt for its hash: this transaction set no bit. Re-sign its requests with a fresh nonce.
        if (refusal === "nonce_consumed" || refusal === "nonce_gap")
          return this.requeue(b, refusal === "nonce_gap" ? "nonce_gap" : "replaced");
        if (refusal === "insufficient_funds")
          throw new PublishError("insufficient_funds", "the agency key cannot pay for its status transaction: fund it");
        if (refusal === "transient") throw e;
      }
      receipt = await this.awaitReceipt(b.txHash);
    }
    if (!receipt) {
      // Still no receipt. The nonce went to another transaction: this batch will never land. Or
      // the account is behind the nonce (the chain was reset): batches go one at a time, so no
      // transaction of ours will fill the gap. Either way it set nothing: re-queue its requests.
      const sentNonce = Transaction.from(b.rawTx).nonce;
      const mined = await this.provider.getTransactionCount(await this.signer.getAddress(), "latest");
      if (mined > sentNonce) return this.requeue(b, "replaced");
      if (mined < sentNonce) return this.requeue(b, "nonce_gap");
      return 0;
    }
    // Anchored means: mined, succeeded, and the registry said so (its StatusUpdated log).
    const registry = this.deployment.statusRegistry.toLowerCase();
    if (receipt.status !== 1 || !receipt.logs.some((l) => l.address.toLowerCase() === registry)) {
      await this.requeue(b, "reverted");
      throw new PublishError("transaction_reverted", `status transaction ${b.txHash} reverted or changed nothing`);
    }
    // Not final yet: checked again next step. Should its block disappear meanwhile, the receipt
    // is gone and the same signed bytes are sent again above (one transaction, one nonce).
    if (this.confirmations > 1 && (await this.provider.getBlockNumber()) - receipt.blockNumber + 1 < this.confirmations)
      return 0;
    return this.store.outbox.markAnchored(b, receipt.blockNumber, this.now());
  }

  /** Polls for the receipt (each call bounded by the provider's RPC timeout); null after receiptTimeoutMs. */
  private async awaitReceipt(hash: string): Promise<TransactionReceipt | null> {
    const deadline = Date.now() + this.receiptTimeoutMs;
    for (;;) {
      const receipt = await this.provider.getTransactionReceipt(hash);
      if (receipt || Date.now() >= deadline) return receipt;
      await new Promise((r) => setTimeout(r, this.receiptPollMs));
    }
  }

  private async requeue(b: SignedBatch, why: string): Promise<number> {
    await this.store.outbox.requeue(b, why, this.now());
    this.requeued[why] = (this.requeued[why] ?? 0) + 1;
    this.metrics?.inc("laissez_anchor_requeued_total", "batches returned to pending", { why });
    return 0;
  }
}

/**
 * The publishing loop (the status publisher and the audit head): one step at a time, reconciliation at start, every `reconcileMs`, and as
 * soon as the chain answers again after a failure. A
 * chain outage leaves requests pending and is retried with backoff; nothing here can end the
 * process. `stop()` resolves once the current step has ended (or after 2 s: a step caught by a
 * chain that is already gone is safe to abandon — its transaction is stored and re-sent).
 */
export function startPublishing(
  publisher: StatusPublisher,
  store: IssuerStore,
  o: {
    intervalMs: number;
    reconcileMs: number;
    log: (e: Record<string, unknown>) => void;
    audit?: { step(): Promise<unknown> };
  },
) {
  let running = true;
  let failures = 0;
  let reconciledAt = -Infinity;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const loop = (async () => {
    while (running) {
      try {
        if (Date.now() - reconciledAt >= o.reconcileMs) {
          const requeued = await publisher.reconcile();
          reconciledAt = Date.now();
          if (requeued > 0)
            o.log({ level: "warn", msg: "anchored batches missing on chain: re-queued", batches: requeued });
        }
        const anchored = await publisher.step();
        if (anchored > 0) o.log({ level: "info", msg: "anchored", requests: anchored });
        // The audit head goes on chain from the same loop, every LAISSEZ_AUDIT_ANCHOR_MS while the log grows; it never throws.
        await o.audit?.step();
        failures = 0;
        // Idle, or a batch waiting for confirmations: no point asking the node again at once.
        if (anchored === 0 || (await store.outbox.depth()) === 0) await sleep(o.intervalMs);
      } catch (e) {
        failures++;
        // The node may come back reset or without its last blocks (a restart that lost unflushed
        // writes): reconcile first thing once it answers, not at the next periodic check —
        // meanwhile checkpoints would take a lost revocation for anchored.
        reconciledAt = -Infinity;
        o.log({
          level: "warn",
          msg: "anchoring failed; will retry",
          error: String((e as Error)?.message ?? e).slice(0, 200),
          failures,
        });
        await sleep(Math.min(10_000, o.intervalMs * 2 ** Math.min(failures, 5)));
      }
    }
  })();
  return {
    async stop(): Promise<void> {
      running = false;
      await Promise.race([loop, new Promise((r) => setTimeout(r, 2000).unref())]);
    },
  };
}
