import type { CredentialStore, StoredCredential } from "./store.ts";

const DB_VERSION = 1;
const CREDENTIALS = "credentials";
const KEYS = "keys";
/** Where a wallet made before per-credential keys kept its one key pair (read, never written now). */
const LEGACY_HOLDER = "holder";
const credentialKey = (id: string): string => `credential:${id}`;

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error("IndexedDB request failed"));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
    tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
  });
}

/** A received credential and the key pair it is bound to (its own: one pair per credential and per copy). */
export interface ReceivedWithKey {
  readonly credential: StoredCredential;
  readonly pair: CryptoKeyPair;
}

/**
 * The browser wallet's storage: credentials and their holder key pairs in IndexedDB. Each
 * credential (each copy of a batch) has its own pair, stored under `credential:<id>`; a wallet
 * made before that kept one pair under `holder`, still used for the credentials bound to it.
 * Pairs are stored as WebCrypto objects (structured clone); a private key is read out only by
 * the holder's export, sealed under the holder's passphrase (wallet/transfer.ts).
 */
export class IndexedDbWallet implements CredentialStore {
  private readonly db: IDBDatabase;
  private constructor(db: IDBDatabase) {
    this.db = db;
  }

  static async open(name = "laissez-wallet"): Promise<IndexedDbWallet> {
    const open = indexedDB.open(name, DB_VERSION);
    open.onupgradeneeded = () => {
      open.result.createObjectStore(CREDENTIALS, { keyPath: "id" });
      open.result.createObjectStore(KEYS);
    };
    return new IndexedDbWallet(await request(open));
  }

  private store(name: string, mode: IDBTransactionMode): IDBObjectStore {
    return this.db.transaction(name, mode).objectStore(name);
  }

  /** The pair a credential is bound to: its own, else (a wallet from before per-credential keys) the one shared pair. */
  async keyPairOf(id: string): Promise<CryptoKeyPair | undefined> {
    const keys = this.store(KEYS, "readonly");
    const own = (await request(keys.get(credentialKey(id)))) as CryptoKeyPair | undefined;
    return own ?? ((await request(this.store(KEYS, "readonly").get(LEGACY_HOLDER))) as CryptoKeyPair | undefined);
  }

  /** Stores credentials with their key pairs in one transaction: a credential is never kept without its key. */
  async putReceived(items: readonly ReceivedWithKey[]): Promise<void> {
    const tx = this.db.transaction([CREDENTIALS, KEYS], "readwrite");
    for (const { credential, pair } of items) {
      tx.objectStore(KEYS).put(pair, credentialKey(credential.id));
      tx.objectStore(CREDENTIALS).put(credential);
    }
    await done(tx);
  }

  /**
   * Takes the next unused copy of a batch and marks it used, in one read-write transaction:
   * two tabs (or two quick taps) never get the same copy. Undefined when every copy was used.
   */
  async takeCopy(batch: string): Promise<StoredCredential | undefined> {
    const tx = this.db.transaction(CREDENTIALS, "readwrite");
    const store = tx.objectStore(CREDENTIALS);
    const all = (await request(store.getAll())) as StoredCredential[];
    const next = all
      .filter((c) => c.copy?.batch === batch && !c.copy.used)
      .sort((a, b) => a.receivedAt - b.receivedAt)[0];
    const taken = next?.copy ? { ...next, copy: { ...next.copy, used: true } } : undefined;
    if (taken) store.put(taken);
    await done(tx);
    return taken;
  }

  /** Every credential with the key pair it is bound to (for moving the wallet). */
  async listWithKeys(): Promise<{ credential: StoredCredential; pair: CryptoKeyPair | undefined }[]> {
    const credentials = await this.list();
    return Promise.all(
      credentials.map(async (credential) => ({ credential, pair: await this.keyPairOf(credential.id) })),
    );
  }

  async list(): Promise<StoredCredential[]> {
    return (await request(this.store(CREDENTIALS, "readonly").getAll())) as StoredCredential[];
  }
  async get(id: string): Promise<StoredCredential | undefined> {
    return (await request(this.store(CREDENTIALS, "readonly").get(id))) as StoredCredential | undefined;
  }
  async put(credential: StoredCredential): Promise<void> {
    await request(this.store(CREDENTIALS, "readwrite").put(credential));
  }
  async remove(id: string): Promise<void> {
    const tx = this.db.transaction([CREDENTIALS, KEYS], "readwrite");
    tx.objectStore(CREDENTIALS).delete(id);
    tx.objectStore(KEYS).delete(credentialKey(id));
    await done(tx);
  }
}
