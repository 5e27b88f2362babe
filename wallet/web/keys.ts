/**
 * The web wallet's holder keys: one WebCrypto P-256 pair per credential (extractable only for the holder's sealed export), and per
 * copy of a batch (issue 15 item 10: a checkpoint sees a different key each time). A wallet made
 * before that keeps its one shared pair for the credentials bound to it (read-compatible: nothing
 * is rewritten). Every key is checked against the holder its credential names before it signs.
 */
import { CodedError } from "../../core/index.ts";
import type { HolderKey } from "../holder.ts";
import type { IndexedDbWallet } from "../idb-store.ts";
import { credentialHolder } from "../receive.ts";
import type { StoredCredential } from "../store.ts";
import { generateWebCryptoKeyPair, webCryptoHolderKey } from "../webcrypto-key.ts";

export class WalletKeyError extends CodedError<"holder_key_missing"> {}

export interface FreshKey {
  readonly pair: CryptoKeyPair;
  readonly key: HolderKey;
}

/** `n` new holder keys, each its own pair. */
export function freshKeys(n: number): Promise<FreshKey[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const pair = await generateWebCryptoKeyPair();
      return { pair, key: await webCryptoHolderKey(pair) };
    }),
  );
}

/** The key a credential is bound to, in this browser; refused when the stored pair is not the holder the credential names. */
export async function holderKeyFor(wallet: IndexedDbWallet, c: StoredCredential): Promise<HolderKey> {
  const pair = await wallet.keyPairOf(c.id);
  const key = pair ? await webCryptoHolderKey(pair) : undefined;
  let named: unknown;
  try {
    named = credentialHolder(c.jwt).holder;
  } catch {
    named = undefined;
  }
  if (!key || key.did !== named)
    throw new WalletKeyError("holder_key_missing", "this credential's key is not in this browser");
  return key;
}
