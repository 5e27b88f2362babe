import { p256 } from "@noble/curves/nist.js";
import { base58 } from "@scure/base";
import { base64urlDecode, base64urlEncode, bytesToHex, fromUtf8, utf8 } from "./encoding.ts";
import { isObject, parseJson } from "./json.ts";

const ETHR = /^did:ethr:0x([0-9a-f]+):(0x[0-9a-fA-F]{40})$/;

/** An agency's did:ethr on the consortium chain: did:ethr:<chainId hex>:<address>. */
export function ethrDid(chainId: number, address: string): string {
  return `did:ethr:0x${chainId.toString(16)}:${address.toLowerCase()}`;
}

export function parseEthrDid(did: string): { chainId: number; address: string } | null {
  const m = ETHR.exec(did);
  if (!m) return null;
  return { chainId: parseInt(m[1] as string, 16), address: (m[2] as string).toLowerCase() };
}

/** P-256 multicodec (0x1200) as a varint: the did:key prefix of a compressed P-256 key. */
const P256_MULTICODEC = [0x80, 0x24];

/** did:key for a P-256 public key (compressed, base58btc): the compact form for QR codes. */
export function p256DidKey(publicKey: Uint8Array): string {
  const compressed = p256.Point.fromBytes(publicKey).toBytes(true);
  return `did:key:z${base58.encode(Uint8Array.from([...P256_MULTICODEC, ...compressed]))}`;
}

/** did:jwk for a P-256 public key. */
export function p256DidJwk(publicKey: Uint8Array): string {
  const raw = p256.Point.fromBytes(publicKey).toBytes(false);
  const jwk = {
    crv: "P-256",
    kty: "EC",
    x: base64urlEncode(raw.subarray(1, 33)),
    y: base64urlEncode(raw.subarray(33)),
  };
  return `did:jwk:${base64urlEncode(utf8(JSON.stringify(jwk)))}`;
}

/** Why a string is not a holder DID Laissez accepts (reason codes, core/reasons.ts). */
export type HolderDidProblem = "holder_did_unsupported" | "holder_did_noncanonical";

/**
 * The P-256 public key (65-byte uncompressed SEC1) a holder DID names, or null when the DID
 * is not a P-256 did:key or did:jwk in its one canonical spelling (see `holderDidProblem`).
 * Pure: resolving these methods needs no network.
 */
export function holderPublicKey(did: string): Uint8Array | null {
  const key = anyHolderKey(did);
  return key && isCanonical(did, key) ? key : null;
}

/**
 * What is wrong with a holder DID, or null when it is accepted. One key has one spelling per
 * method (issue 22 item 9): did:key as `p256DidKey` writes it, did:jwk exactly as `p256DidJwk`
 * writes it (members crv, kty, x, y in that order, no others, no whitespace). Another spelling
 * of a key — members reordered, extra members, whitespace — is refused, not normalised: it would
 * let one key pass as several holders, and put a stranger's JSON into an issuer-signed `sub`.
 */
export function holderDidProblem(did: string): HolderDidProblem | null {
  const key = anyHolderKey(did);
  if (!key) return "holder_did_unsupported";
  return isCanonical(did, key) ? null : "holder_did_noncanonical";
}

/**
 * `holderDidProblem` for a credential's `sub`, without the curve arithmetic a did:key costs (its
 * point is compressed: checking it means a square root, ~85 µs in JavaScript, more than the
 * issuer's signature check natively). The spelling is what a credential's subject must get
 * right: the key itself is checked when a presentation is verified against it (`holderPublicKey`),
 * and a credential whose key is no point can never be presented.
 */
export function holderDidSpellingProblem(did: string): HolderDidProblem | null {
  if (typeof did !== "string" || !did.startsWith("did:key:z")) return holderDidProblem(did);
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(did.slice("did:key:z".length));
  } catch {
    return "holder_did_unsupported";
  }
  const compressed = bytes[2] === 2 || bytes[2] === 3;
  if (bytes.length !== 35 || bytes[0] !== P256_MULTICODEC[0] || bytes[1] !== P256_MULTICODEC[1] || !compressed)
    return "holder_did_unsupported";
  return `did:key:z${base58.encode(bytes)}` === did ? null : "holder_did_noncanonical";
}

/** The same key, whatever the method: what tells two holder DIDs apart (hex of the uncompressed point), or null. */
export function holderKeyId(did: string): string | null {
  const key = holderPublicKey(did);
  return key && bytesToHex(key);
}

const isCanonical = (did: string, key: Uint8Array): boolean =>
  did === (did.startsWith("did:key:") ? p256DidKey(key) : p256DidJwk(key));

/** The key of a P-256 did:key or did:jwk in any spelling its method's parser takes; null otherwise. */
function anyHolderKey(did: string): Uint8Array | null {
  if (typeof did !== "string") return null;
  try {
    if (did.startsWith("did:key:z")) {
      const bytes = base58.decode(did.slice("did:key:z".length));
      if (bytes[0] !== P256_MULTICODEC[0] || bytes[1] !== P256_MULTICODEC[1] || bytes.length !== 35) return null;
      return p256.Point.fromBytes(bytes.subarray(2)).toBytes(false);
    }
    if (did.startsWith("did:jwk:")) {
      const jwk = parseJson(fromUtf8(base64urlDecode(did.slice("did:jwk:".length), "did:jwk")), {
        maxDepth: 2,
        maxLength: 1024,
      });
      if (
        !isObject(jwk) ||
        jwk.kty !== "EC" ||
        jwk.crv !== "P-256" ||
        typeof jwk.x !== "string" ||
        typeof jwk.y !== "string" ||
        "d" in jwk
      )
        return null;
      const x = base64urlDecode(jwk.x, "x");
      const y = base64urlDecode(jwk.y, "y");
      if (x.length !== 32 || y.length !== 32) return null;
      // Point.fromBytes checks the point is on the curve.
      return p256.Point.fromBytes(Uint8Array.from([4, ...x, ...y])).toBytes(false);
    }
  } catch {
    return null;
  }
  return null;
}
