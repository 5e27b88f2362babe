/**
 * The SD-JWT VC vectors (RFC 9901 §9 and SECURITY.md's SD-JWT lines): every one through both
 * verifiers, like the jwt_vc ones. Deterministic: salts and decoys come from a counter.
 */
import { deflateSync, inflateSync } from "fflate";
import { sha256 } from "@noble/hashes/sha2.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { base45Decode, base45Encode } from "../../core/base45.ts";
import {
  compactSdJwtPresentation,
  SD_COMPACT_DICTIONARY,
  SD_COMPACT_PREFIX,
} from "../../core/formats/sd-jwt-vc/compact-sd-jwt.ts";
import {
  holderSigner,
  regionAudience,
  type IssueCredentialParameters,
  type IssuerSigningKey,
} from "../../core/credential.ts";
import { base64urlDecode, base64urlEncode, utf8 } from "../../core/encoding.ts";
import type { JsonValue } from "../../core/json.ts";
import { encodeDisclosure, joinSdJwt, sdHash, splitSdJwt } from "../../core/formats/sd-jwt-vc/sd-jwt.ts";
import { issueSdJwtVc, presentSdJwtVc } from "../../core/formats/sd-jwt-vc/sd-jwt-vc.ts";
import { encodeLst, signStatusListToken } from "../../core/token-status-list.ts";
import { createJWS } from "did-jwt";
import type { VerificationVector } from "./generate.ts";

export interface SdJwtVectorContext {
  readonly delegateKey: IssuerSigningKey;
  readonly delegateSecret: Uint8Array;
  readonly edKey: IssuerSigningKey;
  readonly holder: string;
  readonly holderKey: Uint8Array;
  readonly otherHolderKey: Uint8Array;
  readonly schema: JsonValue;
  readonly status: (rev: number, susp: number) => IssueCredentialParameters["status"];
  readonly T0: number;
  readonly now: number;
  readonly challenge: { audience: string; nonce: string };
  readonly v: (
    name: string,
    token: string,
    verdict: VerificationVector["expect"]["verdict"],
    reason: string | null,
    extra?: Partial<VerificationVector>,
  ) => VerificationVector;
}

/**
 * The same QR text re-compressed without the form's dictionary (plain raw DEFLATE): it inflates
 * to the same bytes with the dictionary given, so it must be refused (one encoding per QR form).
 */
export function withoutDictionary(text: string, dictionary: Uint8Array): string {
  const at = text.indexOf(":") + 1;
  return (
    text.slice(0, at) +
    base45Encode(deflateSync(inflateSync(base45Decode(text.slice(at), "QR text"), { dictionary }), { level: 9 }))
  );
}

/** The same QR text with one more byte after the DEFLATE stream: it still inflates, so it must be refused. */
export function withTrailingByte(text: string): string {
  const at = text.indexOf(":") + 1;
  return text.slice(0, at) + base45Encode(Uint8Array.from([...base45Decode(text.slice(at), "QR text"), 0]));
}

