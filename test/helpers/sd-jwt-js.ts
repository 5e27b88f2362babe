/**
 * What sd-jwt-js (`@sd-jwt/sd-jwt-vc`) needs to verify a Laissez SD-JWT VC as a generic verifier
 * would: the issuer's key resolved from the chain's DID registry with ethr-did-resolver, and the
 * KB-JWT checked against the credential's `cnf` key. Shared by the interop test and the bench.
 */
import { p256 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { digest } from "@sd-jwt/crypto-nodejs";
import { Resolver } from "did-resolver";
import { BrowserProvider, type Eip1193Provider } from "ethers";
import { getResolver } from "ethr-did-resolver";
import { base64urlDecode, secp256k1Address, utf8 } from "../../core/index.ts";
import type { SeededChain } from "./chain.ts";

/** ethr-did-resolver over the test chain's DID registry (chain id 31337). */
export function chainResolver(chain: Pick<SeededChain, "connection" | "deployment">): Resolver {
  return new Resolver(
    getResolver({
      networks: [
        {
          name: "laissez",
          chainId: 31337,
          provider: new BrowserProvider(chain.connection.provider as unknown as Eip1193Provider) as never,
          registry: chain.deployment.didRegistry,
        },
      ],
    }),
  );
}

/** ES256K as a generic verifier does it: recover the signer, find its address among the DID document's keys on chain. */
export function es256kFromChain(resolver: Resolver, did: string): (data: string, sig: string) => Promise<boolean> {
  return async (data, sig) => {
    const doc = (await resolver.resolve(did)).didDocument;
    const accounts = (doc?.verificationMethod ?? []).map((m) =>
      (m.blockchainAccountId ?? "").split(":").at(-1)?.toLowerCase(),
    );
    const signature = base64urlDecode(sig);
    return ([0, 1] as const).some((bit) => {
      try {
        const pub = secp256k1.Signature.fromBytes(signature, "compact")
          .addRecoveryBit(bit)
          .recoverPublicKey(digest(data))
          .toBytes(false);
        return accounts.includes(secp256k1Address(pub)) && secp256k1.verify(signature, utf8(data), pub, { lowS: true });
      } catch {
        return false;
      }
    });
  };
}

/** The KB-JWT's signature against the holder key the credential binds (`cnf.jwk`, P-256). */
export async function kbVerifier(data: string, sig: string, payload: Record<string, unknown>): Promise<boolean> {
  const jwk = (payload.cnf as { jwk?: { x: string; y: string } } | undefined)?.jwk;
  if (!jwk) return false;
  return p256.verify(
    base64urlDecode(sig),
    utf8(data),
    Uint8Array.from([4, ...base64urlDecode(jwk.x), ...base64urlDecode(jwk.y)]),
    { lowS: false },
  );
}
