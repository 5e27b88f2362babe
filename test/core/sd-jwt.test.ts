import { describe, expect, it } from "vitest";
import { p256 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { StatusList, getListFromStatusListJWT } from "@sd-jwt/jwt-status-list";
import { es256kIssuerKey, holderSigner } from "../../core/credential.ts";
import { p256DidKey } from "../../core/did.ts";
import { base64urlEncode, utf8 } from "../../core/encoding.ts";
import { decodeJwt } from "../../core/jwt.ts";
import {
  decodeDisclosure,
  encodeDisclosure,
  processPayload,
  saltBits,
  sdHash,
  splitSdJwt,
  SdJwtError,
} from "../../core/formats/sd-jwt-vc/sd-jwt.ts";
import { disclosableClaims, issueSdJwtVc, jwkHolder, presentSdJwtVc } from "../../core/formats/sd-jwt-vc/sd-jwt-vc.ts";
import { decodeStatusListToken, encodeLst, signStatusListToken, tokenStatusAt } from "../../core/token-status-list.ts";
import { zlibSync } from "fflate";
import { compactSdJwtPresentation, expandSdJwtPresentation } from "../../core/formats/sd-jwt-vc/compact-sd-jwt.ts";
import { qrSize } from "../../web/qr.ts";

const schema = {
  type: "object",
  additionalProperties: false,
  required: ["healthStatus"],
  properties: {
    healthStatus: { type: "string" },
    givenName: { type: "string" },
    familyName: { type: "string" },
    birthDate: { type: "string" },
  },
};
const issuerSecret = secp256k1.utils.randomSecretKey();
const key = es256kIssuerKey("did:ethr:0x7a69:0x0000000000000000000000000000000000000001", "key-1", issuerSecret);
const holderSecret = p256.utils.randomSecretKey();
const holder = p256DidKey(p256.getPublicKey(holderSecret, false));
const status = {
  revocation: { listUrl: "http://x/status/31337/0", index: 7 },
  suspension: { listUrl: "http://x/status/31337/1", index: 9 },
};
const issue = (claims: Record<string, string> = { healthStatus: "green", givenName: "Mei" }) =>
  issueSdJwtVc({
    key,
    holder,
    credentialType: "HealthCode",
    claims,
    schema,
    status,
    id: "urn:uuid:1",
    issuedAt: 1000,
    validUntil: 2000,
  });

const claimsOf = (sdJwt: string) => {
  const { issuerJwt, disclosures } = splitSdJwt(sdJwt);
  return processPayload(decodeJwt(issuerJwt).payload, disclosures);
};
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return (e as SdJwtError).code;
  }
  return undefined;
};

