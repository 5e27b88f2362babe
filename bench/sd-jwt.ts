/**
 * SD-JWT VC, side by side in one run: (1) presentation verification — a health code with 4
 * claims, 1 disclosed, KB-JWT bound to a challenge — Laissez native against Laissez's jwt_vc VP
 * verification and against sd-jwt-js 0.19.0's verify of the same presentation with its
 * resolver (ethr-did-resolver on the in-process chain); (2) QR characters and version at M of
 * each demo credential's SD-JWT presentation, minimal and full disclosure; (3) bytes of a
 * 131,072-entry status list at 0.1 % set, W3C Status List 2021 vs IETF Token Status List.
 */
import { p256 } from "@noble/curves/nist.js";
import { digest } from "@sd-jwt/crypto-nodejs";
import { SDJwtVcInstance } from "@sd-jwt/sd-jwt-vc";
import { createJWS } from "did-jwt";
import {
  bitstringToTokenStatusList,
  compactSdJwtPresentation,
  encodeLst,
  encodeStatusList,
  holderSigner,
  issueCredential,
  issueSdJwtVc,
  p256DidKey,
  presentCredential,
  presentSdJwtVc,
  regionAudience,
  setBit,
  signStatusListToken,
  statusListUrl,
  statusSetToBitstring,
  STATUS_LIST_CONTEXT,
  STATUS_LIST_TYPES,
  TYP,
  VC_CONTEXT,
  verifyPresentation,
} from "../core/index.ts";
import { syncBundle } from "../services/checkpoint/sync.ts";
import { nativeVerifier } from "../services/crypto/native-verifier.ts";
import { qrSize } from "../web/qr.ts";
import { DEMO_AGENCIES, DEMO_CLAIMS, demoIssuerKey, demoSchema, type DemoType } from "../scripts/demo/consortium.ts";
import { demoSchemas } from "../scripts/context.ts";
import { seededChain } from "../test/helpers/chain.ts";
import { chainResolver, es256kFromChain, kbVerifier } from "../test/helpers/sd-jwt-js.ts";
import { randomIndices } from "./random.ts";
import type { Figures } from "./report.ts";
import { perOp, perOpInterleaved, round } from "./timing.ts";

const HEALTH = { healthStatus: "green", givenName: "Mei", familyName: "Li", birthDate: "1990-04-12" };

export async function benchSdJwt(): Promise<{ figures: Figures; notes: string }> {
  const figures: Figures = {};
  const verify = await benchVerification(figures);
  const qr = await benchQr(figures);
  const lists = await benchStatusLists(figures);
  return { figures, notes: [verify, "", qr, "", lists].join("\n") };
}

