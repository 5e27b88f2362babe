import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import type * as Pkcs11 from "pkcs11js";
import { type KeySigner, type KeySignerAlg, SignerError } from "../../core/index.ts";

/** Where the HSM is: its PKCS#11 library, the token's label, and where the user PIN is read from. */
export interface Pkcs11Token {
  readonly library: string;
  readonly tokenLabel: string;
  readonly pinFile?: string | undefined;
  readonly pinEnv?: string | undefined;
}

// PKCS#11 3.0 names pkcs11js does not export.
const CKK_EC_EDWARDS = 0x40;
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_EDDSA = 0x1057;
/** DER OIDs as CKA_EC_PARAMS: secp256k1 (1.3.132.0.10), Ed25519 (1.3.101.112). */
const EC_PARAMS: Record<KeySignerAlg, Buffer> = {
  ES256K: Buffer.from("06052b8104000a", "hex"),
  EdDSA: Buffer.from("06032b6570", "hex"),
};
const N = secp256k1.Point.CURVE().n;

/** pkcs11js is loaded only when a PKCS#11 key is configured: nothing else (and no browser bundle) needs the native module. */
function loadPkcs11(): typeof Pkcs11 {
  try {
    return createRequire(import.meta.url)("pkcs11js") as typeof Pkcs11;
  } catch (e) {
    throw new SignerError(
      `a PKCS#11 key needs the pkcs11js package (an optional dependency; its native addon builds with node-gyp on npm install): ${(e as Error).message}`,
    );
  }
}

/** CKA_EC_POINT is the point wrapped in a DER OCTET STRING (most tokens); a few give it raw. */
function unwrapPoint(value: Buffer): Uint8Array {
  if (value[0] === 0x04 && value.length === 2 + value[1]! && value[1]! < 0x80) return new Uint8Array(value.subarray(2));
  if (value[0] === 0x04 && value[1] === 0x81 && value.length === 3 + value[2]!)
    return new Uint8Array(value.subarray(3));
  return new Uint8Array(value);
}

/** A CK_ULONG attribute (8 bytes on 64-bit platforms, 4 on some), native little-endian. */
const ulong = (b: Buffer): number => (b.length === 8 ? Number(b.readBigUInt64LE(0)) : b.readUInt32LE(0));
const big = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString("hex")}`);
const be32 = (n: bigint): Uint8Array => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, "0"), "hex"));

/**
 * An HSM's raw ECDSA r‖s over a digest → the signer contract's r‖s‖v: s made low (Ethereum and
 * libsecp256k1 accept only low s), v found by recovering with each candidate and keeping the one
 * that gives the key's own public key (the HSM does not return it).
 */
export function rsvFromHsm(rs: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): Uint8Array {
  if (rs.length !== 64) throw new SignerError(`the HSM returned a ${rs.length}-byte ECDSA signature, expected 64`);
  let s = big(rs.subarray(32));
  if (s > N / 2n) s = N - s;
  const out = new Uint8Array(65);
  out.set(rs.subarray(0, 32), 0);
  out.set(be32(s), 32);
  for (const v of [0, 1]) {
    out[64] = v;
    try {
      const recovered = secp256k1.recoverPublicKey(Uint8Array.from([v, ...out.subarray(0, 64)]), digest, {
        prehash: false,
      });
      if (Buffer.from(secp256k1.Point.fromBytes(recovered).toBytes(false)).equals(Buffer.from(publicKey))) return out;
    } catch {
      // not this v
    }
  }
  throw new SignerError("the HSM's signature recovers to neither candidate: not this key's");
}

/** An open, logged-in session on the token; every call goes through `run`, one at a time (a PKCS#11 session does one operation at once). */
export class Pkcs11Session {
  private queue: Promise<unknown> = Promise.resolve();
  readonly p: typeof Pkcs11;
  readonly module: Pkcs11.PKCS11;
  readonly session: Pkcs11.Handle;
  private constructor(p: typeof Pkcs11, module: Pkcs11.PKCS11, session: Pkcs11.Handle) {
    this.p = p;
    this.module = module;
    this.session = session;
  }

  static open(token: Pkcs11Token): Pkcs11Session {
    const p = loadPkcs11();
    const module = new p.PKCS11();
    module.load(token.library);
    module.C_Initialize();
    const slot = module.C_GetSlotList(true).find((s) => module.C_GetTokenInfo(s).label.trim() === token.tokenLabel);
    if (!slot) throw new SignerError(`no PKCS#11 token labelled ${token.tokenLabel} in ${token.library}`);
    const session = module.C_OpenSession(slot, p.CKF_SERIAL_SESSION | p.CKF_RW_SESSION);
    const pin =
      token.pinFile !== undefined ? readFileSync(token.pinFile, "utf8").trim() : process.env[token.pinEnv ?? ""];
    if (!pin) throw new SignerError(`the PIN of token ${token.tokenLabel} is empty (${token.pinFile ?? token.pinEnv})`);
    module.C_Login(session, p.CKU_USER, pin);
    return new Pkcs11Session(p, module, session);
  }

  run<T>(op: () => Promise<T> | T): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  find(objectClass: number, label: string): Pkcs11.Handle | undefined {
    this.module.C_FindObjectsInit(this.session, [
      { type: this.p.CKA_CLASS, value: objectClass },
      { type: this.p.CKA_LABEL, value: label },
    ]);
    const [handle] = this.module.C_FindObjects(this.session, 2);
    this.module.C_FindObjectsFinal(this.session);
    return handle;
  }

  attribute(handle: Pkcs11.Handle, type: number): Buffer {
    return this.module.C_GetAttributeValue(this.session, handle, [{ type }])[0]!.value as Buffer;
  }

  close(): void {
    try {
      this.module.C_Logout(this.session);
      this.module.C_CloseSession(this.session);
    } finally {
      this.module.C_Finalize();
      this.module.close();
    }
  }
}

