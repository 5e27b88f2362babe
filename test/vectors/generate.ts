/**
 * Builds the verification vectors (test/vectors/verification.json) from fixed keys, a fixed
 * clock and synthetic ledger events: deterministic, so a test can check the committed file is
 * what this code makes. Run `node test/vectors/generate.ts --write` after changing it.
 */
import { softwareSigner } from "../../core/signer.ts";
import { writeFileSync } from "node:fs";
import { deflateSync } from "fflate";
import { base45Encode } from "../../core/base45.ts";
import { COMPACT_DICTIONARY, compactPresentation, COMPACT_PREFIX } from "../../core/formats/jwt-vc/compact.ts";
import { MAX_COMPACT_CHARS } from "../../core/qr-text.ts";
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  addressKeyId,
  applyEvents,
  COMPROMISED_ATTRIBUTE,
  emptyBundle,
  verificationMethodOf,
} from "../../core/bundle.ts";
import {
  bundleScope,
  serializeBundle,
  signEnvelope,
  type SignedEnvelope,
  type SerializedBundle,
} from "../../core/bundle-codec.ts";
import {
  ed25519IssuerKey,
  es256kIssuerKey,
  holderSigner,
  regionAudience,
  statusListUrl,
  type IssuerSigningKey,
} from "../../core/credential.ts";
import { issueCredential, presentCredential } from "../../core/formats/jwt-vc/credential.ts";
import { secp256k1Address } from "../../core/crypto.ts";
import { ethrDid, p256DidKey, p256DidJwk } from "../../core/did.ts";
import { base64urlDecode, base64urlEncode, bytesToHex, utf8 } from "../../core/encoding.ts";
import type { JsonValue } from "../../core/json.ts";
import type { LedgerEvent } from "../../core/ledger-events.ts";
import { hashCanonical } from "../../core/hash.ts";
import { sdJwtVectors, withoutDictionary, withTrailingByte } from "./sd-jwt.ts";
import { compactCredential } from "../../core/formats/jwt-vc/paper.ts";

export interface VerificationVector {
  readonly name: string;
  /** Which entry point: verifyCredential, verifyPresentation, verifyToken (decides the kind itself), or verifyPaperCredential. */
  readonly kind: "credential" | "presentation" | "token" | "paper";
  /** verifyToken's requirePresentation (a checkpoint that always demands holder binding). */
  readonly requirePresentation?: boolean;
  readonly token: string;
  readonly region: string;
  readonly now: number;
  readonly challenge?: { audience: string; nonce: string; claims?: string[] };
  /** Present the same token twice: the second must fail as a replay. */
  readonly replay?: boolean;
  /** Presented first against the same challenge, and refused: it must leave the nonce usable for `token`. */
  readonly spentBy?: string;
  readonly expect: { verdict: "accept" | "reject" | "unknown"; reason: string | null };
}

export interface VectorFile {
  readonly authority: string;
  readonly bundle: SignedEnvelope<SerializedBundle>;
  readonly vectors: VerificationVector[];
}

const CHAIN = 31337;
const T0 = 1_800_000_000; // bundle block time
const key = (label: string): Uint8Array => sha256(utf8(`laissez test vector ${label}`));
const addr = (sk: Uint8Array): string => secp256k1Address(secp256k1.getPublicKey(sk, false));

const SCHEMA: JsonValue = {
  type: "object",
  additionalProperties: false,
  required: ["healthStatus"],
  properties: {
    healthStatus: { type: "string", enum: ["green", "yellow", "red"] },
    givenName: { type: "string", maxLength: 64 },
  },
};