async function benchVerification(figures: Figures): Promise<string> {
  const chain = await seededChain();
  const { bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas });
  const now = await chain.networkHelpers.time.latest();
  const agency = chain.agencies[0]!;
  const key = demoIssuerKey(31337, 0, "ES256K");
  const holderSecret = p256.utils.randomSecretKey();
  const holder = p256DidKey(p256.getPublicKey(holderSecret, false));
  const base = "http://127.0.0.1:8701";
  const status = {
    revocation: { listUrl: statusListUrl(base, 31337, agency.revocationList), index: 4242 },
    suspension: { listUrl: statusListUrl(base, 31337, agency.suspensionList), index: 4243 },
  };
  const common = {
    key,
    holder,
    credentialType: "HealthCode",
    schema: demoSchema("HealthCode"),
    status,
    id: "urn:uuid:bench-sd",
    issuedAt: now,
    validUntil: now + 86400,
  };
  const challenge = { audience: "checkpoint:CN-SH:gate-1", nonce: "n-bench" };
  const sdVp = await presentSdJwtVc({
    credential: await issueSdJwtVc({ ...common, claims: HEALTH }),
    disclose: ["healthStatus"],
    signer: holderSigner(holderSecret),
    issuedAt: now,
    ...challenge,
  });
  const vp = await presentCredential({
    credential: await issueCredential({ ...common, claims: HEALTH }),
    holder,
    signer: holderSigner(holderSecret),
    issuedAt: now,
    ...challenge,
  });
  const params = {
    bundle,
    region: "CN-SH",
    now: now + 5,
    verifier: nativeVerifier,
    keyCache: new Map<string, Uint8Array>(),
    challenge,
  };
  for (const t of [sdVp, vp])
    if (verifyPresentation(t, params).verdict !== "accept") throw new Error("bench presentation does not verify");
  const [sd, jwtVc] = perOpInterleaved([() => verifyPresentation(sdVp, params), () => verifyPresentation(vp, params)], {
    batch: 500,
    rounds: 15,
    warmup: 300,
  }) as [number, number];

  // sd-jwt-js: the issuer key from ethr-did-resolver on the chain, the status list token as its fetcher would get it (one prefetched copy: no network).
  const es256k = es256kFromChain(chainResolver(chain), key.did);
  const list = bundle.statusLists[String(agency.revocationList)]!;
  const token = await signStatusListToken(
    {
      sub: status.revocation.listUrl,
      iat: now,
      exp: now + 300,
      ttl: 300,
      status_list: { bits: 1, lst: encodeLst(bitstringToTokenStatusList(statusSetToBitstring(list.set, list.size))) },
    },
    key,
  );
  const theirs = new SDJwtVcInstance({
    hasher: digest,
    verifier: es256k,
    kbVerifier,
    statusListFetcher: async () => token,
    statusVerifier: es256k,
  });
  await theirs.verify(sdVp, { keyBindingNonce: challenge.nonce, currentDate: now + 5 });
  const peer = await perOp(() => theirs.verify(sdVp, { keyBindingNonce: challenge.nonce, currentDate: now + 5 }), {
    batch: 10,
    rounds: 7,
    warmup: 5,
  });

  figures["sdjwt.verify.laissez_native_us"] = { value: round(sd * 1000), unit: "µs/op" };
  figures["sdjwt.verify.jwt_vc_vp_native_us"] = { value: round(jwtVc * 1000), unit: "µs/op" };
  figures["sdjwt.verify.sd_jwt_js_us"] = { value: round(peer * 1000), unit: "µs/op" };
  figures["sdjwt.verify.ratio_to_jwt_vc"] = { value: round(sd / jwtVc, 3), unit: "×" };
  figures["sdjwt.verify.speedup_vs_sd_jwt_js"] = { value: round(peer / sd, 3), unit: "×" };
  return [
    "**SD-JWT VC presentation verification** (health code, 4 claims, 1 disclosed, KB-JWT bound to a challenge; ES256K issuer key):",
    `Laissez native ${(sd * 1000).toFixed(1)} µs vs Laissez jwt_vc VP ${(jwtVc * 1000).toFixed(1)} µs → **${(sd / jwtVc).toFixed(2)}×** (goal ≤ 1.5×);`,
    `sd-jwt-js 0.19.0 ${(peer * 1000).toFixed(0)} µs → Laissez is **${(peer / sd).toFixed(0)}× faster** (goal ≥ 10×).`,
    "Laissez: every check (issuer, key, accreditation, recognition, validity, schema, status and freshness from the bundle, KB-JWT, sd_hash, aud, nonce), offline,",
    "interleaved rounds (medians of 15). sd-jwt-js: issuer key through ethr-did-resolver on the in-process chain on every call (its resolver), KB-JWT",
    "with noble P-256, the status list token prefetched once (its fetcher would go to the network) but verified and inflated on every call; it checks no accreditation, recognition or schema.",
  ].join("\n");
}

