import type { CredentialRecord, CredentialStore, Recording } from "./types.ts";

interface Waiting {
  readonly item: Recording;
  readonly resolve: (r: CredentialRecord) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Group commit, over any store: issuances arriving in the same turn of the event loop are handed
 * to `recordAll` together — one transaction, one disk sync — and each promise settles only after
 * that commit is durable, with its own outcome (one failure fails only itself). The same
 * guarantee as recording each alone, with far fewer syncs.
 */
export class GroupCommit {
  readonly #credentials: CredentialStore;
  #waiting: Waiting[] = [];

  constructor(credentials: CredentialStore) {
    this.#credentials = credentials;
  }

  record(
    request: Recording["request"],
    idempotencyKey: string | undefined,
    operator: string,
  ): Promise<CredentialRecord> {
    return new Promise((resolve, reject) => {
      if (this.#waiting.push({ item: { request, idempotencyKey, operator }, resolve, reject }) === 1)
        setImmediate(() => void this.#flush());
    });
  }

  async #flush(): Promise<void> {
    const group = this.#waiting;
    this.#waiting = [];
    try {
      const outcomes = await this.#credentials.recordAll(group.map((w) => w.item));
      group.forEach((w, i) => {
        const o = outcomes[i]!;
        if (o.ok) w.resolve(o.value);
        else w.reject(o.error);
      });
    } catch (error) {
      for (const w of group) w.reject(error);
    }
  }
}