export async function generateVectors(): Promise<VectorFile> {
  const authorityKey = key("authority CN-SH");
  const zjController = key("zj controller");
  const zjDelegate = key("zj delegate");
  const zjRotated = key("zj rotated delegate");
  const zjCompromised = key("zj compromised delegate");
  const zjRetiredNow = key("zj delegate retired with zero validity");
  const zjEd = key("zj ed25519");
  const shDelegate = key("sh delegate");
  const suspendedDelegate = key("suspended delegate");
  const shController = key("sh controller");
  const suspendedController = key("suspended agency");
  const nmController = key("nm controller");
  const zj = addr(zjController);
  const sh = addr(shController);
  const suspended = addr(suspendedController);
  const nm = addr(nmController);
  const edPublic = ed25519.getPublicKey(zjEd);

  let trustSeq = 0;
  let statusSeq = 0;
  const t = (e: object): LedgerEvent => ({ source: "trust", seq: ++trustSeq, ...e }) as LedgerEvent;
  const s = (e: object): LedgerEvent => ({ source: "status", seq: ++statusSeq, ...e }) as LedgerEvent;
  const d = (e: object): LedgerEvent => ({ source: "did", ...e }) as LedgerEvent;
  const events: LedgerEvent[] = [
    t({ kind: "RegionAdded", region: "CN-ZJ", authority: addr(key("authority CN-ZJ")) }),
    t({ kind: "RegionAdded", region: "CN-SH", authority: addr(authorityKey) }),
    t({ kind: "RegionAdded", region: "CN-NM", authority: addr(key("authority CN-NM")) }),
    t({
      kind: "CredentialTypeRegistered",
      credentialType: "HealthCode",
      schemaHash: hashCanonical(SCHEMA),
      schemaUri: "urn:laissez:schema:HealthCode:1",
      maxStatusAge: 3600,
    }),
    t({
      kind: "CredentialTypeRegistered",
      credentialType: "DriverLicence",
      schemaHash: hashCanonical(SCHEMA),
      schemaUri: "urn:laissez:schema:DriverLicence:1",
      maxStatusAge: 7 * 86400,
    }),
    t({
      kind: "CredentialTypeRegistered",
      credentialType: "Permit",
      schemaHash: hashCanonical(SCHEMA),
      schemaUri: "urn:laissez:schema:Permit:1",
      maxStatusAge: 3600,
    }),
    t({ kind: "CredentialTypePolicySet", credentialType: "HealthCode", maxValidity: 7 * 86400, paperAllowed: true }),
    t({
      kind: "CredentialTypePolicySet",
      credentialType: "DriverLicence",
      maxValidity: 5 * 365 * 86400,
      paperAllowed: false,
    }),
    t({
      kind: "CredentialTypeRegistered",
      credentialType: "Visa",
      schemaHash: hashCanonical(SCHEMA),
      schemaUri: "urn:laissez:schema:Visa:1",
      maxStatusAge: 3600,
    }),
    t({ kind: "CredentialTypePolicySet", credentialType: "Visa", maxValidity: 86400 * 90, paperAllowed: false }),
    t({ kind: "IssuerRegistered", issuer: zj, region: "CN-ZJ", name: "Zhejiang Health" }),
    t({ kind: "IssuerRegistered", issuer: suspended, region: "CN-ZJ", name: "Suspended Agency" }),
    t({ kind: "IssuerRegistered", issuer: sh, region: "CN-SH", name: "Shanghai Health" }),
    t({ kind: "IssuerRegistered", issuer: nm, region: "CN-NM", name: "Inner Mongolia Health" }),
    t({
      kind: "IssuerAccredited",
      issuer: zj,
      credentialType: "HealthCode",
      validFrom: T0 - 100_000,
      validUntil: T0 + 100_000,
    }),
    t({
      kind: "IssuerAccredited",
      issuer: suspended,
      credentialType: "HealthCode",
      validFrom: T0 - 100_000,
      validUntil: T0 + 100_000,
    }),
    t({
      kind: "IssuerAccredited",
      issuer: sh,
      credentialType: "HealthCode",
      validFrom: T0 - 100_000,
      validUntil: T0 - 50_000,
    }),
    t({
      kind: "IssuerAccredited",
      issuer: nm,
      credentialType: "HealthCode",
      validFrom: T0 - 100_000,
      validUntil: T0 + 100_000,
    }),
    t({
      kind: "IssuerAccredited",
      issuer: zj,
      credentialType: "Permit",
      validFrom: T0 - 100_000,
      validUntil: T0 + 100_000,
    }),
    // Renewal: a new window from T0 - 1,000 cuts the first there; what was issued before stays valid.
    t({
      kind: "IssuerAccredited",
      issuer: zj,
      credentialType: "HealthCode",
      validFrom: T0 - 1_000,
      validUntil: T0 + 200_000,
    }),
    // DriverLicence: a window that expired, then one withdrawn for cause.
    t({
      kind: "IssuerAccredited",
      issuer: zj,
      credentialType: "DriverLicence",
      validFrom: T0 - 300_000,
      validUntil: T0 - 200_000,
    }),
    t({
      kind: "IssuerAccredited",
      issuer: zj,
      credentialType: "DriverLicence",
      validFrom: T0 - 100_000,
      validUntil: T0 + 100_000,
    }),
    t({ kind: "AccreditationWithdrawn", issuer: zj, credentialType: "DriverLicence" }),
    t({ kind: "IssuerStatusChanged", issuer: suspended, status: "suspended" }),
    t({
      kind: "RecognitionSet",
      verifyingRegion: "CN-SH",
      issuingRegion: "CN-ZJ",
      credentialType: "HealthCode",
      recognized: true,
    }),
    s({ kind: "StatusListCreated", listId: 0, issuer: zj, purpose: "revocation", size: 131_072 }),
    s({ kind: "StatusListCreated", listId: 1, issuer: zj, purpose: "suspension", size: 131_072 }),
    s({ kind: "StatusListCreated", listId: 2, issuer: sh, purpose: "revocation", size: 131_072 }),
    s({ kind: "StatusListCreated", listId: 3, issuer: zj, purpose: "revocation", size: 1024 }),
    s({ kind: "StatusUpdated", listId: 0, listSeq: 1, set: true, words: [[0, "0x20"]] }), // index 5 revoked
    s({ kind: "StatusUpdated", listId: 1, listSeq: 1, set: true, words: [[0, "0x80"]] }), // index 7 suspended
    d({
      kind: "DidDelegateChanged",
      timestamp: T0 - 400_000,
      identity: zj,
      delegateType: "veriKey",
      delegate: addr(zjDelegate),
      validTo: T0 + 365 * 86400,
    }),
    d({
      kind: "DidAttributeChanged",
      timestamp: T0 - 90_000,
      identity: zj,
      name: "did/pub/Ed25519/veriKey/base64",
      value: `0x${bytesToHex(edPublic)}`,
      validTo: T0 + 365 * 86400,
    }),
    // Planned rotation: valid until T0 - 10,000, then replaced.
    d({
      kind: "DidDelegateChanged",
      timestamp: T0 - 90_000,
      identity: zj,
      delegateType: "veriKey",
      delegate: addr(zjRotated),
      validTo: T0 + 365 * 86400,
    }),
    d({
      kind: "DidDelegateChanged",
      timestamp: T0 - 20_000,
      identity: zj,
      delegateType: "veriKey",
      delegate: addr(zjRotated),
      validTo: T0 - 10_000,
    }),
    // ... and re-added later: its second window counts too.
    d({
      kind: "DidDelegateChanged",
      timestamp: T0 - 3_000,
      identity: zj,
      delegateType: "veriKey",
      delegate: addr(zjRotated),
      validTo: T0 + 365 * 86400,
    }),
    // Compromise: recorded explicitly (the laissez/compromised attribute), besides the revocation.
    d({
      kind: "DidDelegateChanged",
      timestamp: T0 - 90_000,
      identity: zj,
      delegateType: "veriKey",
      delegate: addr(zjCompromised),
      validTo: T0 + 365 * 86400,
    }),
    d({
      kind: "DidDelegateChanged",
      timestamp: T0 - 5_000,
      identity: zj,
      delegateType: "veriKey",
      delegate: addr(zjCompromised),
      validTo: T0 - 5_000,
    }),
    d({
      kind: "DidAttributeChanged",
      timestamp: T0 - 5_000,
      identity: zj,
      name: COMPROMISED_ATTRIBUTE,
      value: addr(zjCompromised),
      validTo: T0 + 365 * 86400,
    }),
    // A planned rotation effective immediately (revokeDelegate, zero validity): not a compromise.
    d({
      kind: "DidDelegateChanged",
      timestamp: T0 - 90_000,
      identity: zj,
      delegateType: "veriKey",
      delegate: addr(zjRetiredNow),
      validTo: T0 + 365 * 86400,
    }),
    d({
      kind: "DidDelegateChanged",
      timestamp: T0 - 5_000,
      identity: zj,
      delegateType: "veriKey",
      delegate: addr(zjRetiredNow),
      validTo: T0 - 5_000,
    }),
    d({
      kind: "DidDelegateChanged",
      timestamp: T0 - 90_000,
      identity: sh,
      delegateType: "veriKey",
      delegate: addr(shDelegate),
      validTo: T0 + 365 * 86400,
    }),
    d({
      kind: "DidDelegateChanged",
      timestamp: T0 - 90_000,
      identity: suspended,
      delegateType: "veriKey",
      delegate: addr(suspendedDelegate),
      validTo: T0 + 365 * 86400,
    }),
  ];
  const bundle = applyEvents(
    emptyBundle(
      CHAIN,
      {
        trustRegistry: "0x" + "1".repeat(40),
        statusRegistry: "0x" + "2".repeat(40),
        didRegistry: "0x" + "3".repeat(40),
      },
      { number: 0, hash: "", timestamp: 0 },
    ),
    events,
    { number: 100, hash: "0x" + "ab".repeat(32), timestamp: T0 },
  );
  for (const type of Object.values(bundle.credentialTypes)) type.schema = SCHEMA;

  const holderKey = key("holder");
  const holder = p256DidKey(p256.getPublicKey(holderKey, false));
  const otherHolderKey = key("other holder");
  const otherHolder = p256DidJwk(p256.getPublicKey(otherHolderKey, false));
  const zjDid = ethrDid(CHAIN, zj);
  const base = "http://127.0.0.1:8700";
  const status = (rev: number, susp: number, revList = 0, suspList = 1) => ({
    revocation: { listUrl: statusListUrl(base, CHAIN, revList), index: rev },
    suspension: { listUrl: statusListUrl(base, CHAIN, suspList), index: susp },
  });
  // Each kid names the key's verification method as ethr-did-resolver numbers it (#delegate-N).
  const method = (identity: string, k: { address: string } | { publicKey: Uint8Array }): string =>
    verificationMethodOf(bundle, identity, k) ?? "none";
  const keyOf = (identity: string, sk: Uint8Array) =>
    es256kIssuerKey(ethrDid(CHAIN, identity), method(identity, { address: addr(sk) }), sk);
  const delegateKey = keyOf(zj, zjDelegate);
  const edKey = ed25519IssuerKey(zjDid, method(zj, { publicKey: edPublic }), zjEd);
  let n = 0;
  const issue = (
    o: {
      key?: IssuerSigningKey;
      at?: number;
      status?: ReturnType<typeof status>;
      claims?: Record<string, JsonValue>;
      type?: string;
      until?: number;
      holderDid?: string;
    } = {},
  ) =>
    issueCredential({
      key: o.key ?? delegateKey,
      holder: o.holderDid ?? holder,
      credentialType: o.type ?? "HealthCode",
      claims: o.claims ?? { healthStatus: "green" },
      schema: SCHEMA,
      status: o.status ?? status(100 + n, 100 + n),
      id: `urn:uuid:00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`,
      issuedAt: o.at ?? T0 - 600,
      validUntil: o.until ?? T0 + 86400,
    });
  const b64 = (v: unknown) => base64urlEncode(utf8(typeof v === "string" ? v : JSON.stringify(v)));
  // Signs an arbitrary header/payload with the ZJ delegate key: for tokens issueCredential refuses to make.
  const raw = async (
    header: Record<string, JsonValue>,
    payload: Record<string, JsonValue>,
    sk = zjDelegate,
  ): Promise<string> => {
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${base64urlEncode(secp256k1.sign(utf8(input), sk))}`;
  };
  const good = await issue();
  const [gh, gp] = good.split(".") as [string, string, string];
  const goodPayload = JSON.parse(new TextDecoder().decode(base64urlDecode(gp))) as Record<string, JsonValue>;
  const goodHeader = JSON.parse(new TextDecoder().decode(base64urlDecode(gh))) as Record<string, JsonValue>;
  const withSignature = (token: string, sig: Uint8Array) =>
    `${token.split(".").slice(0, 2).join(".")}.${base64urlEncode(sig)}`;
  const sigOf = (token: string) => base64urlDecode(token.split(".")[2] as string);
  const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const highS = (() => {
    const sig = sigOf(good);
    const s = BigInt(`0x${bytesToHex(sig.subarray(32))}`);
    const twin = (N - s).toString(16).padStart(64, "0");
    return Uint8Array.from([
      ...sig.subarray(0, 32),
      ...Array.from({ length: 32 }, (_, i) => parseInt(twin.slice(2 * i, 2 * i + 2), 16)),
    ]);
  })();
  const holderSign = holderSigner(holderKey);
  // Static presentations name CN-SH's checkpoints unless told otherwise (audience null: none).
  const present = (
    credential: string,
    o: { at?: number; audience?: string | null; nonce?: string; signer?: typeof holderSign; holderDid?: string } = {},
  ) =>
    presentCredential({
      credential,
      holder: o.holderDid ?? holder,
      signer: o.signer ?? holderSign,
      issuedAt: o.at ?? T0 + 60,
      ...(o.audience !== null ? { audience: o.audience ?? regionAudience("CN-SH") } : {}),
      ...(o.nonce ? { nonce: o.nonce } : {}),
    });

  // Re-signs a presentation's payload with the holder key (low s): for presentations presentCredential does not make.
  const resignVp = (token: string, change: (payload: Record<string, JsonValue>) => void): string => {
    const [h, p] = token.split(".") as [string, string, string];
    const payload = JSON.parse(new TextDecoder().decode(base64urlDecode(p))) as Record<string, JsonValue>;
    change(payload);
    const input = `${h}.${b64(payload)}`;
    return `${input}.${base64urlEncode(p256.sign(utf8(input), holderKey))}`;
  };
  const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  /** The other signature of the same message: s → n − s (an ES256 VP's malleable twin). */
  const p256Twin = (token: string): string => {
    const sig = sigOf(token);
    const s = (P256_N - BigInt(`0x${bytesToHex(sig.subarray(32))}`)).toString(16).padStart(64, "0");
    return withSignature(
      token,
      Uint8Array.from([
        ...sig.subarray(0, 32),
        ...Array.from({ length: 32 }, (_, i) => parseInt(s.slice(2 * i, 2 * i + 2), 16)),
      ]),
    );
  };

  const now = T0 + 120;
  const SH = "CN-SH";
  const v = (
    name: string,
    token: string,
    verdict: VerificationVector["expect"]["verdict"],
    reason: string | null,
    extra: Partial<VerificationVector> = {},
  ): VerificationVector => ({
    name,
    kind: "credential",
    token,
    region: SH,
    now,
    expect: { verdict, reason },
    ...extra,
  });
  const challenge = { audience: "checkpoint:CN-SH:gate-3", nonce: "n-8c1f4e2a" };
  const vp = (
    name: string,
    token: string,
    verdict: VerificationVector["expect"]["verdict"],
    reason: string | null,
    extra: Partial<VerificationVector> = {},
  ) => v(name, token, verdict, reason, { kind: "presentation", ...extra });

  const vectors: VerificationVector[] = [
    v("accept: ES256K veriKey delegate", good, "accept", null),
    v("accept: EdDSA key published as an ERC-1056 attribute", await issue({ key: edKey }), "accept", null),
    v(
      "reject: signed by the DID owner (owners sign nothing; only delegated keys do)",
      await issue({ key: es256kIssuerKey(zjDid, addressKeyId(zj), zjController) }),
      "reject",
      "unknown_key",
    ),
    v("accept: in the issuing region without recognition", good, "accept", null, { region: "CN-ZJ" }),
    v("reject: revoked", await issue({ status: status(5, 8) }), "reject", "revoked"),
    v("reject: suspended", await issue({ status: status(9, 7) }), "reject", "suspended"),
    v("reject: region does not recognize the type", good, "reject", "region_not_recognized", { region: "CN-NM" }),
    v("unknown: bundle older than the type's maximum status age", good, "unknown", "status_stale", { now: T0 + 3601 }),
    v("reject: revoked even when the bundle is stale", await issue({ status: status(5, 8) }), "reject", "revoked", {
      now: T0 + 3601,
    }),
    v("unknown: stale bundle cannot say suspended", await issue({ status: status(9, 7) }), "unknown", "status_stale", {
      now: T0 + 3601,
    }),
    v("unknown: device clock set back before the bundle", good, "unknown", "clock_before_bundle", { now: T0 - 3600 }),
    v(
      "reject: alg none",
      `${b64({ alg: "none", typ: "vc+jwt", kid: goodHeader.kid })}.${gp}.`,
      "reject",
      "unsupported_alg",
    ),
    v(
      "reject: HS256 with the public key as secret",
      `${b64({ alg: "HS256", typ: "vc+jwt", kid: goodHeader.kid })}.${gp}.${base64urlEncode(sha256(utf8("x")))}`,
      "reject",
      "unsupported_alg",
    ),
    v(
      "reject: legacy ES256K-R alg",
      await raw({ ...goodHeader, alg: "ES256K-R" }, goodPayload),
      "reject",
      "unsupported_alg",
    ),
    v(
      "reject: tampered payload",
      `${gh}.${b64({ ...goodPayload, vc: { ...(goodPayload.vc as object), credentialSubject: { healthStatus: "green", givenName: "Mallory" } } })}.${good.split(".")[2]}`,
      "reject",
      "bad_signature",
    ),
    v("reject: high-s twin of a valid signature", withSignature(good, highS), "reject", "signature_malleable"),
    v("reject: r = 0", withSignature(good, new Uint8Array(64).fill(1, 32)), "reject", "signature_malformed"),
    v("reject: s = 0", withSignature(good, new Uint8Array(64).fill(1, 0, 32)), "reject", "signature_malformed"),
    v(
      "reject: wrong signature length",
      withSignature(good, sigOf(good).subarray(0, 63)),
      "reject",
      "signature_malformed",
    ),
    v(
      "reject: signed by another DID's key",
      await raw(goodHeader, goodPayload, shController),
      "reject",
      "bad_signature",
    ),
    v(
      "reject: kid points at a foreign DID",
      await raw({ ...goodHeader, kid: `${ethrDid(CHAIN, sh)}#${addressKeyId(sh)}` }, goodPayload, shController),
      "reject",
      "kid_mismatch",
    ),
    v(
      "reject: kid names no key of the issuer",
      await raw({ ...goodHeader, kid: `${zjDid}#key-0x${"9".repeat(40)}` }, goodPayload),
      "reject",
      "unknown_key",
    ),
    // kid (issue 10 item 15): it names a verification method of the issuer's DID, and that method's key signed.
    v(
      "reject: kid in the old form (a key id, not a verification method ethr-did-resolver lists)",
      await issue({ key: es256kIssuerKey(zjDid, addressKeyId(addr(zjDelegate)), zjDelegate) }),
      "reject",
      "unknown_key",
    ),
    v(
      "reject: kid names a method of the issuer whose key did not sign",
      await issue({ key: es256kIssuerKey(zjDid, method(zj, { address: addr(zjRetiredNow) }), zjDelegate) }),
      "reject",
      "bad_signature",
    ),
    v(
      "reject: kid names the DID's #controller (the owner signs nothing)",
      await issue({ key: es256kIssuerKey(zjDid, "controller", zjController) }),
      "reject",
      "unknown_key",
    ),
    v(
      "reject: EdDSA header on a secp256k1 key",
      await raw({ ...goodHeader, alg: "EdDSA" }, goodPayload),
      "reject",
      "alg_key_mismatch",
    ),
    v(
      "accept: signed before the key's planned rotation",
      await issue({ key: keyOf(zj, zjRotated), at: T0 - 15_000, until: T0 + 86400 }),
      "accept",
      null,
    ),
    v(
      "reject: signed after the key's planned rotation",
      await issue({ key: keyOf(zj, zjRotated), at: T0 - 5_000 }),
      "reject",
      "key_not_valid_at_issuance",
    ),
    v(
      "accept: a key rotated out and re-added signs in its second window",
      await issue({ key: keyOf(zj, zjRotated) }),
      "accept",
      null,
    ),
    v(
      "accept: signed before a planned rotation effective immediately (zero validity is not compromise)",
      await issue({ key: keyOf(zj, zjRetiredNow), at: T0 - 50_000, until: T0 + 86400 }),
      "accept",
      null,
    ),
    v(
      "reject: a retired key backdates iat into its window with a 5-year exp",
      await issue({ key: keyOf(zj, zjRotated), at: T0 - 15_000, until: T0 + 5 * 365 * 86400 }),
      "reject",
      "validity_exceeds_type_maximum",
    ),
    v(
      "reject: a retired key's backdated credential dies by retirement + the type's maximum validity",
      await issue({ key: keyOf(zj, zjRotated), at: T0 - 10_001, until: T0 - 10_001 + 7 * 86400 }),
      "reject",
      "expired",
      { now: T0 - 10_000 + 7 * 86400 + 61 },
    ),
    v(
      "reject: signed by a key recorded as compromised, even before the record",
      await issue({ key: keyOf(zj, zjCompromised), at: T0 - 50_000, until: T0 + 86400 }),
      "reject",
      "key_revoked",
    ),
    v(
      "reject: issuer not registered",
      await issue({
        key: es256kIssuerKey(
          ethrDid(CHAIN, addr(key("stranger"))),
          addressKeyId(addr(key("stranger"))),
          key("stranger"),
        ),
      }),
      "reject",
      "unknown_issuer",
    ),
    v(
      "reject: issuer on another chain",
      await issue({ key: es256kIssuerKey(ethrDid(1, zj), addressKeyId(zj), zjController) }),
      "reject",
      "unknown_issuer",
    ),
    v(
      "reject: issuer suspended",
      await issue({ key: keyOf(suspended, suspendedDelegate) }),
      "reject",
      "issuer_suspended",
      { region: "CN-ZJ" },
    ),
    v("reject: issuer not accredited for the type", await issue({ type: "Visa" }), "reject", "issuer_not_accredited", {
      region: "CN-ZJ",
    }),
    v(
      "reject: issued after the accreditation expired",
      await issue({ key: keyOf(sh, shDelegate), status: status(1, 1, 2, 2) }),
      "reject",
      "accreditation_expired",
    ),
    v("accept: issued in the accreditation window before a renewal", await issue({ at: T0 - 50_000 }), "accept", null),
    v(
      "reject: issued before the first accreditation window",
      await issue({ at: T0 - 150_000 }),
      "reject",
      "accreditation_not_yet_valid",
    ),
    v(
      "accept: issued inside an accreditation window that has since expired",
      await issue({ type: "DriverLicence", at: T0 - 250_000 }),
      "accept",
      null,
      { region: "CN-ZJ" },
    ),
    v(
      "reject: issued inside an accreditation window withdrawn for cause",
      await issue({ type: "DriverLicence" }),
      "reject",
      "accreditation_withdrawn",
      { region: "CN-ZJ" },
    ),
    v("reject: unknown credential type", await issue({ type: "Passport" }), "reject", "unknown_type"),
    ...(await Promise.all(
      ["constructor", "__proto__", "toString"].map(async (name) =>
        v(
          `reject: credential type named ${name} (no inherited lookups)`,
          await raw(goodHeader, {
            ...goodPayload,
            vc: { ...(goodPayload.vc as object), type: ["VerifiableCredential", name] },
          }),
          "reject",
          "unknown_type",
        ),
      ),
    )),
    v(
      "reject: credential type without a policy on chain",
      await issue({ type: "Permit" }),
      "reject",
      "type_policy_missing",
      { region: "CN-ZJ" },
    ),
    v(
      "reject: validity longer than the type's maximum (backdated iat, 5-year exp)",
      await issue({ at: T0 - 600, until: T0 + 5 * 365 * 86400 }),
      "reject",
      "validity_exceeds_type_maximum",
    ),
    v(
      "accept: validity exactly the type's maximum",
      await issue({ at: T0 - 600, until: T0 - 600 + 7 * 86400 }),
      "accept",
      null,
    ),
    v(
      "reject: claims fail the type's schema",
      await raw(goodHeader, {
        ...goodPayload,
        vc: { ...(goodPayload.vc as object), credentialSubject: { healthStatus: "purple" } },
      }),
      "reject",
      "schema_invalid",
    ),
    v(
      "reject: iss differs from vc.issuer",
      await raw(goodHeader, { ...goodPayload, vc: { ...(goodPayload.vc as object), issuer: ethrDid(CHAIN, sh) } }),
      "reject",
      "issuer_mismatch",
    ),
    v(
      "reject: sub differs from credentialSubject.id",
      await raw(goodHeader, {
        ...goodPayload,
        vc: { ...(goodPayload.vc as object), credentialSubject: { id: otherHolder, healthStatus: "green" } },
      }),
      "reject",
      "subject_mismatch",
    ),
    v("reject: expired", await issue({ at: T0 - 90_000, until: T0 - 3_600 }), "reject", "expired"),
    v("reject: not yet valid", await raw(goodHeader, { ...goodPayload, nbf: T0 + 7200 }), "reject", "not_yet_valid"),
    v(
      "reject: status list not in the bundle",
      await issue({ status: status(1, 1, 99, 1) }),
      "reject",
      "status_list_unknown",
    ),
    v(
      "reject: status list of another issuer",
      await issue({ status: status(1, 1, 2, 1) }),
      "reject",
      "status_list_wrong_issuer",
    ),
    v(
      "reject: status purpose mismatch",
      await raw(goodHeader, {
        ...goodPayload,
        vc: {
          ...(goodPayload.vc as object),
          credentialStatus: [
            {
              id: "x",
              type: "StatusList2021Entry",
              statusPurpose: "revocation",
              statusListIndex: "1",
              statusListCredential: statusListUrl(base, CHAIN, 1),
            },
          ],
        },
      }),
      "reject",
      "status_purpose_mismatch",
    ),
    v(
      "reject: status index out of range",
      await issue({ status: status(131_072, 1) }),
      "reject",
      "status_index_out_of_range",
    ),
    v(
      "reject: status list shorter than 131,072",
      await issue({ status: status(1, 1, 3, 1) }),
      "reject",
      "status_list_too_short",
    ),
    v(
      "reject: no status at all",
      await raw(goodHeader, { ...goodPayload, vc: { ...(goodPayload.vc as object), credentialStatus: [] } }),
      "reject",
      "status_missing",
    ),
    v("reject: a presentation presented as a credential", await present(good), "reject", "wrong_typ"),
    v("reject: wrong segment count", `${gh}.${gp}`, "reject", "malformed_jwt"),
    v("reject: bad base64url", `${gh}.${gp}!.${good.split(".")[2]}`, "reject", "malformed_jwt"),
    v("reject: payload is not JSON", `${gh}.${b64("not json")}.${good.split(".")[2]}`, "reject", "json_syntax"),
    v(
      "reject: duplicate JSON keys",
      `${gh}.${b64(`{"iss":"${zjDid}","iss":"${ethrDid(CHAIN, sh)}"}`)}.${good.split(".")[2]}`,
      "reject",
      "json_duplicate_key",
    ),
    v(
      "reject: huge number",
      `${gh}.${b64('{"exp":123456789012345678901234567890}')}.${good.split(".")[2]}`,
      "reject",
      "json_unsafe_number",
    ),
    v(
      "reject: deeply nested JSON",
      `${gh}.${b64("[".repeat(200) + "]".repeat(200))}.${good.split(".")[2]}`,
      "reject",
      "json_too_deep",
    ),
    vp("accept: static presentation (one-way QR) for this checkpoint's region", await present(good), "accept", null),
    vp(
      "reject: static presentation made for another region",
      await present(good, { audience: regionAudience("CN-ZJ") }),
      "reject",
      "wrong_audience",
    ),
    vp("reject: static presentation accepted in its region only", await present(good), "reject", "wrong_audience", {
      region: "CN-ZJ",
    }),
    vp(
      "reject: static presentation naming no region",
      await present(good, { audience: null }),
      "reject",
      "audience_missing",
    ),
    vp("accept: presentation bound to the checkpoint's challenge", await present(good, challenge), "accept", null, {
      challenge,
    }),
    // One entry point for a token of unknown kind (issue 10 item 12): a demanded challenge needs a presentation.
    v(
      "reject: a bare credential where a challenge was demanded (verifyToken)",
      good,
      "reject",
      "presentation_required",
      { kind: "token", challenge },
    ),
    v(
      "reject: a bare credential where a presentation is required (verifyToken)",
      good,
      "reject",
      "presentation_required",
      { kind: "token", requirePresentation: true },
    ),
    v("accept: a bare credential where none was demanded (verifyToken)", good, "accept", null, { kind: "token" }),
    v("accept: a challenge-bound presentation (verifyToken)", await present(good, challenge), "accept", null, {
      kind: "token",
      challenge,
    }),
    vp("reject: presentation nonce reused", await present(good, challenge), "reject", "nonce_reused", {
      challenge,
      replay: true,
    }),
    // A failed answer leaves the nonce usable (issue 22 item 14): one who reads the challenge off the screen cannot spend it.
    vp(
      "accept: the holder's answer after a stranger's, signed by the stranger's own key, was refused",
      await present(good, challenge),
      "accept",
      null,
      {
        challenge,
        spentBy: await present(good, { ...challenge, holderDid: otherHolder, signer: holderSigner(otherHolderKey) }),
      },
    ),
    vp(
      "accept: the holder's answer after a revoked credential's answer was refused",
      await present(good, challenge),
      "accept",
      null,
      { challenge, spentBy: await present(await issue({ status: status(5, 8) }), challenge) },
    ),
    vp(
      "reject: presentation for another checkpoint",
      await present(good, { ...challenge, audience: "checkpoint:CN-SH:gate-9" }),
      "reject",
      "wrong_audience",
      { challenge },
    ),
    vp(
      "reject: presentation without the nonce asked for",
      await present(good, { audience: challenge.audience }),
      "reject",
      "nonce_missing",
      { challenge },
    ),
    vp(
      "reject: presentation with a wrong nonce",
      await present(good, { ...challenge, nonce: "n-00000000" }),
      "reject",
      "wrong_nonce",
      { challenge },
    ),
    vp("reject: static presentation too old", await present(good, { at: T0 - 600 }), "reject", "presentation_expired"),
    vp(
      "reject: presented by someone other than the subject",
      await present(good, { holderDid: otherHolder, signer: holderSigner(otherHolderKey) }),
      "reject",
      "holder_mismatch",
    ),
    // One holder key, one identifier per DID method (issue 22 item 9): other spellings of did:jwk refused, in a presentation and in a credential's sub.
    vp(
      "accept: presented by a holder whose DID is the canonical did:jwk of its key",
      await present(await issue({ holderDid: p256DidJwk(p256.getPublicKey(holderKey, false)) }), {
        holderDid: p256DidJwk(p256.getPublicKey(holderKey, false)),
      }),
      "accept",
      null,
    ),
    ...(await Promise.all(
      Object.entries(jwkSpellings(p256.getPublicKey(holderKey, false))).map(async ([how, did]) =>
        vp(
          `reject: presented under a did:jwk ${how} (the key's other spelling, also the credential's sub)`,
          await present(await issue({ holderDid: did }), { holderDid: did }),
          "reject",
          "holder_did_noncanonical",
        ),
      ),
    )),
    v(
      "reject: a credential whose sub is a did:jwk with an extra member",
      await issue({ holderDid: jwkSpellings(p256.getPublicKey(holderKey, false))["with an extra member"] }),
      "reject",
      "holder_did_noncanonical",
    ),
    vp(
      "reject: holder signature by another key",
      await present(good, { signer: holderSigner(otherHolderKey) }),
      "reject",
      "bad_signature",
    ),
    vp(
      "reject: revoked credential inside a valid presentation",
      await present(await issue({ status: status(5, 8) })),
      "reject",
      "revoked",
    ),
    vp("reject: a credential presented as a presentation", good, "reject", "wrong_typ"),
    // Presentation times (issue 10 item 13): the VP's own exp and nbf, with the stated skew.
    vp(
      "reject: presentation past its own exp",
      resignVp(await present(good), (p) => void (p.exp = now - 61)),
      "reject",
      "presentation_expired",
    ),
    vp(
      "accept: presentation with exp within the skew",
      resignVp(await present(good), (p) => void (p.exp = now - 59)),
      "accept",
      null,
    ),
    vp(
      "reject: presentation not valid before its nbf",
      resignVp(await present(good), (p) => void (p.nbf = now + 61)),
      "reject",
      "presentation_not_yet_valid",
    ),
    vp(
      "reject: presentation with a non-integer exp",
      resignVp(await present(good), (p) => void (p.exp = "tomorrow")),
      "reject",
      "malformed_presentation",
    ),
    // One token, one meaning (issue 10 item 14).
    vp(
      "reject: high-s twin of an ES256 presentation signature",
      p256Twin(await present(good)),
      "reject",
      "signature_malleable",
    ),
    vp(
      "reject: compact QR text compressed without the LZ1 dictionary (one encoding per QR form)",
      withoutDictionary(compactPresentation(await present(good)), COMPACT_DICTIONARY),
      "reject",
      "compact_malformed",
    ),
    vp(
      "reject: compact QR text with bytes after the DEFLATE stream",
      withTrailingByte(compactPresentation(await present(good))),
      "reject",
      "compact_malformed",
    ),
    v(
      "reject: a claim holding a lone UTF-16 surrogate (not I-JSON)",
      await raw(goodHeader, {
        ...goodPayload,
        vc: { ...(goodPayload.vc as object), credentialSubject: { healthStatus: "green", givenName: "Mei\ud800" } },
      }),
      "reject",
      "json_lone_surrogate",
    ),
    v(
      "reject: a key holding a lone UTF-16 surrogate (not I-JSON)",
      `${gh}.${b64(`{"iss":"${zjDid}","\\udc00":1}`)}.${good.split(".")[2]}`,
      "reject",
      "json_lone_surrogate",
    ),
    v(
      "reject: vc without @context",
      await raw(goodHeader, {
        ...goodPayload,
        vc: Object.fromEntries(Object.entries(goodPayload.vc as object).filter(([k]) => k !== "@context")),
      }),
      "reject",
      "context_invalid",
    ),
    v(
      "reject: vc whose @context does not start with the VC data model",
      await raw(goodHeader, {
        ...goodPayload,
        vc: { ...(goodPayload.vc as object), "@context": ["https://example.com/other/v1"] },
      }),
      "reject",
      "context_invalid",
    ),
    v(
      "reject: credentialStatus without the Status List 2021 context",
      await raw(goodHeader, {
        ...goodPayload,
        vc: { ...(goodPayload.vc as object), "@context": ["https://www.w3.org/2018/credentials/v1"] },
      }),
      "reject",
      "context_invalid",
    ),
    v(
      "reject: a VC 2.0 BitstringStatusListEntry in a VC 1.1 credential",
      await raw(goodHeader, {
        ...goodPayload,
        vc: {
          ...(goodPayload.vc as object),
          credentialStatus: (goodPayload.vc as { credentialStatus: object[] }).credentialStatus.map((e) => ({
            ...e,
            type: "BitstringStatusListEntry",
          })),
        },
      }),
      "reject",
      "status_entry_malformed",
    ),
    v(
      "reject: integer beyond 2^53 in a claim (not I-JSON)",
      `${gh}.${b64(`{"iss":"${zjDid}","iat":9007199254740993}`)}.${good.split(".")[2]}`,
      "reject",
      "json_unsafe_number",
    ),
    // Registered claims of the wrong JSON type (issue 22 item 15): refused, never read as absent.
    ...(await Promise.all(
      (
        [
          ["iss", 1],
          ["sub", 1],
          ["aud", 7],
          ["aud", ["ok", 7]],
          ["exp", String(T0 + 86400)],
          ["nbf", String(T0 + 7200)],
          ["nbf", T0 + 0.5],
          ["iat", String(T0 - 600)],
          ["jti", 42],
        ] as [string, JsonValue][]
      ).map(async ([name, value]) =>
        v(
          `reject: ${name} as ${JSON.stringify(value)} (a registered claim of the wrong JSON type)`,
          await raw(goodHeader, { ...goodPayload, [name]: value }),
          "reject",
          "claim_type_invalid",
        ),
      ),
    )),
    vp("accept: static presentation in its compact QR form", compactPresentation(await present(good)), "accept", null),
    vp(
      "reject: compact QR form of a revoked credential's presentation",
      compactPresentation(await present(await issue({ status: status(5, 8) }))),
      "reject",
      "revoked",
    ),
    vp("reject: compact QR text that is not base45", `${COMPACT_PREFIX}abc?`, "reject", "compact_malformed"),
    vp(
      "reject: compact QR text that is not DEFLATE",
      `${COMPACT_PREFIX}${base45Encode(utf8("not a presentation"))}`,
      "reject",
      "compact_malformed",
    ),
    vp(
      "reject: compact QR bomb (inflates past the cap)",
      `${COMPACT_PREFIX}${base45Encode(deflateSync(new Uint8Array(200_000)))}`,
      "reject",
      "compact_too_large",
    ),
    vp(
      "reject: oversized QR payload",
      `${COMPACT_PREFIX}${"0".repeat(MAX_COMPACT_CHARS)}`,
      "reject",
      "compact_too_large",
    ),
    ...(await paperVectors({ issue, present, v, COMPACT_DICTIONARY })),
    ...(await sdJwtVectors({
      delegateKey,
      delegateSecret: zjDelegate,
      edKey,
      holder,
      holderKey,
      otherHolderKey,
      schema: SCHEMA,
      status,
      T0,
      now,
      challenge,
      v,
    })),
  ];
  return {
    authority: addr(authorityKey),
    bundle: await signEnvelope(
      serializeBundle(bundle),
      softwareSigner("ES256K", authorityKey),
      bundleScope(bundle, SH),
    ),
    vectors,
  };
}

