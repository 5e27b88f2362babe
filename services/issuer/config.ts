import { z } from "zod";
import { ADDRESS, KEY_SOURCE, parseEnv, refusedGoverningKey, refusedGoverningVariables } from "../config.ts";
import { HTTP_LIMITS_ENV } from "../http/server.ts";
import { DEFAULT_DEPLOYMENTS_DIR } from "../chain/deployments.ts";

/** The issuer service's configuration: environment variables, validated before anything starts. */
export const IssuerConfig = z.object({
  LAISSEZ_RPC_URL: z.url().default("http://127.0.0.1:8545"),
  /** Every JSON-RPC call gives up after this long (a frozen node answers nothing). */
  LAISSEZ_RPC_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  /** The chain's id, to start while the node is down (otherwise asked of the node, or the only deployments file). */
  LAISSEZ_CHAIN_ID: z.coerce.number().int().positive().optional(),
  LAISSEZ_DEPLOYMENTS: z.string().min(1).default(DEFAULT_DEPLOYMENTS_DIR),
  LAISSEZ_DB: z.string().min(1),
  /** The agency's did:ethr identity address (its ERC-1056 identity owner's key stays offline). */
  LAISSEZ_AGENCY: ADDRESS,
  /** The agency's status writer: the key its identity owner named in TrustRegistry; it writes the status lists. */
  LAISSEZ_STATUS_WRITER_KEY: KEY_SOURCE,
  /** The identity owner's key (it could change the DID's owner for good): refused. */
  LAISSEZ_AGENCY_KEY: refusedGoverningKey("LAISSEZ_AGENCY (the address) and LAISSEZ_STATUS_WRITER_KEY"),
  /** The operator commands' governing keys (region authority, identity owner, deployer): refused by name. */
  ...refusedGoverningVariables("LAISSEZ_AGENCY (the address), LAISSEZ_STATUS_WRITER_KEY and LAISSEZ_SIGNING_KEY"),
  /** The credential signing key: an ES256K veriKey delegate, or an Ed25519 seed published as a DID attribute (hex, or a remote signer's URL). */
  LAISSEZ_SIGNING_KEY: KEY_SOURCE,
  /** Bearer token for remote signers (a `LAISSEZ_*_KEY` that is a URL). */
  LAISSEZ_SIGNER_TOKEN: z.string().min(16).optional(),
  /** Each request to a remote signer gives up after this long, ms. */
  LAISSEZ_SIGNER_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  LAISSEZ_SIGNING_ALG: z.enum(["ES256K", "EdDSA"]).default("ES256K"),
  /** The signing key's verification method in the agency's DID (`delegate-N`): resolved on the chain at start; needed only to start with the chain down. */
  LAISSEZ_SIGNING_METHOD: z
    .string()
    .regex(/^delegate-\d{1,6}$/)
    .optional(),
  LAISSEZ_HOST: z.string().default("127.0.0.1"),
  LAISSEZ_PORT: z.coerce.number().int().min(0).max(65535).default(8701),
  /** Base URL the credentials name for their status lists (what verifiers online fetch). Keep it stable: it is part of every credential, and a retried Idempotency-Key re-signs with it. */
  LAISSEZ_PUBLIC_URL: z.url().optional(),
  LAISSEZ_SCHEMAS: z.string().min(1).optional(),
  LAISSEZ_BODY_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(64 * 1024),
  LAISSEZ_RATE_LIMIT: z.coerce.number().int().min(1).default(60_000),
  LAISSEZ_ANCHOR_INTERVAL_MS: z.coerce.number().int().min(10).default(500),
  /** How often the audit log's head is anchored on chain while it grows (also after every status batch), ms: an entry is pinned within about this long plus a block (issue 22: at most 50 s, so within a minute). */
  LAISSEZ_AUDIT_ANCHOR_MS: z.coerce.number().int().min(10).max(50_000).default(20_000),
  /** How often anchored batches are checked against the chain (a reset chain loses them), ms. */
  LAISSEZ_RECONCILE_MS: z.coerce.number().int().min(100).default(60_000),
  /** How long a broadcast batch waits for its receipt before the next step tries again, ms. */
  LAISSEZ_RECEIPT_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
  /** Blocks holding a batch (its own included) before its requests count as anchored: 1 on Besu QBFT (final); more on a chain without finality. */
  LAISSEZ_CONFIRMATIONS: z.coerce.number().int().min(1).max(1000).default(1),
  /** How long an on-chain answer (accreditation, type, schema) is reused, ms. */
  LAISSEZ_CHAIN_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** How often expired offers lose their claims and old request hashes are forgotten, ms. */
  LAISSEZ_HOUSEKEEPING_MS: z.coerce.number().int().min(10).default(60_000),
  ...HTTP_LIMITS_ENV,
});
export type IssuerConfig = z.infer<typeof IssuerConfig>;

export { ConfigError } from "../config.ts";

export const loadIssuerConfig = (env: NodeJS.ProcessEnv): IssuerConfig => parseEnv(IssuerConfig, env);
