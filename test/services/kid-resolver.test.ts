/**
 * `kid` names a verification method ethr-did-resolver returns (issue 10 item 15), on the
 * project's chain: the demo agencies' signing keys are the methods their kids name; the bundle
 * numbers methods exactly as the resolver does, also after a rotation, a revocation and an
 * attribute; the issuer service's start resolves its key's method (and refuses a key the DID
 * does not list); a credential it signs verifies through a resolver that selects the key by kid.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { Resolver, type DIDDocument } from "did-resolver";
import { BrowserProvider, encodeBytes32String, Wallet, type Eip1193Provider, type Signer } from "ethers";
import { getResolver } from "ethr-did-resolver";
import { beforeAll, describe, expect, it } from "vitest";
import { verificationMethodOf, type TrustBundle } from "../../core/bundle.ts";
import { ethrDid } from "../../core/did.ts";
import { base64urlEncode } from "../../core/encoding.ts";
import { secp256k1Address } from "../../core/crypto.ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { decodeJwt } from "../../core/jwt.ts";
import { ED25519_ATTRIBUTE, VERI_KEY } from "../../services/chain/consortium.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { resolveSigningMethod, SigningMethodError } from "../../services/issuer/signing-method.ts";
import { demoSchemas } from "../../scripts/context.ts";
import { agencyEd25519Key, agencySigningKey, DEMO_METHODS, demoIssuerKey } from "../../scripts/demo/consortium.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { startIssuerService } from "../helpers/issuer.ts";

let chain: SeededChain;
let resolver: Resolver;
const bundleNow = async (): Promise<TrustBundle> =>
  (await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas })).bundle;
const documentOf = async (did: string): Promise<DIDDocument> =>
  (await resolver.resolve(did)).didDocument as DIDDocument;
const accountOf = (doc: DIDDocument, fragment: string): string | undefined =>
  doc.verificationMethod
    ?.find((m) => m.id === `${doc.id}#${fragment}`)
    ?.blockchainAccountId?.split(":")
    .at(-1)
    ?.toLowerCase();

beforeAll(async () => {
  chain = await seededChain();
  resolver = new Resolver(
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
}, 120_000);

describe("kid names a verification method ethr-did-resolver returns", () => {
  it("the demo agencies' kids are their keys' methods in the resolved documents, and the bundle agrees", async () => {
    const bundle = await bundleNow();
    for (const [i, agency] of chain.agencies.entries()) {
      const doc = await documentOf(ethrDid(31337, agency.address));
      const es = demoIssuerKey(31337, i, "ES256K");
      expect(es.kid).toBe(`${doc.id}#${DEMO_METHODS.ES256K}`);
      expect(accountOf(doc, DEMO_METHODS.ES256K)).toBe(agencySigningKey(i).address.toLowerCase());
      const ed = doc.verificationMethod?.find((m) => m.id === demoIssuerKey(31337, i, "EdDSA").kid);
      expect(base64urlEncode(Buffer.from(ed?.publicKeyBase64 ?? "", "base64"))).toBe(
        base64urlEncode(ed25519.getPublicKey(agencyEd25519Key(i))),
      );
      expect(verificationMethodOf(bundle, agency.address, { address: agencySigningKey(i).address })).toBe(
        DEMO_METHODS.ES256K,
      );
      expect(
        verificationMethodOf(bundle, agency.address, { publicKey: ed25519.getPublicKey(agencyEd25519Key(i)) }),
      ).toBe(DEMO_METHODS.EdDSA);
    }
  });

  it("after a rotation, a sigAuth delegate, a revocation and a new Ed25519 key, the bundle numbers methods as the resolver does", async () => {
    const agency = chain.agencies[1]!;
    const owner = chain.accounts.controllers[1] as Signer;
    const did = chain.as(owner).did;
    const next = Wallet.createRandom();
    const auth = Wallet.createRandom();
    const edSecret = ed25519.utils.randomSecretKey();
    await (
      await did.getFunction("addDelegate")(agency.address, encodeBytes32String("sigAuth"), auth.address, 86400)
    ).wait();
    await (await did.getFunction("addDelegate")(agency.address, VERI_KEY, next.address, 86400)).wait();
    await (await did.getFunction("revokeDelegate")(agency.address, VERI_KEY, agencySigningKey(1).address)).wait();
    await (
      await did.getFunction("setAttribute")(agency.address, ED25519_ATTRIBUTE, ed25519.getPublicKey(edSecret), 86400)
    ).wait();
    const doc = await documentOf(ethrDid(31337, agency.address));
    const bundle = await bundleNow();
    const ours = verificationMethodOf(bundle, agency.address, { address: next.address }) as string;
    expect(ours).toBe("delegate-4");
    expect(accountOf(doc, ours)).toBe(next.address.toLowerCase());
    const edOurs = verificationMethodOf(bundle, agency.address, {
      publicKey: ed25519.getPublicKey(edSecret),
    }) as string;
    expect(doc.verificationMethod?.find((m) => m.id === `${doc.id}#${edOurs}`)?.publicKeyBase64).toBe(
      Buffer.from(ed25519.getPublicKey(edSecret)).toString("base64"),
    );
    // The revoked key has left the current document; its method stays in the bundle's history (credentials it signed earlier keep their kid).
    expect(accountOf(doc, DEMO_METHODS.ES256K)).toBeUndefined();
    expect(verificationMethodOf(bundle, agency.address, { address: agencySigningKey(1).address })).toBe(
      DEMO_METHODS.ES256K,
    );
    await expect(
      resolveSigningMethod({
        provider: chain.provider,
        registry: chain.deployment.didRegistry,
        chainId: 31337,
        did: doc.id,
        key: { address: next.address },
      }),
    ).resolves.toBe(ours);
  });

  it("the issuer service's key resolves to its method; a key the DID does not list is refused", async () => {
    const did = ethrDid(31337, chain.agencies[0]!.address);
    const resolve = (address: string) =>
      resolveSigningMethod({
        provider: chain.provider,
        registry: chain.deployment.didRegistry,
        chainId: 31337,
        did,
        key: { address },
      });
    await expect(resolve(agencySigningKey(0).address)).resolves.toBe(DEMO_METHODS.ES256K);
    await expect(resolve(Wallet.createRandom().address)).rejects.toThrow(SigningMethodError);
    // The owner is #controller, which signs nothing here: not a signing method.
    await expect(resolve(chain.agencies[0]!.address)).rejects.toThrow(SigningMethodError);
  });

  it("a credential the issuer service signs verifies with the key a resolver selects by its kid", async () => {
    const { store, server, url } = await startIssuerService(chain, 0);
    try {
      const token = (await store.operators.create("desk", ["issue"])).token;
      const res = await fetch(`${url}/credentials`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          type: "HealthCode",
          subject: "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169",
          claims: { healthStatus: "green" },
        }),
      });
      expect(res.status).toBe(201);
      const jwt = decodeJwt(((await res.json()) as { credential: string }).credential);
      const kid = jwt.header.kid as string;
      const doc = await documentOf(kid.split("#")[0] as string);
      const account = accountOf(doc, kid.split("#")[1] as string);
      expect(account).toBeDefined();
      // ES256K methods are addresses: recover the signer from the signature and compare.
      const digest = sha256(jwt.signingInput);
      const signers = ([0, 1] as const).map((bit) =>
        secp256k1Address(
          secp256k1.Signature.fromBytes(jwt.signature, "compact")
            .addRecoveryBit(bit)
            .recoverPublicKey(digest)
            .toBytes(false),
        ),
      );
      expect(signers).toContain(account);
      expect(account).toBe(agencySigningKey(0).address.toLowerCase());
    } finally {
      server.close();
    }
  });
});
