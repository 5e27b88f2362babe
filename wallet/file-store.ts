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

/** The passphrase does not open the file (AES-GCM cannot tell a wrong key from altered bytes; the first is what happens). */
export class WalletLockedError extends Error {
  readonly code = "wallet_locked";
}

/** The file is not a sealed wallet at all: not JSON, another format, or cut short. */
export class WalletDamagedError extends Error {
  readonly code = "wallet_damaged";
}

/** Only the citizen's own account may read the wallet file and its backups. */
const PRIVATE = 0o600;

interface Sealed {
  readonly format: string;
  readonly n: number;
  readonly salt: string;
  readonly iv: string;
  readonly tag: string;
  readonly body: string;
}

function readSealed(sealed: string): Sealed {
  let s: Partial<Sealed>;
  try {
    s = JSON.parse(sealed) as Partial<Sealed>;
  } catch {
    throw new WalletDamagedError("not a readable Laissez wallet file (not JSON)");
  }
  const fields = ["salt", "iv", "tag", "body"] as const;
  if (s?.format !== "laissez-wallet/1" || !Number.isInteger(s.n) || fields.some((f) => typeof s[f] !== "string"))
    throw new WalletDamagedError("not a readable Laissez wallet file (not the laissez-wallet/1 format, or cut short)");
  return s as Sealed;
}

/** Encrypts wallet contents with a passphrase: scrypt → AES-256-GCM. The same format is the backup. */
export function sealWallet(contents: WalletContents, passphrase: string): string {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = scryptSync(passphrase, salt, 32, SCRYPT);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(contents), "utf8"), cipher.final()]);
  return JSON.stringify({
    format: "laissez-wallet/1",
    kdf: "scrypt",
    n: SCRYPT.N,
    salt: salt.toString("base64url"),
    iv: iv.toString("base64url"),
    tag: cipher.getAuthTag().toString("base64url"),
    body: body.toString("base64url"),
  });
}

export function openWallet(sealed: string, passphrase: string): WalletContents {
  const s = readSealed(sealed);
  let text: string;
  try {
    const key = scryptSync(passphrase, Buffer.from(s.salt, "base64url"), 32, { ...SCRYPT, N: s.n });
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(s.iv, "base64url"));
    decipher.setAuthTag(Buffer.from(s.tag, "base64url"));
    text = Buffer.concat([decipher.update(Buffer.from(s.body, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new WalletLockedError("wrong passphrase: it does not open this file");
  }
  return JSON.parse(text) as WalletContents;
}

/** A copy used in either wallet stays used: showing it again would link two sightings. */
function mergedCopy(a: StoredCredential, b: StoredCredential): StoredCredential {
  return a.copy && b.copy?.used && !a.copy.used ? { ...a, copy: { ...a.copy, used: true } } : a;
}

/** What a restore did: credentials new to the wallet, and those it already held. */
export interface MergeResult {
  readonly added: number;
  readonly kept: number;
  readonly total: number;
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
    const wallet = new FileWallet(path, passphrase, {
      version: 1,
      holderSecret: Buffer.from(secret).toString("base64url"),
      credentials: [],
    });
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

  /** A new wallet file from a backup (the wallet's key is the backup's). */
  static restore(path: string, backup: string, backupPassphrase: string, passphrase: string): FileWallet {
    const wallet = new FileWallet(path, passphrase, openWallet(backup, backupPassphrase));
    wallet.save();
    return wallet;
  }

  /**
   * A backup merged into this wallet, losing nothing: each credential once (by id); one the
   * backup's key was bound to keeps that key beside it; a copy used in either stays used. This
   * wallet's own key, its last sync and bundle state stay; the backup's statuses fill gaps.
   */
  merge(backup: string, backupPassphrase: string): MergeResult {
    const other = openWallet(backup, backupPassphrase);
    const own = new Map(this.contents.credentials.map((c) => [c.id, c]));
    let added = 0;
    for (const c of other.credentials) {
      const here = own.get(c.id);
      if (here) {
        own.set(c.id, mergedCopy(here, c));
        continue;
      }
      added++;
      // Bound to the backup wallet's key (not a copy with its own): that key comes along.
      const foreign = !c.copy && !c.holderSecret && other.holderSecret !== this.contents.holderSecret;
      own.set(c.id, foreign ? { ...c, holderSecret: other.holderSecret } : c);
    }
    const credentials = [...own.values()];
    const sync = this.contents.sync ?? other.sync;
    const statuses = { ...other.sync?.statuses, ...this.contents.sync?.statuses };
    this.contents = { ...this.contents, credentials, ...(sync ? { sync: { ...sync, statuses } } : {}) };
    this.save();
    return { added, kept: other.credentials.length - added, total: credentials.length };
  }

  /** The key a credential is bound to: a copy's own, one restored from another wallet's, else the wallet's. */
  keyFor(c: StoredCredential): SoftwareHolderKey {
    const secret = c.copy?.holderSecret ?? c.holderSecret;
    return secret ? holderKeyFromSecret(Buffer.from(secret, "base64url")) : this.key;
  }

  private save(): void {
    writeFileAtomic(this.path, sealWallet(this.contents, this.passphrase), PRIVATE);
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
    this.contents = {
      ...this.contents,
      credentials: [...this.contents.credentials.filter((c) => c.id !== credential.id), credential],
    };
    this.save();
  }
  /** Several credentials (a batch's copies) in one rewrite of the file: all or none. */
  async putAll(credentials: readonly StoredCredential[]): Promise<void> {
    const ids = new Set(credentials.map((c) => c.id));
    this.contents = {
      ...this.contents,
      credentials: [...this.contents.credentials.filter((c) => !ids.has(c.id)), ...credentials],
    };
    this.save();
  }
  async remove(id: string): Promise<void> {
    this.contents = { ...this.contents, credentials: this.contents.credentials.filter((c) => c.id !== id) };
    this.save();
  }
}
