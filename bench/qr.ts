/**
 * QR size of each demo credential's presentation: the static VP JWT as it is (the standard
 * form, and the peer) against its compact QR form (core/compact.ts), in characters and QR
 * version at error correction M; and what expanding the compact form costs a checkpoint.
 */
import { p256 } from "@noble/curves/nist.js";
import {
  compactPresentation,
  expandPresentation,
  holderSigner,
  issueCredential,
  p256DidKey,
  presentCredential,
  regionAudience,
  statusListUrl,
} from "../core/index.ts";
import { qrSize } from "../web/qr.ts";
import { DEMO_AGENCIES, DEMO_CLAIMS, demoIssuerKey, demoSchema, type DemoType } from "../scripts/demo/consortium.ts";
import type { Figures } from "./report.ts";
import { perOpSync, round } from "./timing.ts";

const CHAIN_ID = 31337;
const now = Math.floor(Date.now() / 1000);

export async function benchQr(): Promise<{ figures: Figures; notes: string }> {
  const holderSecret = p256.utils.randomSecretKey();
  const holder = p256DidKey(p256.getPublicKey(holderSecret, false));
  const figures: Figures = {};
  const rows: string[] = [
    "| credential (issuer key) | VP JWT | QR version | compact QR text | QR version | ratio |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  let sample = "";
  for (const type of Object.keys(DEMO_CLAIMS) as DemoType[]) {
    for (const alg of ["ES256K", "EdDSA"] as const) {
      const agency = DEMO_AGENCIES.findIndex((a) => a.types.includes(type));
      // As `npm start` issues them: the agency's issuer service on 127.0.0.1:8701+, its two lists, random indices.
      const base = `http://127.0.0.1:${8701 + agency}`;
      const vc = await issueCredential({
        key: demoIssuerKey(CHAIN_ID, agency, alg),
        holder,
        credentialType: type,
        claims: DEMO_CLAIMS[type],
        schema: demoSchema(type),
        status: {
          revocation: { listUrl: statusListUrl(base, CHAIN_ID, 2 * agency), index: 93_841 },
          suspension: { listUrl: statusListUrl(base, CHAIN_ID, 2 * agency + 1), index: 12_077 },
        },
        id: `urn:uuid:${crypto.randomUUID()}`,
        issuedAt: now,
        validUntil: now + 86_400,
      });
      const vp = await presentCredential({
        credential: vc,
        holder,
        signer: holderSigner(holderSecret),
        issuedAt: now,
        audience: regionAudience("CN-SH"),
      });
      const compact = compactPresentation(vp);
      const raw = qrSize(vp);
      const small = qrSize(compact);
      const name = `qr.${type}.${alg}`;
      figures[`${name}.vp_jwt_chars`] = { value: vp.length, unit: "characters" };
      figures[`${name}.vp_jwt_fits_qr_m`] = { value: raw.version === null ? 0 : 1, unit: "1 = fits a QR code at M" };
      figures[`${name}.compact_chars`] = { value: compact.length, unit: "characters" };
      figures[`${name}.compact_version`] = { value: small.version ?? 99, unit: "QR version (M)" };
      rows.push(
        `| ${type} (${alg}) | ${vp.length} | ${raw.version ?? "none (> 40)"} | ${compact.length} | ${small.version} | ${(vp.length / compact.length).toFixed(2)}× |`,
      );
      if (type === "HealthCode" && alg === "ES256K") sample = compact;
    }
  }
  const expandMs = perOpSync(() => expandPresentation(sample), { batch: 500, rounds: 9, warmup: 200 });
  figures["qr.expand_compact_us"] = { value: round(expandMs * 1000, 3), unit: "µs per presentation" };
  const health = figures["qr.HealthCode.ES256K.compact_version"]?.value ?? 99;
  return {
    figures,
    notes: [
      ...rows,
      "",
      "Static presentations (what a one-way QR code carries), each credential as the demo issuers sign it.",
      "The VP JWT (the peer: the standard form, byte mode) carries the credential JWT base64url-encoded inside its own",
      "base64url payload. The compact form (`LZ1:` + base45 of the DEFLATEd, losslessly repacked JWTs, QR alphanumeric",
      "mode) expands back to the identical VP JWT, so both signatures verify over the original bytes.",
      `**Goal: a health-code presentation fits QR version 20 or lower at level M — ${health <= 20 ? "met" : "NOT met"}** (version ${health}).`,
      `Expanding the compact form at a checkpoint costs ${figures["qr.expand_compact_us"]?.value} µs (inflate + re-encode), against ~60–110 µs for the verification itself.`,
    ].join("\n"),
  };
}