async function benchQr(figures: Figures): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const holderSecret = p256.utils.randomSecretKey();
  const holder = p256DidKey(p256.getPublicKey(holderSecret, false));
  const rows = [
    "| SD-JWT presentation (issuer key) | minimal: chars | version | full: chars | version |",
    "| --- | ---: | ---: | ---: | ---: |",
  ];
  for (const type of Object.keys(DEMO_CLAIMS) as DemoType[]) {
    for (const alg of ["ES256K", "EdDSA"] as const) {
      const agency = DEMO_AGENCIES.findIndex((a) => a.types.includes(type));
      const base = `http://127.0.0.1:${8701 + agency}`;
      const claims = type === "HealthCode" ? HEALTH : DEMO_CLAIMS[type];
      const credential = await issueSdJwtVc({
        key: demoIssuerKey(31337, agency, alg),
        holder,
        credentialType: type,
        claims,
        schema: demoSchema(type),
        status: {
          revocation: { listUrl: statusListUrl(base, 31337, 2 * agency), index: 93_841 },
          suspension: { listUrl: statusListUrl(base, 31337, 2 * agency + 1), index: 12_077 },
        },
        id: `urn:uuid:${crypto.randomUUID()}`,
        issuedAt: now,
        validUntil: now + 86_400,
      });
      const sizes = [];
      for (const disclose of [[Object.keys(claims)[0] as string], Object.keys(claims)]) {
        const text = compactSdJwtPresentation(
          await presentSdJwtVc({
            credential,
            disclose,
            signer: holderSigner(holderSecret),
            issuedAt: now,
            audience: regionAudience("CN-SH"),
          }),
        );
        sizes.push(qrSize(text));
      }
      const [min, full] = sizes as [ReturnType<typeof qrSize>, ReturnType<typeof qrSize>];
      const name = `sdjwt.qr.${type}.${alg}`;
      figures[`${name}.minimal_chars`] = { value: min.characters, unit: "characters" };
      figures[`${name}.minimal_version`] = { value: min.version ?? 99, unit: "QR version (M)" };
      figures[`${name}.full_chars`] = { value: full.characters, unit: "characters" };
      figures[`${name}.full_version`] = { value: full.version ?? 99, unit: "QR version (M)" };
      rows.push(`| ${type} (${alg}) | ${min.characters} | ${min.version} | ${full.characters} | ${full.version} |`);
    }
  }
  const health = figures["sdjwt.qr.HealthCode.ES256K.minimal_version"]?.value ?? 99;
  return [
    "**QR codes of SD-JWT presentations** (`LZ2:` compact form, static KB-JWT for a region; minimal = the first claim only, full = every claim; the health code has 4 claims):",
    "",
    ...rows,
    "",
    `**Goal: the health code's minimal-disclosure presentation fits QR version 20 at M — ${health <= 20 ? "met" : "NOT met"}** (version ${health}).`,
  ].join("\n");
}

async function benchStatusLists(figures: Figures): Promise<string> {
  const size = 131_072;
  const bits = new Uint8Array(size / 8);
  for (const i of randomIndices(size / 1000, size, 7)) setBit(bits, i, true);
  const key = demoIssuerKey(31337, 0, "ES256K");
  const uri = "http://127.0.0.1:8701/status/31337/0";
  const encodedList = encodeStatusList(bits);
  const w3c = await createJWS(
    {
      iss: key.did,
      iat: 1,
      exp: 301,
      jti: uri,
      vc: {
        "@context": [VC_CONTEXT, STATUS_LIST_CONTEXT],
        id: uri,
        type: ["VerifiableCredential", STATUS_LIST_TYPES.credential],
        credentialSubject: {
          id: `${uri}#list`,
          type: STATUS_LIST_TYPES.list,
          statusPurpose: "revocation",
          encodedList,
        },
      },
    },
    key.signer,
    { alg: key.alg, typ: TYP.credential as "JWT", kid: key.kid },
  );
  const lst = encodeLst(bitstringToTokenStatusList(bits));
  const ietf = await signStatusListToken({ sub: uri, iat: 1, exp: 301, ttl: 300, status_list: { bits: 1, lst } }, key);
  figures["sdjwt.status_list.w3c_encoded_list_chars"] = { value: encodedList.length, unit: "characters" };
  figures["sdjwt.status_list.w3c_credential_jwt_bytes"] = { value: w3c.length, unit: "bytes" };
  figures["sdjwt.status_list.ietf_lst_chars"] = { value: lst.length, unit: "characters" };
  figures["sdjwt.status_list.ietf_token_bytes"] = { value: ietf.length, unit: "bytes" };
  return [
    `**Status list, 131,072 entries, 0.1 % set (131 random indices)**: W3C StatusList2021Credential JWT ${w3c.length} bytes (encodedList ${encodedList.length} characters, GZIP),`,
    `IETF statuslist+jwt ${ietf.length} bytes (lst ${lst.length} characters, ZLIB). Both signed by the agency's ES256K key; both carry the compressed list base64url-encoded inside the JWT payload (so twice); ZLIB's header and trailer are 12 bytes shorter than GZIP's.`,
  ].join("\n");
}