/**
 * Paper (issue 22 item 11): a credential is paper only if its signed `sub` says so (a paper
 * subject, no holder key); a phone credential lifted from a QR and re-packed as `LZP1:` is refused.
 */
async function paperVectors(c: {
  issue: (o: { holderDid?: string; claims?: Record<string, JsonValue> }) => Promise<string>;
  present: (credential: string) => Promise<string>;
  v: (
    name: string,
    token: string,
    verdict: VerificationVector["expect"]["verdict"],
    reason: string | null,
    extra?: Partial<VerificationVector>,
  ) => VerificationVector;
  COMPACT_DICTIONARY: Uint8Array;
}): Promise<VerificationVector[]> {
  const withName = { healthStatus: "green", givenName: "Mei" };
  const paper = await c.issue({
    holderDid: "urn:laissez:paper:00000000-0000-4000-a000-000000000001",
    claims: withName,
  });
  const phone = await c.issue({ claims: withName });
  const pv = (name: string, token: string, verdict: VerificationVector["expect"]["verdict"], reason: string | null) =>
    c.v(name, token, verdict, reason, { kind: "paper" });
  return [
    pv(
      "accept: a credential printed for paper (its signed sub is a paper subject), in its LZP1 form",
      compactCredential(paper),
      "accept",
      null,
    ),
    pv(
      "reject: a phone credential (bound to a holder key) lifted from a QR and re-packed as paper (LZP1)",
      compactCredential(phone),
      "reject",
      "phone_credential_on_paper",
    ),
    pv("reject: a phone credential given to the paper path as its JWT", phone, "reject", "phone_credential_on_paper"),
    pv(
      "reject: paper QR text compressed without the dictionary",
      withoutDictionary(compactCredential(paper), c.COMPACT_DICTIONARY),
      "reject",
      "compact_malformed",
    ),
    c.v(
      "reject: a paper credential presented from a phone (its sub names no key)",
      await c.present(paper),
      "reject",
      "holder_mismatch",
      { kind: "presentation" },
    ),
    c.v(
      "reject: a credential whose sub is a paper subject of another shape",
      await c.issue({ holderDid: "urn:laissez:paper:x", claims: withName }),
      "reject",
      "holder_did_unsupported",
    ),
  ];
}

/** Spellings of one P-256 key's did:jwk other than the canonical one (core/did.ts p256DidJwk). */
export function jwkSpellings(publicKey: Uint8Array): Record<string, string> {
  const jwk = JSON.parse(
    new TextDecoder().decode(base64urlDecode(p256DidJwk(publicKey).slice("did:jwk:".length))),
  ) as Record<string, string>;
  const did = (text: string) => `did:jwk:${base64urlEncode(utf8(text))}`;
  return {
    "with its members reordered": did(JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y })),
    "with an extra member": did(JSON.stringify({ ...jwk, name: "Mallory" })),
    "with whitespace": did(JSON.stringify(jwk, null, 1)),
    "with use and key_ops": did(JSON.stringify({ ...jwk, use: "sig", key_ops: ["verify"] })),
  };
}

export const VECTOR_FILE = new URL("./verification.json", import.meta.url);

if (process.argv.includes("--write")) {
  writeFileSync(VECTOR_FILE, `${JSON.stringify(await generateVectors(), null, 1)}\n`);
  console.log(`wrote ${VECTOR_FILE.pathname}`);
}
