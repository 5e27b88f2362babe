import { readFileSync } from "node:fs";
import { gzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { applyEvents, BundleError, cloneBundle, type TrustBundle } from "../../core/bundle.ts";
import {
  acceptBundle,
  applyDelta,
  bundleScope,
  deserializeBundle,
  loadSignedBundle,
  openEnvelope,
  serializeBundle,
  signEnvelope,
  type BundleDelta,
  type CheckpointState,
  type SerializedBundle,
} from "../../core/bundle-codec.ts";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { secp256k1Address } from "../../core/crypto.ts";
import { utf8 } from "../../core/encoding.ts";
import { softwareSigner } from "../../core/signer.ts";
import { base64urlEncode } from "../../core/encoding.ts";
import { isCodedError } from "../../core/errors.ts";
import { parseJson } from "../../core/json.ts";
import { decodeStatusList, encodeStatusList, StatusListError } from "../../core/status-list.ts";
import { getBit, setBit } from "../../core/status-bits.ts";
import { hasStatus } from "../../core/status-set.ts";
import { validateSchema } from "../../core/schema.ts";
import { VECTOR_FILE, type VectorFile } from "../vectors/generate.ts";

const file = JSON.parse(readFileSync(VECTOR_FILE, "utf8")) as VectorFile;
const anchor = { chainId: 31337, authorities: [file.authority], region: "CN-SH" };
const text = JSON.stringify(file.bundle);
const bundle = (): TrustBundle => deserializeBundle(openEnvelope(text, anchor).payload as SerializedBundle);
const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isCodedError(e) ? e.code : undefined;
  }
  return undefined;
};

