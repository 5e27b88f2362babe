import { z } from "zod";
import { isChallengeAudience } from "../../core/index.ts";
import { KEY_SOURCE, parseEnv, refusedGoverningVariables } from "../config.ts";
import { HTTP_LIMITS_ENV } from "../http/server.ts";
import { DEFAULT_DEPLOYMENTS_DIR } from "../chain/deployments.ts";

/** The checkpoint service's configuration: environment variables, validated before anything starts. */
export const CheckpointConfig = z.object({
  LAISSEZ_RPC_URL: z.url().default("http://127.0.0.1:8545"),
  LAISSEZ_DEPLOYMENTS: z.string().min(1).default(DEFAULT_DEPLOYMENTS_DIR),
  /** The region whose recognition policy this checkpoint applies, e.g. CN-SH. */
  LAISSEZ_REGION: z.string().regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, "an ISO 3166-2 code such as CN-SH"),
  /** This service's bundle signer key: registered on chain by the region authority; signs the bundles it hands out. */
  LAISSEZ_BUNDLE_SIGNER_KEY: KEY_SOURCE,
  /** Bearer token for a remote signer (LAISSEZ_BUNDLE_SIGNER_KEY as a URL). */
  LAISSEZ_SIGNER_TOKEN: z.string().min(16).optional(),
  /** File with the region authority's signed delegation to that key (`laissez authority delegate`); it travels with every bundle. */
  LAISSEZ_BUNDLE_DELEGATION: z.string().min(1),
  /** The region authority's key (it could accredit a rogue agency), and the other governing keys: refused by name. */
  ...refusedGoverningVariables("LAISSEZ_BUNDLE_SIGNER_KEY and LAISSEZ_BUNDLE_DELEGATION"),
  /** This checkpoint's identifier: the `aud` a challenge-bound presentation must carry. */
  LAISSEZ_CHECKPOINT_ID: z
    .string()
    .refine(
      isChallengeAudience,
      "1–128 characters without spaces or control characters (the page writes it into its challenges)",
    )
    .optional(),
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
