import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { deflateSync, inflateSync } from "fflate";
import { p256 } from "@noble/curves/nist.js";
import { base45Decode, base45Encode } from "../../core/base45.ts";
import {
  COMPACT_DICTIONARY,
  compactPresentation,
  expandPresentation,
  readPresentation,
} from "../../core/formats/jwt-vc/compact.ts";
import {
  compactSdJwtPresentation,
  expandSdJwtPresentation,
  SD_COMPACT_DICTIONARY,
} from "../../core/formats/sd-jwt-vc/compact-sd-jwt.ts";
import { compactCredential, expandCredential } from "../../core/formats/jwt-vc/paper.ts";
import { CompactError } from "../../core/qr-text.ts";
import { holderSigner } from "../../core/credential.ts";
import { presentCredential } from "../../core/formats/jwt-vc/credential.ts";
import { p256DidKey } from "../../core/did.ts";
import { utf8 } from "../../core/encoding.ts";
import { inflateCapped } from "../../core/inflate.ts";
import vectors from "../vectors/verification.json" with { type: "json" };

describe("base45 (RFC 9285)", () => {
  it("matches the RFC's examples and round-trips any bytes", () => {
    expect(base45Encode(utf8("AB"))).toBe("BB8");
    expect(base45Encode(utf8("Hello!!"))).toBe("%69 VD92EX0");
    expect(base45Encode(utf8("base-45"))).toBe("UJCLQE7W581");
    expect(new TextDecoder().decode(base45Decode("QED8WEX0"))).toBe("ietf!");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(base45Decode(base45Encode(bytes))).toEqual(bytes);
      }),
    );
  });
  it("refuses characters outside the alphabet, a dangling character and out-of-range groups", () => {
    expect(() => base45Decode("ab")).toThrow(TypeError);
    expect(() => base45Decode("BB8B")).toThrow(/length/);
    expect(() => base45Decode("GGW")).toThrow(/group/);
  });
});

describe("compact QR form of a presentation", () => {
  const vc = (vectors.vectors as { name: string; token: string }[]).find(
    (v) => v.name === "accept: ES256K veriKey delegate",
  )!.token;
  const key = p256.utils.randomSecretKey();
  const holder = p256DidKey(p256.getPublicKey(key, false));

  it("is lossless for static and challenge-bound presentations, and less than a third of the VP JWT", async () => {
    for (const extra of [{}, { audience: "checkpoint:CN-SH:gate-3", nonce: "n-1" }]) {
      const vp = await presentCredential({
        credential: vc,
        holder,
        signer: holderSigner(key),
        issuedAt: 1_763_700_000,
        ...extra,
      });
      const qr = compactPresentation(vp);
      expect(qr).toMatch(/^LZ1:[0-9A-Z $%*+\-./:]+$/);
      expect(expandPresentation(qr)).toBe(vp);
      expect(readPresentation(` ${qr}\n`)).toBe(vp);
      expect(readPresentation(vp)).toBe(vp);
      expect(qr.length).toBeLessThan(vp.length / 3);
    }
  });

  it("refuses what it cannot repack, and truncated or trailing data, with stable codes", async () => {
    expect(() => compactPresentation(vc)).toThrow(expect.objectContaining({ code: "compact_unsupported" }));
    const qr = compactPresentation(
      await presentCredential({ credential: vc, holder, signer: holderSigner(key), issuedAt: 1 }),
    );
    for (const bad of [qr.slice(0, -6), qr.slice(0, 40), "LZ1:", `LZ1:${"A".repeat(30)}`]) {
      const error = (() => {
        try {
          expandPresentation(bad);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(CompactError);
      expect((error as CompactError).code).toBe("compact_malformed");
    }
  });

  it("one encoding per QR form (issue 22 item 13): LZ1, LZ2 and LZP1 re-compressed without their dictionary, or stored, are compact_malformed", () => {
    const sd = (vectors.vectors as { name: string; token: string }[]).find(
      (v) => v.name === "accept: SD-JWT presentation in its compact QR form",
    )!.token;
    const lz1 = (vectors.vectors as { name: string; token: string }[]).find(
      (v) => v.name === "accept: static presentation in its compact QR form",
    )!.token;
    const forms = [
      { text: lz1, dictionary: COMPACT_DICTIONARY, expand: expandPresentation, pack: compactPresentation },
      { text: sd, dictionary: SD_COMPACT_DICTIONARY, expand: expandSdJwtPresentation, pack: compactSdJwtPresentation },
      {
        text: compactCredential(vc),
        dictionary: COMPACT_DICTIONARY,
        expand: expandCredential,
        pack: compactCredential,
      },
    ];
    for (const { text, dictionary, expand, pack } of forms) {
      const prefix = text.slice(0, text.indexOf(":") + 1);
      const packed = inflateSync(base45Decode(text.slice(prefix.length), "QR text"), { dictionary });
      const plain = expand(text);
      expect(pack(plain)).toBe(text); // the packers' own output is the one encoding
      for (const other of [
        deflateSync(packed, { level: 9 }),
        deflateSync(packed, { level: 1 }),
        deflateSync(packed, { level: 0 }),
        deflateSync(packed, { level: 0, dictionary }),
      ]) {
        expect(inflateSync(other, { dictionary })).toEqual(packed);
        expect(() => expand(prefix + base45Encode(other))).toThrow(
          expect.objectContaining({
            code: "compact_malformed",
            message: expect.stringContaining("without the dictionary"),
          }),
        );
      }
    }
  });

  it("inflates each input on its own: results are not views of a buffer a later inflation reuses", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 3000 }),
        fc.uint8Array({ minLength: 1, maxLength: 3000 }),
        (a, b) => {
          const first = inflateCapped(deflateSync(a), 4096, {});
          const second = inflateCapped(deflateSync(b), 4096, {});
          expect(first).toEqual(a);
          expect(second).toEqual(b);
          expect(first.buffer).not.toBe(second.buffer);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("cuts inflation at the cap: a bomb is compact_too_large, exactly the cap inflates", () => {
    const codeOf = (bytes: number): string | undefined => {
      try {
        expandPresentation(`LZ1:${base45Encode(deflateSync(new Uint8Array(bytes), { level: 9 }))}`);
      } catch (e) {
        return (e as CompactError).code;
      }
    };
    expect(codeOf(1 << 20)).toBe("compact_too_large"); // 1 MiB of zeros in ~1 KB of QR text
    expect(codeOf(2 * 16 * 1024 + 1)).toBe("compact_too_large");
    expect(codeOf(2 * 16 * 1024)).toBe("compact_malformed"); // inflates; then it is no presentation
  });
});