export async function sdJwtVectors(c: SdJwtVectorContext): Promise<VerificationVector[]> {
  let counter = 0;
  const random = (n: number): Uint8Array => sha256(utf8(`laissez sd-jwt vector ${++counter}`)).subarray(0, n);
  let n = 0;
  const issue = (o: { key?: IssuerSigningKey; claims?: Record<string, JsonValue>; rev?: number; susp?: number } = {}) =>
    issueSdJwtVc({
      key: o.key ?? c.delegateKey,
      holder: c.holder,
      credentialType: "HealthCode",
      claims: o.claims ?? { healthStatus: "green" },
      schema: c.schema,
      status: c.status(o.rev ?? 300 + n, o.susp ?? 300 + n),
      id: `urn:uuid:00000000-0000-4000-9000-${String(++n).padStart(12, "0")}`,
      issuedAt: c.T0 - 600,
      validUntil: c.T0 + 86400,
      random,
    });
  const signer = holderSigner(c.holderKey);
  const present = (
    credential: string,
    o: { disclose?: string[]; at?: number; challenge?: boolean; signer?: typeof signer } = {},
  ) =>
    presentSdJwtVc({
      credential,
      disclose: o.disclose ?? ["healthStatus"],
      signer: o.signer ?? signer,
      issuedAt: o.at ?? c.T0 + 60,
      ...(o.challenge === false ? { audience: regionAudience("CN-SH") } : c.challenge),
    });
  const b64 = (v: unknown) => base64urlEncode(utf8(JSON.stringify(v)));
  const parse = (seg: string) =>
    JSON.parse(new TextDecoder().decode(base64urlDecode(seg))) as Record<string, JsonValue>;
  /** Re-signs an issuer JWT with a changed header or payload (ZJ delegate key): for SD-JWTs issueSdJwtVc refuses to make. */
  const resign = (
    sdJwt: string,
    change: (h: Record<string, JsonValue>, p: Record<string, JsonValue>) => void,
    extraDisclosures: string[] = [],
  ) => {
    const { issuerJwt, disclosures } = splitSdJwt(sdJwt);
    const [h, p] = issuerJwt.split(".") as [string, string];
    const header = parse(h);
    const payload = parse(p);
    change(header, payload);
    const input = `${b64(header)}.${b64(payload)}`;
    return joinSdJwt(`${input}.${base64urlEncode(secp256k1.sign(utf8(input), c.delegateSecret))}`, [
      ...disclosures,
      ...extraDisclosures,
    ]);
  };
  const salt = base64urlEncode(sha256(utf8("fixed salt")).subarray(0, 16));
  const extra = (name: string | undefined, value: JsonValue, s = salt) => encodeDisclosure(s, name, value);
  const vp = (
    name: string,
    token: string,
    verdict: VerificationVector["expect"]["verdict"],
    reason: string | null,
    x: Partial<VerificationVector> = {},
  ) => c.v(name, token, verdict, reason, { kind: "presentation", challenge: c.challenge, ...x });

  const good = await issue();
  const two = await issue({ claims: { healthStatus: "green", givenName: "Mei" } });
  const goodDisclosure = splitSdJwt(good).disclosures[0] as string;
  const other = splitSdJwt(await issue({ claims: { healthStatus: "green" } })).disclosures[0] as string;
  const tampered = base64urlEncode(
    utf8(new TextDecoder().decode(base64urlDecode(goodDisclosure)).replace("green", "red")),
  );
  const fourArity = base64urlEncode(utf8(JSON.stringify([salt, "givenName", "Mei", "extra"])));
  const shortSalt = extra("givenName", "Mei", "0123456789abcdef");
  const proto = extra("__proto__", { admin: true });
  const element = extra(undefined, "Mei");
  const property = extra("givenName", "Mei");
  const kbOnly = splitSdJwt(await present(two)).kbJwt as string;
  const statusToken = await signStatusListToken(
    {
      sub: "http://127.0.0.1:8700/status/31337/0",
      iat: c.T0,
      exp: c.T0 + 300,
      ttl: 300,
      status_list: { bits: 1, lst: encodeLst(new Uint8Array(16_384)) },
    },
    c.delegateKey,
  );
  const presented = await present(two);
  const parts = splitSdJwt(presented);
  const kbFor = async (
    payload: Record<string, JsonValue>,
    header: Record<string, JsonValue> = { alg: "ES256", typ: "kb+jwt" },
    s = signer,
  ) => createJWS(payload, s, header as never);
  const kbPayload = { iat: c.T0 + 60, ...c.challenge, sd_hash: sdHash(parts.presented) };

  return [
    c.v("accept: SD-JWT VC (ES256K), every claim disclosed", good, "accept", null),
    c.v("accept: SD-JWT VC (EdDSA)", await issue({ key: c.edKey }), "accept", null),
    c.v(
      "reject: SD-JWT VC revoked (the jwt_vc's list and index)",
      await issue({ rev: 5, susp: 8 }),
      "reject",
      "revoked",
    ),
    c.v("reject: SD-JWT VC suspended", await issue({ rev: 9, susp: 7 }), "reject", "suspended"),
    c.v(
      "reject: SD-JWT with typ vc+jwt",
      resign(good, (h) => void (h.typ = "vc+jwt")),
      "reject",
      "wrong_typ",
    ),
    c.v("reject: a KB-JWT presented as a credential", kbOnly, "reject", "wrong_typ"),
    c.v("reject: a status list token presented as a credential", statusToken, "reject", "wrong_typ"),
    c.v(
      "reject: SD-JWT tampered disclosure",
      joinSdJwt(splitSdJwt(good).issuerJwt, [tampered]),
      "reject",
      "sd_disclosure_unreferenced",
    ),
    c.v(
      "reject: SD-JWT duplicate disclosure",
      joinSdJwt(splitSdJwt(good).issuerJwt, [goodDisclosure, goodDisclosure]),
      "reject",
      "sd_disclosure_duplicate",
    ),
    c.v(
      "reject: SD-JWT disclosure of another credential",
      joinSdJwt(splitSdJwt(good).issuerJwt, [goodDisclosure, other]),
      "reject",
      "sd_disclosure_unreferenced",
    ),
    c.v(
      "reject: SD-JWT digest appearing twice",
      resign(good, (_h, p) => void (p._sd = [...(p._sd as string[]), (p._sd as string[])[0] as string])),
      "reject",
      "sd_digest_duplicate",
    ),
    c.v(
      "reject: SD-JWT disclosure with four elements",
      resign(good, (_h, p) => void (p._sd = [...(p._sd as string[]), base64urlEncode(sha256(utf8(fourArity)))]), [
        fourArity,
      ]),
      "reject",
      "sd_disclosure_malformed",
    ),
    c.v(
      "reject: SD-JWT array-element disclosure referenced as a claim",
      resign(good, (_h, p) => void (p._sd = [...(p._sd as string[]), element.digest]), [element.encoded]),
      "reject",
      "sd_disclosure_malformed",
    ),
    c.v(
      "reject: SD-JWT claim disclosure referenced as an array element",
      resign(good, (_h, p) => void (p.nicknames = [{ "...": property.digest }]), [property.encoded]),
      "reject",
      "sd_disclosure_malformed",
    ),
    c.v(
      "reject: SD-JWT salt under 128 bits",
      resign(good, (_h, p) => void (p._sd = [...(p._sd as string[]), shortSalt.digest]), [shortSalt.encoded]),
      "reject",
      "sd_salt_too_short",
    ),
    c.v(
      "reject: SD-JWT discloses a claim that may not be selectively disclosed (nbf)",
      resign(
        good,
        (_h, p) => {
          delete p.nbf;
          p._sd = [...(p._sd as string[]), extra("nbf", c.T0).digest];
        },
        [extra("nbf", c.T0).encoded],
      ),
      "reject",
      "sd_claim_invalid",
    ),
    c.v(
      "reject: SD-JWT disclosure named __proto__ is a claim (schema), not a prototype",
      resign(good, (_h, p) => void (p._sd = [...(p._sd as string[]), proto.digest]), [proto.encoded]),
      "reject",
      "schema_invalid",
    ),
    c.v(
      "reject: SD-JWT with _sd_alg sha-1",
      resign(good, (_h, p) => void (p._sd_alg = "sha-1")),
      "reject",
      "sd_alg_unsupported",
    ),
    c.v(
      "reject: SD-JWT tampered issuer payload",
      `${splitSdJwt(good).issuerJwt.split(".")[0]}.${b64({ ...parse(splitSdJwt(good).issuerJwt.split(".")[1] as string), exp: c.T0 + 999_999 })}.${splitSdJwt(good).issuerJwt.split(".")[2]}~${goodDisclosure}~`,
      "reject",
      "bad_signature",
    ),
    c.v(
      "reject: SD-JWT without a holder key (cnf)",
      resign(good, (_h, p) => void delete p.cnf),
      "reject",
      "holder_key_invalid",
    ),
    // Registered claims of the wrong JSON type (issue 22 item 15), as in the jwt_vc form.
    ...(
      [
        ["iss", 1],
        ["sub", 1],
        ["aud", 7],
        ["exp", String(c.T0 + 86400)],
        ["nbf", String(c.T0 + 7200)],
        ["iat", String(c.T0 - 600)],
        ["jti", 42],
        ["vct", ["HealthCode"]],
        ["vct#integrity", 1],
        ["cnf", "did:key:x"],
        ["status", "revoked?"],
        ["_sd_alg", 256],
        ["_sd", "x"],
      ] as [string, JsonValue][]
    ).map(([name, value]) =>
      c.v(
        `reject: SD-JWT ${name} as ${JSON.stringify(value)} (a registered claim of the wrong JSON type)`,
        resign(good, (_h, p) => void (p[name] = value)),
        "reject",
        "claim_type_invalid",
      ),
    ),
    c.v("reject: SD-JWT with an empty disclosure", `${splitSdJwt(good).issuerJwt}~~`, "reject", "sd_jwt_malformed"),

    vp("accept: SD-JWT presentation, 1 of 2 claims, bound to the challenge", presented, "accept", null),
    vp(
      "accept: SD-JWT static presentation (KB-JWT for this region, no nonce)",
      await present(two, { challenge: false }),
      "accept",
      null,
      { challenge: undefined },
    ),
    vp(
      "reject: SD-JWT static presentation for another region",
      await present(two, { challenge: false }),
      "reject",
      "wrong_audience",
      { challenge: undefined, region: "CN-ZJ" },
    ),
    vp(
      "accept: SD-JWT presentation in its compact QR form",
      compactSdJwtPresentation(await present(two)),
      "accept",
      null,
    ),
    vp("reject: SD-JWT presentation with key binding stripped", parts.presented, "reject", "key_binding_missing"),
    vp("reject: SD-JWT presentation for another checkpoint (aud)", await present(two), "reject", "wrong_audience", {
      challenge: { ...c.challenge, audience: "checkpoint:CN-SH:gate-9" },
    }),
    vp("reject: SD-JWT presentation with a wrong nonce", await present(two), "reject", "wrong_nonce", {
      challenge: { ...c.challenge, nonce: "n-00000000" },
    }),
    vp(
      "accept: SD-JWT answer after a revoked credential's answer to the same challenge was refused (the nonce stays usable)",
      await present(two),
      "accept",
      null,
      { spentBy: await present(await issue({ claims: { healthStatus: "green", givenName: "Mei" }, rev: 5, susp: 8 })) },
    ),
    vp(
      "accept: SD-JWT answer after one withholding a claim the challenge asked for was refused",
      presented,
      "accept",
      null,
      {
        challenge: { ...c.challenge, claims: ["healthStatus"] },
        spentBy: await present(two, { disclose: ["givenName"] }),
      },
    ),
    vp("reject: SD-JWT presentation nonce reused", await present(two), "reject", "nonce_reused", { replay: true }),
    vp(
      "reject: SD-JWT presentation with a wrong sd_hash",
      `${parts.presented}${await kbFor({ ...kbPayload, sd_hash: sdHash(`${parts.presented}x`) })}`,
      "reject",
      "sd_hash_mismatch",
    ),
    vp(
      "reject: SD-JWT presentation with a disclosure added after key binding",
      `${parts.presented}${splitSdJwt(two).disclosures.find((d) => !parts.disclosures.includes(d))}~${parts.kbJwt}`,
      "reject",
      "sd_hash_mismatch",
    ),
    vp(
      "reject: SD-JWT KB-JWT iat outside the window",
      await present(two, { at: c.T0 - 600 }),
      "reject",
      "presentation_expired",
    ),
    vp(
      "reject: SD-JWT KB-JWT iat in the future",
      await present(two, { at: c.now + 600 }),
      "reject",
      "presentation_expired",
    ),
    vp(
      "reject: SD-JWT KB-JWT signed by a key other than cnf",
      await present(two, { signer: holderSigner(c.otherHolderKey) }),
      "reject",
      "bad_signature",
    ),
    vp(
      "reject: SD-JWT KB-JWT with typ JWT",
      `${parts.presented}${await kbFor(kbPayload, { alg: "ES256", typ: "JWT" })}`,
      "reject",
      "wrong_typ",
    ),
    vp(
      "reject: SD-JWT presentation of a revoked credential",
      await present(await issue({ claims: { healthStatus: "green", givenName: "Mei" }, rev: 5, susp: 8 })),
      "reject",
      "revoked",
    ),
    vp(
      "reject: SD-JWT compact QR text with bytes after the DEFLATE stream (one QR text per presentation)",
      withTrailingByte(compactSdJwtPresentation(await present(two))),
      "reject",
      "compact_malformed",
    ),
    vp(
      "reject: SD-JWT compact QR text compressed without the LZ2 dictionary (one encoding per QR form)",
      withoutDictionary(compactSdJwtPresentation(await present(two)), SD_COMPACT_DICTIONARY),
      "reject",
      "compact_malformed",
    ),
    vp(
      "reject: SD-JWT KB-JWT past its own exp",
      `${parts.presented}${await kbFor({ ...kbPayload, exp: c.now - 120 })}`,
      "reject",
      "presentation_expired",
    ),
    vp(
      "reject: SD-JWT presentation withholding a claim the challenge asked for",
      presented,
      "reject",
      "claims_not_disclosed",
      { challenge: { ...c.challenge, claims: ["givenName"] } },
    ),
    vp("accept: SD-JWT presentation disclosing what the challenge asked for", presented, "accept", null, {
      challenge: { ...c.challenge, claims: ["healthStatus"] },
    }),
    vp(
      "reject: SD-JWT compact QR bomb (inflates past the cap)",
      `${SD_COMPACT_PREFIX}${base45Encode(deflateSync(new Uint8Array(200_000)))}`,
      "reject",
      "compact_too_large",
    ),
  ];
}
