import { sha256 } from "@noble/hashes/sha2.js";
import { base64urlDecode, base64urlEncode, fromUtf8, utf8 } from "../../encoding.ts";
import { CodedError } from "../../errors.ts";
import type { SdJwtReason } from "../../reasons.ts";
import { isObject, JsonError, parseJson, type JsonValue } from "../../json.ts";

/**
 * SD-JWT (RFC 9901), the parts every profile shares: disclosures, digests, the compact
 * serialization `<issuer JWT>~<disclosure>~…~<KB-JWT or nothing>`, and the processing of a
 * payload against the disclosures presented (§7.1) with every rejection the RFC demands:
 * a disclosure that is malformed, presented twice or not referenced; a digest that appears
 * twice; a claim name that is reserved or already there; an array-element disclosure where a
 * property was expected and the reverse. Only SHA-256 is accepted (`_sd_alg`).
 * Pure: no I/O, no clock; random bytes come from the caller (or WebCrypto).
 */
export const SD_ALG = "sha-256";
/** 128 bits (RFC 9901 §9.3): the salt is what keeps a low-entropy claim (a birth date) from being guessed from its digest. */
export const MIN_SALT_BITS = 128;
/** Longest SD-JWT (with KB-JWT) we parse, and the most disclosures in one. */
export const MAX_SD_JWT_CHARS = 32 * 1024;
export const MAX_DISCLOSURES = 64;

/** Its codes are reasons a verdict can carry: core/reasons.ts lists them with their sentences. */
export type SdJwtErrorCode = SdJwtReason;

export class SdJwtError extends CodedError<SdJwtErrorCode> {}

/** One disclosure: [salt, name, value] for an object property, [salt, value] for an array element. */
export interface Disclosure {
  /** The base64url text as presented: what the digest covers. */
  readonly encoded: string;
  readonly digest: string;
  readonly salt: string;
  /** Undefined for an array element. */
  readonly name?: string;
  readonly value: JsonValue;
}

export const digestOf = (encoded: string): string => base64urlEncode(sha256(utf8(encoded)));

const randomBytes = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));

/** A fresh salt: 128 random bits, base64url (22 characters). */
export const newSalt = (random: (n: number) => Uint8Array = randomBytes): string => base64urlEncode(random(16));

/** Encodes a disclosure (JSON of the array, base64url). Property names must not be `_sd` or `...`. */
export function encodeDisclosure(salt: string, name: string | undefined, value: JsonValue): Disclosure {
  if (name === "_sd" || name === "..." || name === "_sd_alg")
    throw new SdJwtError("sd_claim_invalid", `claim name ${name} is reserved`);
  const encoded = base64urlEncode(utf8(JSON.stringify(name === undefined ? [salt, value] : [salt, name, value])));
  return { encoded, digest: digestOf(encoded), salt, ...(name === undefined ? {} : { name }), value };
}

/**
 * Capacity of a salt in bits: the alphabet it is written in times its length. A verifier cannot
 * measure entropy; it can refuse a salt that could not hold 128 bits (sd-jwt-js's default salt
 * is 16 hex characters: 64 bits).
 */
export function saltBits(salt: string): number {
  if (/^[0-9a-fA-F]*$/.test(salt)) return salt.length * 4;
  if (/^[A-Za-z0-9_-]*$/.test(salt)) return salt.length * 6;
  return salt.length * 6; // any other text: generous, and still needs 22 characters
}

