import { readFileSync } from "node:fs";
import { z } from "zod";
import { parseJson } from "../../core/index.ts";
import { ConfigError } from "../config.ts";

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "a 0x address")
  .transform((a) => a.toLowerCase());
const name = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, _ and -, up to 64");

/**
 * What a key may sign (issue 22). The signer reads what it signs and refuses the rest:
 * - `credential`: credential and status-list JWTs (`vc+jwt`, `dc+sd-jwt`) whose `iss` is `issuer`; never a transaction.
 * - `bundle`: bundle and delta envelopes of `region`.
 * - `delegation`: bundle-signer delegations of `region` (the region authority).
 * - `status-writer`: StatusRegistry calls only (`createList`, `updateStatus`, `anchorAudit`), for `agency`.
 * - `identity-owner`: ERC-1056 DIDRegistry calls on `agency`'s identity and TrustRegistry `setStatusWriter` for it.
 * - `transaction`: any transaction to one of `to` (an operator's or governance key).
 * Every key may sign its own start-up probe.
 */
export const PURPOSES = [
  "credential",
  "bundle",
  "delegation",
  "status-writer",
  "identity-owner",
  "transaction",
] as const;
export type Purpose = (typeof PURPOSES)[number];
/** Purposes of keys that govern (kept offline, used by operators): never behind a service's token. */
const GOVERNING: ReadonlySet<Purpose> = new Set(["identity-owner", "delegation", "transaction"]);

const keySchema = z
  .object({
    alg: z.enum(["ES256K", "EdDSA"]),
    /** A software key (0x-hex, 32 bytes): for development; production keys live in the HSM. */
    privateKey: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/)
      .optional(),
    /** The key's CKA_LABEL in the PKCS#11 token (its private and public objects). */
    pkcs11Label: z.string().min(1).max(128).optional(),
    purposes: z.array(z.enum(PURPOSES)).min(1),
    issuer: z.string().min(1).max(256).optional(),
    region: z.string().min(1).max(64).optional(),
    agency: address.optional(),
    to: z.array(address).min(1).optional(),
    /** Signatures per minute with this key; more → 429. */
    ratePerMinute: z.number().int().min(1).max(1_000_000).default(600),
  })
  .strict();

const configSchema = z
  .object({
    keys: z.record(name, keySchema),
    /** Who may call: the SHA-256 (hex) of its bearer token and the keys it sees. The file holds no token. */
    callers: z.record(
      name,
      z
        .object({
          tokenSha256: z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits"),
          keys: z.array(name).min(1),
        })
        .strict(),
    ),
    /** The chain the transaction purposes are checked against. */
    contracts: z
      .object({
        chainId: z.number().int().min(1),
        trustRegistry: address,
        statusRegistry: address,
        didRegistry: address,
      })
      .strict()
      .optional(),
    /** The HSM (see docs/hsm.md): its PKCS#11 library, the token's label, and where its user PIN is read from. */
    pkcs11: z
      .object({
        library: z.string().min(1),
        tokenLabel: z.string().min(1).max(32),
        pinFile: z.string().min(1).optional(),
        pinEnv: z
          .string()
          .regex(/^[A-Z_][A-Z0-9_]*$/)
          .optional(),
      })
      .strict()
      .optional(),
    /** The signature log: one JSON line per signature, appended and fsync'd before the signature leaves. */
    log: z.string().min(1),
    /** Host names the signer answers to besides 127.0.0.1, localhost and [::1] (a Host header naming another is refused). */
    hostNames: z.array(z.string().regex(/^[A-Za-z0-9.-]{1,253}$/)).default([]),
  })
  .strict();

export type SignerConfig = z.infer<typeof configSchema>;
export type KeyConfig = SignerConfig["keys"][string];

/** What cannot be said in the schema: every key has one source and what its purposes need; callers name keys that exist. */
function consistencyProblems(c: SignerConfig): string[] {
  const problems: string[] = [];
  if (Object.keys(c.callers).length === 0)
    problems.push("callers: at least one caller with a token is required (the signer never serves unauthenticated)");
  for (const [k, key] of Object.entries(c.keys)) {
    if ((key.privateKey === undefined) === (key.pkcs11Label === undefined))
      problems.push(`keys.${k}: exactly one of privateKey, pkcs11Label`);
    if (key.pkcs11Label !== undefined && !c.pkcs11) problems.push(`keys.${k}: pkcs11Label needs the pkcs11 section`);
    const tx = key.purposes.some((p) => p === "status-writer" || p === "identity-owner" || p === "transaction");
    if (tx && key.alg !== "ES256K") problems.push(`keys.${k}: a transaction purpose needs an ES256K key`);
    if (key.purposes.some((p) => p === "status-writer" || p === "identity-owner")) {
      if (!key.agency) problems.push(`keys.${k}: status-writer and identity-owner need agency`);
      if (!c.contracts) problems.push(`keys.${k}: status-writer and identity-owner need the contracts section`);
    }
    if (key.purposes.includes("transaction") && !key.to)
      problems.push(`keys.${k}: transaction needs to (the allowed destinations)`);
  }
  const hashes = new Set<string>();
  for (const [n, caller] of Object.entries(c.callers)) {
    if (hashes.has(caller.tokenSha256)) problems.push(`callers.${n}: the same token as another caller`);
    hashes.add(caller.tokenSha256);
    for (const k of caller.keys) if (!Object.hasOwn(c.keys, k)) problems.push(`callers.${n}: no key ${k}`);
    // A governing key (identity owner, region authority, operator) and a service's key behind one token is the issue-22 attack waiting to happen.
    const purposes = caller.keys.flatMap((k) => (Object.hasOwn(c.keys, k) ? c.keys[k]!.purposes : []));
    if (purposes.some((p) => GOVERNING.has(p)) && purposes.some((p) => !GOVERNING.has(p)))
      problems.push(
        `callers.${n}: one token for governing keys (${[...GOVERNING].join(", ")}) and a service's keys: give each its own caller`,
      );
  }
  if (c.pkcs11 && (c.pkcs11.pinFile === undefined) === (c.pkcs11.pinEnv === undefined))
    problems.push("pkcs11: exactly one of pinFile, pinEnv");
  return problems;
}

/** The signer's configuration file, checked whole: a ConfigError lists every problem. */
export function parseSignerConfig(raw: unknown, source: string): SignerConfig {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success)
    throw new ConfigError(
      `${source}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  const problems = consistencyProblems(parsed.data);
  if (problems.length > 0) throw new ConfigError(`${source}: ${problems.join("; ")}`);
  return parsed.data;
}

export const readSignerConfig = (path: string): SignerConfig =>
  parseSignerConfig(parseJson(readFileSync(path, "utf8")), path);
