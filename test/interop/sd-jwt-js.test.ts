/**
 * Interoperability with the OpenWallet Foundation's sd-jwt-js (`@sd-jwt/sd-jwt-vc` 0.19.0), both
 * ways, on an in-process chain with the demo consortium: ours verifies in sd-jwt-js with the
 * issuer's key resolved from the chain (ethr-did-resolver over the DID registry) and its status
 * list token built from the chain's words; theirs, signed with an accredited agency's key,
 * verifies in Laissez. sd-jwt-js leaves gaps (aud never compared, typ never checked, key binding
 * only with a nonce): our core decides, never it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { p256 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { digest, generateSalt } from "@sd-jwt/crypto-nodejs";
import { SDJwtVcInstance } from "@sd-jwt/sd-jwt-vc";
import { randomBytes } from "node:crypto";
import { getBytes, type Signer } from "ethers";
import type { TrustBundle } from "../../core/bundle.ts";
import { holderSigner, parseStatusListUrl, statusListUrl } from "../../core/credential.ts";
import { p256DidKey } from "../../core/did.ts";
import { base64urlEncode, utf8 } from "../../core/encoding.ts";
import { holderJwk, issueSdJwtVc, presentSdJwtVc } from "../../core/formats/sd-jwt-vc/sd-jwt-vc.ts";
import { encodeLst, signStatusListToken } from "../../core/token-status-list.ts";
import { verifyPresentation } from "../../core/verify.ts";
import { toWordMasks, wordsToTokenStatusList } from "../../core/status-bits.ts";
import { connectLedger } from "../../services/chain/ledger.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import { agencySigningKey, demoIssuerKey, demoSchema } from "../../scripts/demo/consortium.ts";
import { demoSchemas } from "../../scripts/context.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { chainResolver, es256kFromChain as es256kVerifier, kbVerifier } from "../helpers/sd-jwt-js.ts";

let chain: SeededChain;
let now: number;
let es256kFromChain: (data: string, sig: string) => Promise<boolean>;
const holderSecret = p256.utils.randomSecretKey();
const holder = p256DidKey(p256.getPublicKey(holderSecret, false));
const BASE = "http://127.0.0.1:8701";
const key = demoIssuerKey(31337, 0, "ES256K");

/** The statuslist+jwt for a list URL, built from the chain's words (what the issuer service serves). */
async function statusListToken(uri: string): Promise<string> {
  const { status } = connectLedger(chain.deployment, chain.provider);
  const listId = parseStatusListUrl(uri)!.listId;
  const size = Number((await status.getFunction("getList")(listId)).size);
  const words = (await status.getFunction("getWords")(listId, 0, size / 256)) as bigint[];
  return signStatusListToken(
    {
      sub: uri,
      iat: now,
      exp: now + 300,
      ttl: 300,
      status_list: { bits: 1, lst: encodeLst(wordsToTokenStatusList(words)) },
    },
    key,
  );
}

const sdJwtJs = (extra: object = {}) =>
  new SDJwtVcInstance({
    hasher: digest,
    verifier: es256kFromChain,
    kbVerifier,
    statusListFetcher: statusListToken,
    statusVerifier: es256kFromChain,
    ...extra,
  });

async function bundleNow(): Promise<TrustBundle> {
  return (await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas })).bundle;
}

beforeAll(async () => {
  chain = await seededChain();
  now = await chain.networkHelpers.time.latest();
  es256kFromChain = es256kVerifier(chainResolver(chain), key.did);
}, 120_000);

