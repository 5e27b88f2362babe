import { z } from "zod";

export class ConfigError extends Error {}

/** Parses the environment with a service's schema; throws ConfigError naming every bad or missing variable (never their values). */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      `invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`,
    );
  }
  return parsed.data;
}

/** A 0x-prefixed 32-byte hex private key (the value is never echoed in an error). */
export const HEX_KEY = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "a 0x-prefixed 32-byte hex private key");
/**
 * Where a service's key is: a 0x-hex private key (the native software signer), or the URL of a
 * remote signer — an HSM or KMS gateway speaking `services/crypto/http-signer.ts`'s protocol.
 */
export const KEY_SOURCE = z
  .string()
  .regex(
    /^(0x[0-9a-fA-F]{64}|https?:\/\/\S+)$/,
    "a 0x-prefixed 32-byte hex private key, or the http(s) URL of a remote signer",
  );
export const ADDRESS = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte address");

/**
 * A variable that used to carry a governing key: if it is set the service refuses to start,
 * saying which key to keep offline and what to give the service instead.
 */
export const refusedGoverningKey = (instead: string) =>
  z.undefined({ error: `a governing key must stay offline (issue 14): remove it and set ${instead}` }).optional();

/**
 * The variables the operator commands read governing keys from (a region authority, an agency's
 * ERC-1056 identity owner, the consortium's deployer): an online service refuses to start while
 * any is set in its environment, naming it — such a key on a server is one theft from owning
 * the registry or an agency's DID.
 */
export const refusedGoverningVariables = (instead: string) => ({
  LAISSEZ_AUTHORITY_KEY: refusedGoverningKey(instead),
  LAISSEZ_IDENTITY_OWNER_KEY: refusedGoverningKey(instead),
  LAISSEZ_DEPLOYER_KEY: refusedGoverningKey(instead),
});
