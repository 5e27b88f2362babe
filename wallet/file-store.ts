import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../io/files.ts";
import { holderKeyFromSecret, type SoftwareHolderKey } from "./holder.ts";
import type { WalletSync } from "./status.ts";
import type { CredentialStore, StoredCredential } from "./store.ts";

/** What the encrypted file holds: the holder's key, the credentials, and what the last sync found. */
interface WalletContents {
  readonly version: 1;
  readonly holderSecret: string;
  readonly credentials: StoredCredential[];
  readonly sync?: WalletSync;
  /** The highest block of an accepted bundle and its signers: a wallet refuses an older bundle. */
  readonly bundleState?: unknown;
}

/** scrypt cost: about 50 ms here; a stolen file costs an attacker that per guess. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export class WalletLockedError extends Error {
  readonly code = "wallet_locked";
}

/** Encrypts wallet contents with a passphrase: scrypt → AES-256-GCM. The same format is the backup. */
export function sealWallet(contents: WalletContents, passphrase: string): string {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = scryptSync(passphrase, salt, 32, SCRYPT);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(contents), "utf8"), cipher.final()]);
  return JSON.stringify({ format: "laissez-wallet/1", kdf: "scrypt", n: SCRYPT.N, salt: salt.toString("base64url"), iv: iv.toString("base64url"), tag: cipher.getAuthTag().toString("base64url"), body: body.toString("base64url") });
}

export function openWallet(sealed: string, passphrase: string): WalletContents {
  try {
    const s = JSON.parse(sealed) as { format: string; n: number; salt: string; iv: string; tag: string; body: string };
    if (s.format !== "laissez-wallet/1") throw new Error("not a Laissez wallet file");
    const key = scryptSync(passphrase, Buffer.from(s.salt, "base64url"), 32, { ...SCRYPT, N: s.n });
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(s.iv, "base64url"));
    decipher.setAuthTag(Buffer.from(s.tag, "base64url"));
    const text = Buffer.concat([decipher.update(Buffer.from(s.body, "base64url")), decipher.final()]).toString("utf8");
    return JSON.parse(text) as WalletContents;
  } catch {
    throw new WalletLockedError("wrong passphrase, or the wallet file is damaged");
  }
}

/**
 * The CLI wallet: one file, encrypted at rest with a passphrase. Every change rewrites it
 * atomically, so a crash leaves the old wallet or the new one.
 */
export class FileWallet implements CredentialStore {
  private contents: WalletContents;
  readonly key: SoftwareHolderKey;
  private readonly path: string;
  private readonly passphrase: string;

  private constructor(path: string, passphrase: string, contents: WalletContents) {
    this.path = path;
    this.passphrase = passphrase;
    this.contents = contents;
    this.key = holderKeyFromSecret(Buffer.from(contents.holderSecret, "base64url"));
  }

  static create(path: string, passphrase: string, secret: Uint8Array): FileWallet {
    if (existsSync(path)) throw new Error(`${path} already exists`);
    const wallet = new FileWallet(path, passphrase, { version: 1, holderSecret: Buffer.from(secret).toString("base64url"), credentials: [] });
    wallet.save();
    return wallet;
  }

  static open(path: string, passphrase: string): FileWallet {
    return new FileWallet(path, passphrase, openWallet(readFileSync(path, "utf8"), passphrase));
  }

  /** The wallet as an encrypted backup (under its own passphrase). */
  backup(passphrase: string): string {
    return sealWallet(this.contents, passphrase);
  }

  static restore(path: string, backup: string, backupPassphrase: string, passphrase: string): FileWallet {
    const wallet = new FileWallet(path, passphrase, openWallet(backup, backupPassphrase));
    wallet.save();
    return wallet;
  }

  private save(): void {
    writeFileAtomic(this.path, sealWallet(this.contents, this.passphrase));
  }

  /** What the last `sync` found (status of each credential then), if the wallet has synced. */
  get lastSync(): WalletSync | undefined {
    return this.contents.sync;
  }
  get bundleState(): unknown {
    return this.contents.bundleState;
  }
  recordSync(sync: WalletSync, bundleState: unknown): void {
    this.contents = { ...this.contents, sync, bundleState };
    this.save();
  }

  async list(): Promise<StoredCredential[]> {
    return [...this.contents.credentials];
  }
  async get(id: string): Promise<StoredCredential | undefined> {
    return this.contents.credentials.find((c) => c.id === id);
  }
  async put(credential: StoredCredential): Promise<void> {
    this.contents = { ...this.contents, credentials: [...this.contents.credentials.filter((c) => c.id !== credential.id), credential] };
    this.save();
  }
  /** Several credentials (a batch's copies) in one rewrite of the file: all or none. */
  async putAll(credentials: readonly StoredCredential[]): Promise<void> {
    const ids = new Set(credentials.map((c) => c.id));
    this.contents = { ...this.contents, credentials: [...this.contents.credentials.filter((c) => !ids.has(c.id)), ...credentials] };
    this.save();
  }
  async remove(id: string): Promise<void> {
    this.contents = { ...this.contents, credentials: this.contents.credentials.filter((c) => c.id !== id) };
    this.save();
  }
}
