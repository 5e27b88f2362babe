/**
 * Interoperability with did-jwt-vc (4.0.16, the W3C VC JWT library of the did-jwt family): a
 * Laissez jwt_vc credential — VC Data Model 1.1 context, Status List 2021 status entries and their
 * context, `kid` naming the method ethr-did-resolver returns — verifies and validates there, with
 * the issuer's key resolved from the project's chain; so does a holder's presentation of it, with
 * the holder's did:key resolved to its P-256 key. did-jwt-vc refuses any `@context` without the
 * VC 1.1 one: why Laissez stays on 1.1 with the status vocabulary of that generation.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { p256 } from "@noble/curves/nist.js";
import { Resolver, type DIDResolutionResult } from "did-resolver";
import { verifyCredential, verifyPresentation } from "did-jwt-vc";
import { BrowserProvider, type Eip1193Provider } from "ethers";
import { getResolver } from "ethr-did-resolver";
import { holderSigner, STATUS_LIST_CONTEXT, statusListUrl, VC_CONTEXT } from "../../core/credential.ts";
import { issueCredential, presentCredential } from "../../core/formats/jwt-vc/credential.ts";
import { holderPublicKey, p256DidKey } from "../../core/did.ts";
import { base64urlEncode } from "../../core/encoding.ts";
import { demoIssuerKey, demoSchema } from "../../scripts/demo/consortium.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";

let chain: SeededChain;
let now: number;
/** did-jwt-vc brings did-resolver 4's types; our Resolver (5) answers the same documents. */
let resolver: Parameters<typeof verifyCredential>[1];
const holderSecret = p256.utils.randomSecretKey();
const holder = p256DidKey(p256.getPublicKey(holderSecret, false));

/** did:key (P-256) → a DID document with the key as a JsonWebKey2020 method: what did-jwt selects by. */
async function resolveDidKey(did: string): Promise<DIDResolutionResult> {
  const key = holderPublicKey(did);
  if (!key) throw new Error(`not a P-256 did:key: ${did}`);
  const id = `${did}#${did.slice("did:key:".length)}`;
  const publicKeyJwk = {
    kty: "EC",
    crv: "P-256",
    x: base64urlEncode(key.subarray(1, 33)),
    y: base64urlEncode(key.subarray(33)),
  };
  return {
    didResolutionMetadata: {},
    didDocumentMetadata: {},
    didDocument: {
      id: did,
      verificationMethod: [{ id, type: "JsonWebKey2020", controller: did, publicKeyJwk }],
      authentication: [id],
      assertionMethod: [id],
    },
  };
}

beforeAll(async () => {
  chain = await seededChain();
  now = await chain.networkHelpers.time.latest();
  resolver = new Resolver({
    ...getResolver({
      networks: [
        {
          name: "laissez",
          chainId: 31337,
          provider: new BrowserProvider(chain.connection.provider as unknown as Eip1193Provider) as never,
          registry: chain.deployment.didRegistry,
        },
      ],
    }),
    key: resolveDidKey,
  }) as unknown as Parameters<typeof verifyCredential>[1];
}, 120_000);

async function laissezCredential(alg: "ES256K" | "EdDSA"): Promise<string> {
  const agency = chain.agencies[0]!;
  const list = (id: number): string => statusListUrl("http://127.0.0.1:8701", 31337, id);
  return issueCredential({
    key: demoIssuerKey(31337, 0, alg),
    holder,
    credentialType: "HealthCode",
    claims: { healthStatus: "green" },
    schema: demoSchema("HealthCode"),
    status: {
      revocation: { listUrl: list(agency.revocationList), index: 7 },
      suspension: { listUrl: list(agency.suspensionList), index: 7 },
    },
    id: `urn:uuid:did-jwt-vc-${alg}`,
    issuedAt: now,
    validUntil: now + 86_400,
  });
}

describe("a Laissez credential in did-jwt-vc", () => {
  it.each(["ES256K", "EdDSA"] as const)(
    "verifies and validates (%s issuer key from the chain), with Status List 2021 entries",
    async (alg) => {
      const jwt = await laissezCredential(alg);
      const { verifiableCredential: vc, issuer } = await verifyCredential(jwt, resolver, {
        policies: { now: now + 60 },
      });
      expect(issuer).toBe(vc.issuer.id);
      expect(vc["@context"]).toEqual([VC_CONTEXT, STATUS_LIST_CONTEXT]);
      expect((vc.credentialStatus as unknown as { type: string }[]).map((e) => e.type)).toEqual([
        "StatusList2021Entry",
        "StatusList2021Entry",
      ]);
      expect(vc.credentialSubject).toEqual({ id: holder, healthStatus: "green" });
    },
  );

  it("verifies a holder's presentation of it, audience and challenge checked", async () => {
    const vp = await presentCredential({
      credential: await laissezCredential("ES256K"),
      holder,
      signer: holderSigner(holderSecret),
      issuedAt: now,
      audience: "checkpoint:CN-SH:1",
      nonce: "n-0001",
    });
    const verified = await verifyPresentation(vp, resolver, {
      policies: { now: now + 60 },
      audience: "checkpoint:CN-SH:1",
      challenge: "n-0001",
    });
    expect(verified.issuer).toBe(holder);
    await expect(
      verifyPresentation(vp, resolver, {
        policies: { now: now + 60 },
        audience: "checkpoint:CN-SH:1",
        challenge: "other",
      }),
    ).rejects.toThrow(/challenge/);
  });
});
