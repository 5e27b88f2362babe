import { z } from "zod";
import { parseEnv } from "../config.ts";
import { HTTP_LIMITS_ENV } from "../http/server.ts";

const HEX_KEY = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "a 0x-prefixed 32-byte hex private key");

/** The checkpoint service's configuration: environment variables, validated before anything starts. */
export const CheckpointConfig = z.object({
  LAISSEZ_RPC_URL: z.url().default("http://127.0.0.1:8545"),
  LAISSEZ_DEPLOYMENTS: z.string().min(1).default("deployments"),
  /** The region whose recognition policy this checkpoint applies, e.g. CN-SH. */
  LAISSEZ_REGION: z.string().regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, "an ISO 3166-2 code such as CN-SH"),
  /** The region authority's key: it signs the bundles this service hands out (pages verify the signature). */
  LAISSEZ_AUTHORITY_KEY: HEX_KEY,
  /** This checkpoint's identifier: the `aud` a challenge-bound presentation must carry. */
  LAISSEZ_CHECKPOINT_ID: z.string().min(1).max(200).optional(),
  /** Where the last signed bundle is kept, so a restart resumes with a delta sync. */
  LAISSEZ_STATE_DIR: z.string().min(1).default(".data"),
  LAISSEZ_SCHEMAS: z.string().min(1).optional(),
  LAISSEZ_HOST: z.string().default("127.0.0.1"),
  LAISSEZ_PORT: z.coerce.number().int().min(0).max(65535).default(8801),
  LAISSEZ_SYNC_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
  LAISSEZ_RATE_LIMIT: z.coerce.number().int().min(1).default(6_000),
  ...HTTP_LIMITS_ENV,
});
export type CheckpointConfig = z.infer<typeof CheckpointConfig>;

export const loadCheckpointConfig = (env: NodeJS.ProcessEnv): CheckpointConfig => parseEnv(CheckpointConfig, env);