describe("signed bundles", () => {
  it("round-trips: serialize → sign → open → deserialize gives the same bundle", () => {
    const b = bundle();
    expect(deserializeBundle(serializeBundle(b))).toEqual(b);
  });

  it("refuses a tampered bit, a bad signature, another signer, another chain", () => {
    const tampered = structuredClone(file.bundle);
    const list = tampered.payload.statusLists["0"]!;
    const bits = decodeStatusList(list.encodedList);
    setBit(bits, 5, false); // un-revoke index 5
    (list as { encodedList: string }).encodedList = encodeStatusList(bits);
    expect(code(() => openEnvelope(JSON.stringify(tampered), anchor))).toBe("bundle_bad_signature");
    expect(
      code(() => openEnvelope(JSON.stringify({ ...file.bundle, signature: "0x" + "00".repeat(65) }), anchor)),
    ).toBe("bundle_bad_signature");
    expect(code(() => openEnvelope(text, { ...anchor, authorities: ["0x" + "1".repeat(40)] }))).toBe(
      "bundle_untrusted_signer",
    );
    expect(code(() => openEnvelope(text, { ...anchor, chainId: 1 }))).toBe("bundle_wrong_chain");
    expect(code(() => openEnvelope("{not json", anchor))).toBe("bundle_malformed");
    expect(code(() => openEnvelope(JSON.stringify({ payload: 1 }), anchor))).toBe("bundle_malformed");
  });

  it("binds the envelope to its region, chain and registries", async () => {
    expect(openEnvelope(text, { ...anchor, contracts: file.bundle.payload.contracts }).scope).toEqual({
      region: "CN-SH",
      chainId: 31337,
      contracts: file.bundle.payload.contracts,
    });
    // The same authority's bundle offered to another region's checkpoint, or for other registries.
    expect(code(() => openEnvelope(text, { ...anchor, region: "CN-ZJ" }))).toBe("bundle_wrong_scope");
    expect(
      code(() =>
        openEnvelope(text, {
          ...anchor,
          contracts: { ...file.bundle.payload.contracts, trustRegistry: "0x" + "9".repeat(40) },
        }),
      ),
    ).toBe("bundle_wrong_scope");
    // The scope is signed: renaming the region breaks the signature; dropping it is malformed.
    expect(
      code(() =>
        openEnvelope(JSON.stringify({ ...file.bundle, scope: { ...file.bundle.scope, region: "CN-ZJ" } }), {
          ...anchor,
          region: "CN-ZJ",
        }),
      ),
    ).toBe("bundle_bad_signature");
    const { scope: _scope, ...unscoped } = file.bundle;
    expect(code(() => openEnvelope(JSON.stringify(unscoped), anchor))).toBe("bundle_malformed");
    // A bundle whose registries differ from the scope it was signed under.
    const key = sha256(utf8("laissez test vector authority CN-SH"));
    const other = await signEnvelope(file.bundle.payload, softwareSigner("ES256K", key), {
      ...file.bundle.scope,
      contracts: { ...file.bundle.scope.contracts, didRegistry: "0x" + "8".repeat(40) },
    });
    expect(code(() => openEnvelope(JSON.stringify(other), anchor))).toBe("bundle_wrong_scope");
  });

  it("follows a region authority rotation through the chain's record, and refuses the old key from then on", async () => {
    const oldKey = sha256(utf8("laissez test vector authority CN-SH"));
    const newKey = sha256(utf8("laissez test vector authority CN-SH rotated"));
    const newAuthority = secp256k1Address(secp256k1.getPublicKey(newKey, false));
    const b = bundle();
    const at = (n: number) => ({
      number: b.block.number + n,
      hash: `0x${String(n).repeat(64)}`,
      timestamp: b.block.timestamp + n,
    });
    const sign = async (t: TrustBundle, key: Uint8Array) =>
      JSON.stringify(await signEnvelope(serializeBundle(t), softwareSigner("ES256K", key), bundleScope(t, "CN-SH")));
    const rotated = applyEvents(
      cloneBundle(b),
      [
        {
          source: "trust",
          seq: b.sequences.trust + 1,
          kind: "RegionAuthorityChanged",
          region: "CN-SH",
          authority: newAuthority,
        },
      ],
      at(1),
    );
    const later = applyEvents(cloneBundle(rotated), [], at(2));
    const signed = {
      [`new-rotated`]: await sign(rotated, newKey),
      [`old-rotated`]: await sign(rotated, oldKey),
      [`old-later`]: await sign(later, oldKey),
      [`new-later`]: await sign(later, newKey),
    };

    let state: CheckpointState | undefined = loadSignedBundle(text, anchor, undefined).state;
    expect(state.authority).toBe(file.authority);
    // A new authority is not taken from a bundle it signed itself.
    expect(code(() => loadSignedBundle(signed["new-rotated"]!, anchor, state))).toBe("bundle_untrusted_signer");
    // The hand-over: the old authority's bundle that records the rotation.
    state = loadSignedBundle(signed["old-rotated"]!, anchor, state).state;
    expect(state.authority).toBe(newAuthority);
    // From then on the old key is refused, even for a newer block; the new one is followed.
    expect(code(() => loadSignedBundle(signed["old-later"]!, anchor, state))).toBe("bundle_untrusted_signer");
    expect(loadSignedBundle(signed["new-later"]!, anchor, state).state).toEqual({
      highestBlock: later.block.number,
      authority: newAuthority,
    });
  });

  it("refuses a bundle older than the newest accepted (rollback)", () => {
    const b = bundle();
    const state = acceptBundle(b, undefined);
    expect(state.highestBlock).toBe(b.block.number);
    expect(acceptBundle(b, state).highestBlock).toBe(b.block.number);
    expect(code(() => acceptBundle(b, { highestBlock: b.block.number + 1 }))).toBe("bundle_rollback");
  });

  it("applies a delta that starts at the bundle's block, and detects a sequence gap", () => {
    const b = bundle();
    const delta = (events: BundleDelta["events"], from = b.block): BundleDelta => ({
      kind: "delta",
      version: 1,
      chainId: 31337,
      from: { number: from.number, hash: from.hash },
      to: { number: b.block.number + 5, hash: "0x" + "cd".repeat(32), timestamp: b.block.timestamp + 60 },
      events,
      schemas: {},
    });
    const next = applyDelta(
      b,
      delta([
        {
          source: "status",
          seq: b.sequences.status + 1,
          kind: "StatusUpdated",
          listId: 0,
          listSeq: 2,
          set: true,
          words: [[1, "0x1"]],
        },
      ]),
    );
    expect(hasStatus(next.statusLists["0"]!.set, 256)).toBe(true);
    expect(hasStatus(b.statusLists["0"]!.set, 256)).toBe(false); // the base is untouched
    expect(next.block.number).toBe(b.block.number + 5);
    expect(
      code(() =>
        applyDelta(
          b,
          delta([
            {
              source: "status",
              seq: b.sequences.status + 2,
              kind: "StatusUpdated",
              listId: 0,
              listSeq: 2,
              set: true,
              words: [[1, "0x1"]],
            },
          ]),
        ),
      ),
    ).toBe("sequence_gap");
    expect(
      code(() =>
        applyDelta(
          b,
          delta([
            {
              source: "status",
              seq: b.sequences.status + 1,
              kind: "StatusUpdated",
              listId: 0,
              listSeq: 3,
              set: true,
              words: [[1, "0x1"]],
            },
          ]),
        ),
      ),
    ).toBe("sequence_gap");
    expect(code(() => applyDelta(b, delta([], { ...b.block, number: b.block.number - 1 })))).toBe(
      "delta_base_mismatch",
    );
    expect(code(() => applyEvents(cloneBundle(b), [], { ...b.block, number: b.block.number - 1 }))).toBe(
      "bundle_rollback",
    );
    expect(code(() => applyDelta(b, { ...delta([]), from: { number: b.block.number, hash: "0x00" } }))).toBe(
      "delta_base_mismatch",
    );
  });

  it("a signed delta opens like a bundle", async () => {
    const d: BundleDelta = {
      kind: "delta",
      version: 1,
      chainId: 31337,
      from: { number: 1, hash: "0x" },
      to: { number: 2, hash: "0x", timestamp: 3 },
      events: [],
      schemas: {},
    };
    const key = new Uint8Array(32).fill(7);
    const scope = bundleScope({ chainId: 31337, contracts: file.bundle.payload.contracts }, "CN-SH");
    const env = await signEnvelope(d, softwareSigner("ES256K", key), scope);
    expect(
      openEnvelope(JSON.stringify(env), { chainId: 31337, authorities: [env.signer], region: "CN-SH" }).payload,
    ).toEqual(d);
  });

  it("is compact: the vector bundle is a few KB", () => {
    expect(text.length).toBeLessThan(8 * 1024);
    expect(BundleError).toBeDefined();
  });
});