describe("SD-JWT VC interoperability with sd-jwt-js 0.19.0", () => {
  it("ours verifies in sd-jwt-js (key and status list from the chain); revoking on chain makes it fail there too", async () => {
    const agency = chain.agencies[0]!;
    const credential = await issueSdJwtVc({
      key,
      holder,
      credentialType: "HealthCode",
      claims: { healthStatus: "green", givenName: "Mei", familyName: "Li" },
      schema: demoSchema("HealthCode"),
      status: {
        revocation: { listUrl: statusListUrl(BASE, 31337, agency.revocationList), index: 11 },
        suspension: { listUrl: statusListUrl(BASE, 31337, agency.suspensionList), index: 12 },
      },
      id: "urn:uuid:interop-1",
      issuedAt: now,
      validUntil: now + 86400,
    });
    const presentation = await presentSdJwtVc({
      credential,
      disclose: ["healthStatus"],
      signer: holderSigner(holderSecret),
      issuedAt: now,
      audience: "gate-1",
      nonce: "n-1",
    });
    const result = await sdJwtJs().verify(presentation, { keyBindingNonce: "n-1", currentDate: now + 5 });
    expect(result.payload).toMatchObject({ healthStatus: "green", vct: "HealthCode", iss: key.did });
    expect(result.payload).not.toHaveProperty("givenName");
    expect(result.kb?.payload).toMatchObject({ aud: "gate-1", nonce: "n-1" });
    // The same presentation in Laissez, offline from the bundle.
    const bundle = await bundleNow();
    const ours = verifyPresentation(presentation, {
      bundle,
      region: "CN-SH",
      now: now + 5,
      verifier: nativeVerifier,
      challenge: { audience: "gate-1", nonce: "n-1" },
    });
    expect(ours).toMatchObject({ verdict: "accept", claims: { healthStatus: "green" }, withheld: 3 });
    // sd-jwt-js never compares aud: ours refuses the same presentation at another gate.
    expect(
      verifyPresentation(presentation, {
        bundle,
        region: "CN-SH",
        now: now + 5,
        verifier: nativeVerifier,
        challenge: { audience: "gate-2", nonce: "n-1" },
      }).reason,
    ).toBe("wrong_audience");

    const masks = toWordMasks([11], 131_072);
    // The agency's status writer (issue 14: not its controller) anchors the revocation.
    await (
      await chain.as(chain.accounts.writers[0] as Signer).status.getFunction("updateStatus")(
        agency.revocationList,
        masks.wordIndices,
        masks.masks,
        true,
      )
    ).wait();
    await expect(sdJwtJs().verify(presentation, { keyBindingNonce: "n-1", currentDate: now + 5 })).rejects.toThrow(
      /Status is not valid/,
    );
    expect(
      verifyPresentation(presentation, {
        bundle: await bundleNow(),
        region: "CN-SH",
        now: now + 5,
        verifier: nativeVerifier,
        challenge: { audience: "gate-1", nonce: "n-1" },
      }).reason,
    ).toBe("revoked");
  }, 60_000);

  it("theirs, made for an accredited agency's key, verifies in Laissez; their default 64-bit salts do not", async () => {
    const agency = chain.agencies[0]!;
    const delegate = getBytes(agencySigningKey(0).privateKey);
    const make = (saltGenerator?: (n: number) => string) =>
      new SDJwtVcInstance({
        hasher: digest,
        signAlg: "ES256K",
        signer: async (data: string) => base64urlEncode(secp256k1.sign(utf8(data), delegate, { lowS: true })),
        kbSignAlg: "ES256",
        kbSigner: async (data: string) => base64urlEncode(p256.sign(utf8(data), holderSecret)),
        ...(saltGenerator ? { saltGenerator } : {}),
      });
    const payload = {
      iss: key.did,
      vct: "HealthCode",
      iat: now,
      nbf: now,
      exp: now + 3600,
      jti: "urn:uuid:theirs-1",
      cnf: { jwk: holderJwk(holder)! },
      status: { status_list: { idx: 77, uri: statusListUrl(BASE, 31337, agency.revocationList) } },
      healthStatus: "yellow",
      givenName: "Mei",
    };
    const frame = { _sd: ["healthStatus", "givenName"] } as never;
    const strong = make(() => randomBytes(16).toString("base64url"));
    const issued = await strong.issue(payload, frame, { header: { kid: key.kid } });
    const presented = await strong.present(issued, { healthStatus: true } as never, {
      kb: { payload: { aud: "gate-1", nonce: "n-2", iat: now } },
    });
    const bundle = await bundleNow();
    const params = {
      bundle,
      region: "CN-ZJ",
      now: now + 5,
      verifier: nativeVerifier,
      challenge: { audience: "gate-1", nonce: "n-2" },
    };
    expect(verifyPresentation(presented, params)).toMatchObject({
      verdict: "accept",
      claims: { healthStatus: "yellow" },
      credentialType: "HealthCode",
    });

    const weak = make(generateSalt); // sd-jwt-js asks its documented generateSalt for 16: 16 hex characters, 64 bits
    const weakIssued = await weak.issue(payload, frame, { header: { kid: key.kid } });
    const weakPresented = await weak.present(weakIssued, { healthStatus: true } as never, {
      kb: { payload: { aud: "gate-1", nonce: "n-2", iat: now } },
    });
    expect(verifyPresentation(weakPresented, params).reason).toBe("sd_salt_too_short");
  }, 60_000);
});
