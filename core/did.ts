import { p256 } from "@noble/curves/nist.js";
import { base58 } from "@scure/base";
import { base64urlDecode, base64urlEncode, fromUtf8, utf8 } from "./encoding.ts";
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
  const jwk = { crv: "P-256", kty: "EC", x: base64urlEncode(raw.subarray(1, 33)), y: base64urlEncode(raw.subarray(33)) };
  return `did:jwk:${base64urlEncode(utf8(JSON.stringify(jwk)))}`;
}

/**
 * The P-256 public key (65-byte uncompressed SEC1) a holder DID names, or null when the DID
 * is not a P-256 did:key or did:jwk. Pure: resolving these methods needs no network.
 */
export function holderPublicKey(did: string): Uint8Array | null {
  try {
    if (did.startsWith("did:key:z")) {
      const bytes = base58.decode(did.slice("did:key:z".length));
      if (bytes[0] !== P256_MULTICODEC[0] || bytes[1] !== P256_MULTICODEC[1] || bytes.length !== 35) return null;
      return p256.Point.fromBytes(bytes.subarray(2)).toBytes(false);
    }
    if (did.startsWith("did:jwk:")) {
      const jwk = parseJson(fromUtf8(base64urlDecode(did.slice("did:jwk:".length), "did:jwk")), { maxDepth: 2, maxLength: 1024 });
      if (!isObject(jwk) || jwk.kty !== "EC" || jwk.crv !== "P-256" || typeof jwk.x !== "string" || typeof jwk.y !== "string" || "d" in jwk) return null;
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
