import { Resolver } from "did-resolver";
import type { Provider } from "ethers";
import { getResolver } from "ethr-did-resolver";
import { base64urlEncode } from "../../core/index.ts";

/** Thrown when the signing key is not a verification method of the agency's DID. */
export class SigningMethodError extends Error {}

/**
 * The verification method of the agency's DID that is this service's signing key, as
 * ethr-did-resolver resolves the DID on the chain (`delegate-N`): what every credential's `kid`
 * names, so a verifier that selects the key by `kid` finds it. Refuses a key the DID does not list.
 */
export async function resolveSigningMethod(o: {
  provider: Provider;
  registry: string;
  chainId: number;
  did: string;
  key: { address: string } | { publicKey: Uint8Array };
}): Promise<string> {
  const resolver = new Resolver(
    getResolver({
      networks: [
        {
          name: `0x${o.chainId.toString(16)}`,
          chainId: o.chainId,
          provider: o.provider as never,
          registry: o.registry,
        },
      ],
    }),
  );
  const { didDocument, didResolutionMetadata } = await resolver.resolve(o.did);
  // Any did:ethr resolves on a chain that answers (to a bare document at worst): no document means the chain did not.
  if (!didDocument)
    throw new Error(
      `the agency's DID does not resolve (the chain does not answer?): ${didResolutionMetadata.error ?? "unknown error"}`,
    );
  const address = "address" in o.key ? o.key.address.toLowerCase() : undefined;
  const publicKey = "publicKey" in o.key ? o.key.publicKey : undefined;
  const method = (didDocument.verificationMethod ?? []).find((m) =>
    address !== undefined
      ? m.id !== `${o.did}#controller` && (m.blockchainAccountId ?? "").split(":").at(-1)?.toLowerCase() === address
      : publicKey !== undefined &&
        m.publicKeyBase64 !== undefined &&
        base64urlEncode(Buffer.from(m.publicKeyBase64, "base64")) === base64urlEncode(publicKey),
  );
  if (!method)
    throw new SigningMethodError(
      `LAISSEZ_SIGNING_KEY is not a verification method of ${o.did} on this chain (add it as a veriKey delegate or Ed25519 attribute first)`,
    );
  return method.id.slice(method.id.indexOf("#") + 1);
}