/** Parses one presented disclosure strictly (base64url, strict JSON array of 2 or 3 with a string salt and name). */
export function decodeDisclosure(encoded: string): Disclosure {
  let value: JsonValue;
  try {
    value = parseJson(fromUtf8(base64urlDecode(encoded, "disclosure"), "disclosure"), {
      maxDepth: 12,
      maxLength: 8192,
    });
  } catch (e) {
    throw new SdJwtError(
      "sd_disclosure_malformed",
      `disclosure is not base64url JSON: ${e instanceof JsonError ? e.code : (e as Error).message}`,
    );
  }
  if (!Array.isArray(value) || (value.length !== 2 && value.length !== 3) || typeof value[0] !== "string") {
    throw new SdJwtError("sd_disclosure_malformed", "a disclosure is [salt, name, value] or [salt, value]");
  }
  const salt = value[0];
  if (saltBits(salt) < MIN_SALT_BITS)
    throw new SdJwtError("sd_salt_too_short", `salt of ${saltBits(salt)} bits; at least ${MIN_SALT_BITS} are required`);
  if (value.length === 2) return { encoded, digest: digestOf(encoded), salt, value: value[1] as JsonValue };
  const name = value[1];
  if (typeof name !== "string")
    throw new SdJwtError("sd_disclosure_malformed", "a disclosure's claim name must be a string");
  if (name === "_sd" || name === "..." || name === "_sd_alg")
    throw new SdJwtError("sd_claim_invalid", `a disclosure may not name ${name}`);
  return { encoded, digest: digestOf(encoded), salt, name, value: value[2] as JsonValue };
}

export interface SdJwtParts {
  readonly issuerJwt: string;
  readonly disclosures: readonly string[];
  /** The KB-JWT, or null when the SD-JWT ends with `~` (no key binding). */
  readonly kbJwt: string | null;
  /** `<issuer JWT>~<disclosures>~`: what a KB-JWT's sd_hash covers. */
  readonly presented: string;
}

/** Splits the compact serialization. Throws `sd_jwt_malformed` for anything that is not one. */
export function splitSdJwt(text: string): SdJwtParts {
  if (typeof text !== "string" || text.length > MAX_SD_JWT_CHARS)
    throw new SdJwtError("sd_jwt_malformed", `an SD-JWT is a string of at most ${MAX_SD_JWT_CHARS} characters`);
  const parts = text.split("~");
  if (parts.length < 2) throw new SdJwtError("sd_jwt_malformed", "an SD-JWT has at least one ~");
  const issuerJwt = parts[0] as string;
  const disclosures = parts.slice(1, -1);
  const last = parts[parts.length - 1] as string;
  if (disclosures.length > MAX_DISCLOSURES)
    throw new SdJwtError("sd_jwt_malformed", `more than ${MAX_DISCLOSURES} disclosures`);
  if (disclosures.some((d) => d.length === 0))
    throw new SdJwtError("sd_jwt_malformed", "empty disclosure (two ~ in a row)");
  return {
    issuerJwt,
    disclosures,
    kbJwt: last === "" ? null : last,
    presented: text.slice(0, text.length - last.length),
  };
}

export const isSdJwt = (text: string): boolean => typeof text === "string" && text.includes("~");

/** The payload with the disclosures applied, and what was undisclosed. */
export interface ProcessedPayload {
  /** `_sd` and `_sd_alg` removed; disclosed claims in place. Claim names are own properties. */
  readonly claims: Record<string, JsonValue>;
  /** Names of the top-level claims that came from disclosures. */
  readonly disclosed: readonly string[];
  /** Top-level digests without a disclosure: withheld claims and decoys, indistinguishable by design. */
  readonly undisclosed: number;
}

/** Defines an own property (never `obj[name] = …`: a claim named `__proto__` would set the prototype). */
function define(obj: Record<string, JsonValue>, name: string, value: JsonValue): void {
  Object.defineProperty(obj, name, { value, enumerable: true, writable: true, configurable: true });
}

const MAX_DEPTH = 24;

/**
 * RFC 9901 §7.1 steps 3–5: replaces every digest that has a disclosure by the disclosed claim,
 * recursively (a disclosure may itself hold digests), and refuses the SD-JWT when a digest
 * appears twice, a disclosure is unreferenced or presented twice, a claim name clashes, or a
 * disclosure's arity does not fit where its digest sits.
 */