/**
 * A KeySigner over a key inside a PKCS#11 token (issue 22): the private key never leaves it —
 * a key the token marks extractable, or not sensitive, is refused. ES256K: CKM_ECDSA on the
 * digest, then low s and the recovery id (rsvFromHsm); EdDSA: CKM_EDDSA on the message.
 */
export function pkcs11Signer(token: Pkcs11Session, label: string, alg: KeySignerAlg): KeySigner {
  const { p } = token;
  const privateKey = token.find(p.CKO_PRIVATE_KEY, label);
  const publicObject = token.find(p.CKO_PUBLIC_KEY, label);
  if (privateKey === undefined || publicObject === undefined)
    throw new SignerError(`no key pair labelled ${label} in the token`);
  const keyType = ulong(token.attribute(privateKey, p.CKA_KEY_TYPE));
  const params = token.attribute(publicObject, p.CKA_EC_PARAMS);
  if (keyType !== (alg === "EdDSA" ? CKK_EC_EDWARDS : p.CKK_EC) || !params.equals(EC_PARAMS[alg]))
    throw new SignerError(`the token's key ${label} is not an ${alg} key`);
  if (token.attribute(privateKey, p.CKA_EXTRACTABLE)[0] !== 0 || token.attribute(privateKey, p.CKA_SENSITIVE)[0] !== 1)
    throw new SignerError(
      `the token's key ${label} is extractable or not sensitive: generate it inside the token, non-extractable`,
    );
  const publicKey = unwrapPoint(token.attribute(publicObject, p.CKA_EC_POINT));
  const mechanism = { mechanism: alg === "EdDSA" ? CKM_EDDSA : p.CKM_ECDSA };
  return {
    alg,
    publicKey,
    sign: (input) =>
      token.run(async () => {
        token.module.C_SignInit(token.session, mechanism, privateKey);
        const signature = new Uint8Array(
          await token.module.C_SignAsync(token.session, Buffer.from(input), Buffer.alloc(128)),
        );
        return alg === "EdDSA" ? signature : rsvFromHsm(signature, input, publicKey);
      }),
  };
}

/** Generates a key pair inside the token: sensitive, never extractable; returns its public key. */
export function generatePkcs11Key(token: Pkcs11Session, label: string, alg: KeySignerAlg): Uint8Array {
  const { p } = token;
  const keyType = alg === "EdDSA" ? CKK_EC_EDWARDS : p.CKK_EC;
  const mechanism = { mechanism: alg === "EdDSA" ? CKM_EC_EDWARDS_KEY_PAIR_GEN : p.CKM_EC_KEY_PAIR_GEN };
  const common = [
    { type: p.CKA_KEY_TYPE, value: keyType },
    { type: p.CKA_LABEL, value: label },
    { type: p.CKA_TOKEN, value: true },
  ];
  const pair = token.module.C_GenerateKeyPair(
    token.session,
    mechanism,
    [
      { type: p.CKA_CLASS, value: p.CKO_PUBLIC_KEY },
      ...common,
      { type: p.CKA_EC_PARAMS, value: EC_PARAMS[alg] },
      { type: p.CKA_VERIFY, value: true },
    ],
    [
      { type: p.CKA_CLASS, value: p.CKO_PRIVATE_KEY },
      ...common,
      { type: p.CKA_PRIVATE, value: true },
      { type: p.CKA_SIGN, value: true },
      { type: p.CKA_SENSITIVE, value: true },
      { type: p.CKA_EXTRACTABLE, value: false },
    ],
  );
  return unwrapPoint(token.attribute(pair.publicKey, p.CKA_EC_POINT));
}
