import type { StoredCredential } from "./store.ts";

/**
 * Batch copies in the wallet: copies of one credential show as one entry, and each presentation
 * takes a copy not presented before. When every copy is used the wallet refuses (it does not
 * present a used copy again: that would hand colluding checkpoints the link the copies exist to
 * avoid) and asks the holder to receive a new batch.
 */
export interface WalletEntry {
  readonly credential: StoredCredential;
  /** Copies in the batch and how many are still unused (1 and 1 for a credential issued alone). */
  readonly copies: number;
  readonly unused: number;
}

/** One entry per credential: a batch's copies fold into its first unused copy (or its first, when all are used). */
export function walletEntries(credentials: readonly StoredCredential[]): WalletEntry[] {
  const batches = new Map<string, StoredCredential[]>();
  const entries: (WalletEntry | string)[] = [];
  for (const c of [...credentials].sort((a, b) => a.receivedAt - b.receivedAt)) {
    if (!c.copy) {
      entries.push({ credential: c, copies: 1, unused: 1 });
      continue;
    }
    const group = batches.get(c.copy.batch);
    if (group) group.push(c);
    else {
      batches.set(c.copy.batch, [c]);
      entries.push(c.copy.batch);
    }
  }
  return entries.map((e) => {
    if (typeof e !== "string") return e;
    const group = batches.get(e) as StoredCredential[];
    const unused = group.filter((c) => !c.copy?.used);
    return { credential: unused[0] ?? (group[0] as StoredCredential), copies: group.length, unused: unused.length };
  });
}

/** The copy to present next, or undefined when every copy of the batch was presented. */
export function nextCopy(
  credentials: readonly StoredCredential[],
  entry: StoredCredential,
): StoredCredential | undefined {
  if (!entry.copy) return entry;
  const batch = entry.copy.batch;
  return credentials.find((c) => c.copy?.batch === batch && !c.copy.used);
}
