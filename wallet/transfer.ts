/**
 * Moving the web wallet to a new phone (issue 26 item 4): every credential with its holder key,
 * sealed under the holder's passphrase — PBKDF2-SHA-256 (600,000 iterations) → AES-256-GCM over
 * the whole content (the claims are personal data too), with WebCrypto only, so it runs in any
 * browser. Keys travel only inside that ciphertext. A key made non-extractable (a wallet from
 * before this) cannot be read by any script: its credentials are named as not movable, and are
 * received again from the agency on the new phone. Browser-safe: no DOM, no node:*.
 */
import { base64urlDecode, base64urlEncode, fromUtf8, utf8 } from "../core/index.ts";
import type { StoredCredential } from "./store.ts";

export const TRANSFER_FORMAT = "laissez-web-wallet/1";
/** OWASP's 2023 figure for PBKDF2-HMAC-SHA-256; about a second on a phone, once per export or import. */
export const PBKDF2_ITERATIONS = 600_000;

const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;

export interface TransferItem {
  readonly credential: StoredCredential;
  readonly pair: CryptoKeyPair | undefined;
}

interface Sealed {
  readonly format: typeof TRANSFER_FORMAT;
  readonly kdf: {
    readonly name: "PBKDF2";
    readonly hash: "SHA-256";
    readonly iterations: number;
    readonly salt: string;
  };
  readonly iv: string;
  readonly body: string;
}

interface Content {
  readonly credentials: StoredCredential[];
  /** The private key of each credential (by id) as a JWK (d, x, y): only inside the ciphertext. */
  readonly keys: Record<string, JsonWebKey>;
}

export class TransferError extends Error {
  readonly code: "transfer_damaged" | "transfer_locked";
  constructor(code: "transfer_damaged" | "transfer_locked", message: string) {
    super(message);
    this.code = code;
  }
}

async function passphraseKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey(
    "raw",
    utf8(passphrase.normalize("NFC")) as Uint8Array<ArrayBuffer>,
    "PBKDF2",
    false,
    ["deriveKey"],
  );
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as Uint8Array<ArrayBuffer>, iterations },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** The wallet sealed under `passphrase`, and the credentials whose keys could not come along. */
export async function exportWallet(
  items: readonly TransferItem[],
  passphrase: string,
): Promise<{ text: string; moved: number; unmovable: StoredCredential[] }> {
  const keys: Record<string, JsonWebKey> = {};
  const credentials: StoredCredential[] = [];
  const unmovable: StoredCredential[] = [];
  for (const { credential, pair } of items) {
    if (!pair?.privateKey.extractable) {
      unmovable.push(credential);
      continue;
    }
    keys[credential.id] = await crypto.subtle.exportKey("jwk", pair.privateKey);
    credentials.push(credential);
  }
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await passphraseKey(passphrase, salt, PBKDF2_ITERATIONS);
  const content: Content = { credentials, keys };
  const body = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, utf8(JSON.stringify(content)) as Uint8Array<ArrayBuffer>),
  );
  const sealed: Sealed = {
    format: TRANSFER_FORMAT,
    kdf: { name: "PBKDF2", hash: "SHA-256", iterations: PBKDF2_ITERATIONS, salt: base64urlEncode(salt) },
    iv: base64urlEncode(iv),
    body: base64urlEncode(body),
  };
  return { text: JSON.stringify(sealed), moved: credentials.length, unmovable };
}

function readSealed(text: string): Sealed {
  let s: Partial<Sealed>;
  try {
    s = JSON.parse(text) as Partial<Sealed>;
  } catch {
    throw new TransferError("transfer_damaged", "not JSON");
  }
  const k = s?.kdf;
  const ok =
    s?.format === TRANSFER_FORMAT &&
    k?.name === "PBKDF2" &&
    k.hash === "SHA-256" &&
    Number.isInteger(k.iterations) &&
    k.iterations >= 100_000 &&
    k.iterations <= 10_000_000 &&
    typeof k.salt === "string" &&
    typeof s.iv === "string" &&
    typeof s.body === "string";
  if (!ok) throw new TransferError("transfer_damaged", `not a ${TRANSFER_FORMAT} file, or cut short`);
  return s as Sealed;
}

/** Each credential of a sealed wallet with its key pair, usable for signing on this device. */
export async function importWallet(
  text: string,
  passphrase: string,
): Promise<{ credential: StoredCredential; pair: CryptoKeyPair }[]> {
  const s = readSealed(text);
  let plain: Uint8Array;
  try {
    const key = await passphraseKey(passphrase, base64urlDecode(s.kdf.salt, "salt"), s.kdf.iterations);
    plain = new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: base64urlDecode(s.iv, "iv") as Uint8Array<ArrayBuffer> },
        key,
        base64urlDecode(s.body, "body") as Uint8Array<ArrayBuffer>,
      ),
    );
  } catch {
    // AES-GCM cannot tell a wrong passphrase from altered bytes; the first is what happens.
    throw new TransferError("transfer_locked", "the passphrase does not open this file");
  }
  const content = JSON.parse(fromUtf8(plain)) as Content;
  return Promise.all(
    content.credentials.map(async (credential) => {
      const jwk = content.keys[credential.id];
      if (!jwk?.d || !jwk.x || !jwk.y) throw new TransferError("transfer_damaged", `no key for ${credential.id}`);
      // Extractable again, so the wallet can move a second time.
      const privateKey = await crypto.subtle.importKey("jwk", jwk, ECDSA_P256, true, ["sign"]);
      const publicKey = await crypto.subtle.importKey(
        "jwk",
        { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y },
        ECDSA_P256,
        true,
        ["verify"],
      );
      return { credential, pair: { privateKey, publicKey } };
    }),
  );
}

/**
 * What an import adds to a wallet that already holds `here`: credentials it lacks; a copy used in
 * either stays used (showing it again would link two sightings). Nothing already here is lost.
 */
export function mergeImport(
  here: readonly StoredCredential[],
  incoming: readonly { credential: StoredCredential; pair: CryptoKeyPair }[],
): { add: { credential: StoredCredential; pair: CryptoKeyPair }[]; markUsed: StoredCredential[] } {
  const known = new Map(here.map((c) => [c.id, c]));
  const add = incoming.filter((i) => !known.has(i.credential.id));
  const markUsed = incoming.flatMap(({ credential: c }) => {
    const mine = known.get(c.id);
    return mine?.copy && !mine.copy.used && c.copy?.used ? [{ ...mine, copy: { ...mine.copy, used: true } }] : [];
  });
  return { add, markUsed };
}
