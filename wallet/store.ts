/** A credential as the wallet keeps it: the JWT and what the wallet shows without parsing it again. */
export interface StoredCredential {
  readonly id: string;
  readonly jwt: string;
  readonly type: string;
  readonly issuer: { readonly did: string; readonly name?: string; readonly region?: string };
  readonly validUntil: number;
  readonly receivedAt: number;
  /**
   * One of several copies of a credential (batch issuance for unlinkability): each copy has its
   * own holder key and is presented once. The CLI wallet keeps the key's secret here (inside its
   * encrypted file); the web wallet keeps a non-extractable WebCrypto pair in IndexedDB instead.
   */
  readonly copy?: { readonly batch: string; readonly holderSecret?: string; readonly used: boolean };
  /**
   * CLI wallet: the secret of the key this credential is bound to when it is not the wallet's own
   * (restored from another wallet's backup, which brought its key along).
   */
  readonly holderSecret?: string;
}

/** Where the wallet keeps credentials: a file (CLI), IndexedDB (browser), memory (tests). */
export interface CredentialStore {
  list(): Promise<StoredCredential[]>;
  get(id: string): Promise<StoredCredential | undefined>;
  put(credential: StoredCredential): Promise<void>;
  remove(id: string): Promise<void>;
}

export class MemoryCredentialStore implements CredentialStore {
  private readonly items = new Map<string, StoredCredential>();
  async list(): Promise<StoredCredential[]> {
    return [...this.items.values()];
  }
  async get(id: string): Promise<StoredCredential | undefined> {
    return this.items.get(id);
  }
  async put(credential: StoredCredential): Promise<void> {
    this.items.set(credential.id, credential);
  }
  async remove(id: string): Promise<void> {
    this.items.delete(id);
  }
}