describe("SD-JWT (RFC 9901)", () => {
  it("issues every claim as a disclosure, pads _sd with decoys to the schema's property count", async () => {
    const sdJwt = await issue();
    const { payload, header } = decodeJwt(splitSdJwt(sdJwt).issuerJwt);
    expect(header.typ).toBe("dc+sd-jwt");
    expect(payload._sd).toHaveLength(4);
    expect(payload).not.toHaveProperty("healthStatus");
    expect(jwkHolder(payload.cnf)?.did).toBe(holder);
    const processed = claimsOf(sdJwt);
    expect([...processed.disclosed].sort()).toEqual(["givenName", "healthStatus"]);
    expect(processed.undisclosed).toBe(2);
    expect(processed.claims.healthStatus).toBe("green");
    expect(processed.claims).not.toHaveProperty("_sd");
    for (const d of splitSdJwt(sdJwt).disclosures)
      expect(saltBits(decodeDisclosure(d).salt)).toBeGreaterThanOrEqual(128);
  });

  it("presents exactly the chosen claims, with a KB-JWT over them", async () => {
    const vp = await presentSdJwtVc({
      credential: await issue(),
      disclose: ["healthStatus"],
      signer: holderSigner(holderSecret),
      issuedAt: 1100,
      audience: "gate",
      nonce: "n1",
    });
    const parts = splitSdJwt(vp);
    expect(parts.disclosures).toHaveLength(1);
    const kb = decodeJwt(parts.kbJwt as string);
    expect(kb.header.typ).toBe("kb+jwt");
    expect(kb.payload).toMatchObject({ aud: "gate", nonce: "n1", iat: 1100, sd_hash: sdHash(parts.presented) });
    const processed = claimsOf(vp);
    expect(processed.claims.healthStatus).toBe("green");
    expect(processed.claims).not.toHaveProperty("givenName");
    expect(processed.undisclosed).toBe(3);
    expect(
      disclosableClaims(await issue())
        .map((c) => c.name)
        .sort(),
    ).toEqual(["givenName", "healthStatus"]);
  });

  it("refuses duplicate, unreferenced, misplaced and short-salted disclosures, and repeated digests", async () => {
    const sdJwt = await issue();
    const { issuerJwt, disclosures } = splitSdJwt(sdJwt);
    const payload = decodeJwt(issuerJwt).payload;
    const d0 = disclosures[0] as string;
    expect(codeOf(() => processPayload(payload, [d0, d0]))).toBe("sd_disclosure_duplicate");
    const stray = encodeDisclosure("Q".repeat(22), "givenName", "Eve");
    expect(codeOf(() => processPayload(payload, [stray.encoded]))).toBe("sd_disclosure_unreferenced");
    const element = encodeDisclosure("Q".repeat(22), undefined, "x");
    expect(codeOf(() => processPayload({ _sd: [element.digest] }, [element.encoded]))).toBe("sd_disclosure_malformed");
    const property = encodeDisclosure("Q".repeat(22), "p", "x");
    expect(codeOf(() => processPayload({ list: [{ "...": property.digest }] }, [property.encoded]))).toBe(
      "sd_disclosure_malformed",
    );
    expect(processPayload({ list: [{ "...": element.digest }, 1] }, [element.encoded]).claims.list).toEqual(["x", 1]);
    const short = encodeDisclosure("0123456789abcdef", "p", "x"); // 64 bits: sd-jwt-js's default
    expect(codeOf(() => processPayload({ _sd: [short.digest] }, [short.encoded]))).toBe("sd_salt_too_short");
    expect(codeOf(() => processPayload({ _sd: [property.digest, property.digest] }, [property.encoded]))).toBe(
      "sd_digest_duplicate",
    );
    expect(codeOf(() => processPayload({ _sd: [property.digest], p: 1 }, [property.encoded]))).toBe("sd_claim_invalid");
    const four = base64urlEncode(utf8(JSON.stringify(["Q".repeat(22), "p", 1, 2])));
    expect(codeOf(() => processPayload({}, [four]))).toBe("sd_disclosure_malformed");
    const reserved = base64urlEncode(utf8(JSON.stringify(["Q".repeat(22), "_sd", 1])));
    expect(codeOf(() => processPayload({}, [reserved]))).toBe("sd_claim_invalid");
    expect(codeOf(() => processPayload({ _sd_alg: "sha-1" }, []))).toBe("sd_alg_unsupported");
    expect(codeOf(() => splitSdJwt("a.b.c"))).toBe("sd_jwt_malformed");
  });

  it("a disclosed claim named __proto__ is an own property, never the prototype", () => {
    const d = encodeDisclosure("Q".repeat(22), "__proto__", { polluted: true });
    const { claims } = processPayload({ _sd: [d.digest] }, [d.encoded]);
    expect(Object.getPrototypeOf(claims)).toBe(Object.prototype);
    expect(Object.hasOwn(claims, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("Token Status List", () => {
  const size = 131_072;
  const set = [0, 1, 9, 4242, size - 1];
  const bytes = new Uint8Array(size / 8);
  for (const i of set) bytes[i >> 3]! |= 1 << (i & 7);

  it("round-trips, LSB first, and agrees with sd-jwt-js's standard decoder", async () => {
    const token = await signStatusListToken(
      { sub: "http://x/status/31337/0", iat: 1, exp: 2, ttl: 1, status_list: { bits: 1, lst: encodeLst(bytes) } },
      key,
    );
    const decoded = decodeStatusListToken(token);
    const standard = getListFromStatusListJWT(token);
    for (const i of [...set, 2, 3, 8, 4241, 4243]) {
      expect(tokenStatusAt(decoded.bytes, 1, i)).toBe(set.includes(i) ? 1 : 0);
      expect(standard.getStatus(i)).toBe(set.includes(i) ? 1 : 0);
    }
    // The standard encoder's bytes for the same statuses are ours.
    const theirs = new StatusList(
      Array.from({ length: size }, (_, i) => (set.includes(i) ? 1 : 0)),
      1,
    );
    expect(tokenStatusAt(decodeStatusListToken(token).bytes, 1, 4242)).toBe(theirs.getStatus(4242));
    expect(decoded.sub).toBe("http://x/status/31337/0");
  });

  it("refuses another typ and a ZLIB bomb", async () => {
    const credential = splitSdJwt(await issue()).issuerJwt;
    expect(codeOf(() => decodeStatusListToken(credential))).toBe("wrong_typ");
    const bomb = await signStatusListToken(
      {
        sub: "u",
        iat: 1,
        exp: 2,
        ttl: 1,
        status_list: { bits: 1, lst: base64urlEncode(zlibSync(new Uint8Array(1 << 20))) },
      },
      key,
    );
    expect(codeOf(() => decodeStatusListToken(bomb, 1 << 19))).toBe("status_list_too_large");
  });
});

describe("LZ2: the compact QR form of an SD-JWT presentation", () => {
  it("expands to the identical presentation; capped input; fits QR version 20 at M for a health code's minimal disclosure", async () => {
    const credential = await issue({ healthStatus: "green", givenName: "Mei", familyName: "Li" });
    for (const disclose of [["healthStatus"], ["healthStatus", "givenName", "familyName"]]) {
      const vp = await presentSdJwtVc({ credential, disclose, signer: holderSigner(holderSecret), issuedAt: 1100 });
      const text = compactSdJwtPresentation(vp);
      expect(text.startsWith("LZ2:")).toBe(true);
      expect(expandSdJwtPresentation(text)).toBe(vp);
      expect(text.length).toBeLessThan(vp.length);
    }
    const minimal = compactSdJwtPresentation(
      await presentSdJwtVc({
        credential,
        disclose: ["healthStatus"],
        signer: holderSigner(holderSecret),
        issuedAt: 1100,
        audience: "a",
        nonce: "n",
      }),
    );
    expect(qrSize(minimal).version).toBeLessThanOrEqual(20);
    expect(codeOf(() => expandSdJwtPresentation(`LZ2:${"0".repeat(5000)}`))).toBe("compact_too_large");
    // Text that looks like what the packing turns into bytes, but is not exactly: left as it is.
    const tricky = {
      healthStatus: `0x${"ab".repeat(20)}ff and 0x${"AB".repeat(20)}`,
      givenName: `${"Q".repeat(42)}B`, // 43 characters, non-canonical base64url
      familyName: "QUFBQUFBQUFBQUFBQUFBQQ",
      birthDate: `"x":"${"A".repeat(43)}","y":"${"A".repeat(43)}"`,
    };
    const loose = { type: "object", properties: {} };
    const odd = await issueSdJwtVc({
      key,
      holder,
      credentialType: "HealthCode",
      claims: tricky,
      schema: loose,
      status,
      id: "urn:uuid:2",
      issuedAt: 1000,
      validUntil: 2000,
    });
    const oddVp = await presentSdJwtVc({
      credential: odd,
      disclose: Object.keys(tricky),
      signer: holderSigner(holderSecret),
      issuedAt: 1100,
      audience: "a",
      nonce: "n",
    });
    expect(expandSdJwtPresentation(compactSdJwtPresentation(oddVp))).toBe(oddVp);
    expect(codeOf(() => compactSdJwtPresentation("not.an.sdjwt"))).toBe("compact_unsupported");
  });
});