export function processPayload(
  payload: Record<string, JsonValue>,
  encodedDisclosures: readonly string[],
): ProcessedPayload {
  const alg = payload._sd_alg;
  if (alg !== undefined && alg !== SD_ALG)
    throw new SdJwtError("sd_alg_unsupported", `_sd_alg ${JSON.stringify(alg).slice(0, 40)} is not ${SD_ALG}`);
  const byDigest = new Map<string, Disclosure>();
  for (const encoded of encodedDisclosures) {
    const d = decodeDisclosure(encoded);
    if (byDigest.has(d.digest))
      throw new SdJwtError("sd_disclosure_duplicate", "the same disclosure is presented twice");
    byDigest.set(d.digest, d);
  }
  const seen = new Set<string>();
  const used = new Set<string>();
  const take = (digest: JsonValue | undefined): Disclosure | undefined => {
    if (typeof digest !== "string") throw new SdJwtError("sd_jwt_malformed", "a digest must be a string");
    if (seen.has(digest)) throw new SdJwtError("sd_digest_duplicate", "a digest appears more than once");
    seen.add(digest);
    const d = byDigest.get(digest);
    if (d) used.add(digest);
    return d;
  };
  let topUndisclosed = 0;
  const topDisclosed: string[] = [];

  const walk = (value: JsonValue, depth: number, top: boolean): JsonValue => {
    if (depth > MAX_DEPTH) throw new SdJwtError("sd_jwt_malformed", "disclosures nested too deep");
    if (Array.isArray(value)) {
      const out: JsonValue[] = [];
      for (const el of value) {
        if (isObject(el) && Object.hasOwn(el, "...")) {
          if (Object.keys(el).length !== 1)
            throw new SdJwtError("sd_jwt_malformed", 'an array element digest is an object with "..." alone');
          const d = take(el["..."]);
          if (!d) continue;
          if (d.name !== undefined)
            throw new SdJwtError("sd_disclosure_malformed", "a property disclosure is referenced as an array element");
          out.push(walk(d.value, depth + 1, false));
        } else out.push(walk(el, depth + 1, false));
      }
      return out;
    }
    if (!isObject(value)) return value;
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "_sd" || (top && k === "_sd_alg")) continue;
      define(out, k, walk(v, depth + 1, false));
    }
    const sd = value._sd;
    if (sd !== undefined) {
      if (!Array.isArray(sd)) throw new SdJwtError("sd_jwt_malformed", "_sd must be an array of digests");
      for (const digest of sd) {
        const d = take(digest);
        if (!d) {
          if (top) topUndisclosed++;
          continue;
        }
        if (d.name === undefined)
          throw new SdJwtError("sd_disclosure_malformed", "an array-element disclosure is referenced as a property");
        if (Object.hasOwn(out, d.name))
          throw new SdJwtError("sd_claim_invalid", `claim ${d.name.slice(0, 40)} is already present`);
        define(out, d.name, walk(d.value, depth + 1, false));
        if (top) topDisclosed.push(d.name);
      }
    }
    return out;
  };
  const claims = walk(payload, 0, true) as Record<string, JsonValue>;
  if (used.size !== byDigest.size)
    throw new SdJwtError("sd_disclosure_unreferenced", "a disclosure is not referenced by any digest");
  return { claims, disclosed: topDisclosed, undisclosed: topUndisclosed };
}

/** `_sd` for the given disclosures plus decoys up to `total` digests, sorted (order reveals nothing). */
export function sdDigests(
  disclosures: readonly Disclosure[],
  total: number,
  random: (n: number) => Uint8Array = randomBytes,
): string[] {
  const digests = disclosures.map((d) => d.digest);
  // A decoy is the digest of random bytes: indistinguishable from a real one (RFC 9901 §4.2.5).
  while (digests.length < total) digests.push(base64urlEncode(sha256(random(32))));
  return digests.sort();
}

/** sd_hash of a KB-JWT: base64url(SHA-256(`<issuer JWT>~<disclosures>~`)). */
export const sdHash = (presented: string): string => digestOf(presented);

/** The compact serialization of an issuer JWT and some of its disclosures, without key binding. */
export const joinSdJwt = (issuerJwt: string, disclosures: readonly string[]): string =>
  `${issuerJwt}~${disclosures.map((d) => `${d}~`).join("")}`;