describe("status lists (W3C Status List 2021 encoding)", () => {
  it("round-trips with index 0 as the top bit of byte 0", () => {
    const bits = new Uint8Array(131_072 / 8);
    setBit(bits, 0, true);
    setBit(bits, 131_071, true);
    expect(bits[0]).toBe(0x80);
    const back = decodeStatusList(encodeStatusList(bits));
    expect(getBit(back, 0) && getBit(back, 131_071) && !getBit(back, 1)).toBe(true);
    // Status List 2021: base64url GZIP without a multibase prefix; Bitstring Status List's `u` is read too.
    expect(encodeStatusList(bits).startsWith("H4sI")).toBe(true);
    expect(getBit(decodeStatusList(`u${encodeStatusList(bits)}`), 131_071)).toBe(true);
  });

  it("caps the decompressed size (gzip bomb) and refuses short lists", () => {
    const bomb = `u${base64urlEncode(gzipSync(new Uint8Array(64 * 1024 * 1024)))}`;
    expect(bomb.length).toBeLessThan(100_000);
    expect(code(() => decodeStatusList(bomb))).toBe("status_list_too_large");
    expect(code(() => decodeStatusList(`u${base64urlEncode(gzipSync(new Uint8Array(1024)))}`))).toBe(
      "status_list_too_short",
    );
    expect(code(() => decodeStatusList("u!!!"))).toBe("status_list_malformed");
    expect(code(() => decodeStatusList(`u${base64urlEncode(new Uint8Array([1, 2, 3, 4]))}`))).toBe(
      "status_list_malformed",
    );
    expect(StatusListError).toBeDefined();
  });
});

describe("strict JSON and schemas", () => {
  it("rejects what JSON.parse would silently accept", () => {
    expect(code(() => parseJson('{"a":1,"a":2}'))).toBe("json_duplicate_key");
    expect(code(() => parseJson("9007199254740993"))).toBe("json_unsafe_number");
    expect(code(() => parseJson("[".repeat(30) + "]".repeat(30)))).toBe("json_too_deep");
    expect(code(() => parseJson("x".repeat(100), { maxLength: 10 }))).toBe("json_too_long");
    expect(code(() => parseJson('{"a":1} x'))).toBe("json_syntax");
    expect(parseJson('{"__proto__":{"polluted":true}}')).toHaveProperty("__proto__");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(parseJson('{"a":[1,2.5,"\\u00e9",true,null]}')).toEqual({ a: [1, 2.5, "é", true, null] });
  });

  it("validates claims against a type schema, and fails closed on unknown keywords", () => {
    const schema = JSON.parse(
      readFileSync(new URL("../../scripts/demo/schemas/DriverLicence.json", import.meta.url), "utf8"),
    );
    const ok = {
      licenceNumber: "330106199001011234",
      givenName: "Wei",
      familyName: "Zhang",
      birthDate: "1990-01-01",
      categories: ["C1"],
    };
    expect(validateSchema(schema, ok)).toEqual([]);
    expect(validateSchema(schema, { ...ok, categories: [] })).toHaveLength(1);
    expect(validateSchema(schema, { ...ok, birthDate: "1990-13-01" })).toHaveLength(1);
    expect(validateSchema(schema, { ...ok, extra: 1 })).toHaveLength(1);
    expect(validateSchema(schema, { ...ok, constructor: 1 })).toHaveLength(1);
    expect(validateSchema({ type: "object", oneOf: [] }, {})).toEqual(["/: unsupported schema keyword oneOf"]);
  });
});
