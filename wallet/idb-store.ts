import type { CredentialStore, StoredCredential } from "./store.ts";

const DB_VERSION = 1;
const CREDENTIALS = "credentials";
const KEYS = "keys";

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error("IndexedDB request failed"));
  });
}

/**
 * The browser wallet's storage: credentials and the holder's key pair in IndexedDB. The key
 * pair is stored as WebCrypto objects (structured clone), so a non-extractable private key stays
 * non-extractable at rest and is never serialized into anything a script can read.
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

  async holderKeyPair(create: () => Promise<CryptoKeyPair>): Promise<CryptoKeyPair> {
    const existing = (await request(this.store(KEYS, "readonly").get("holder"))) as CryptoKeyPair | undefined;
    if (existing) return existing;
    const pair = await create();
    await request(this.store(KEYS, "readwrite").add(pair, "holder"));
    return pair;
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
    await request(this.store(CREDENTIALS, "readwrite").delete(id));
  }
}
