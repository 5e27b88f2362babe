import { type KeySigner, type KeySignerAlg, probeSigner } from "../../core/index.ts";
import { ConfigError } from "../config.ts";
import { httpSigner } from "./http-signer.ts";
import { nativeSignerFromHex } from "./native-signer.ts";

/**
 * The KeySigner a `LAISSEZ_*_KEY` variable names: a hex private key (the native software
 * signer), or a remote signer's URL (an HSM or KMS gateway; `LAISSEZ_SIGNER_TOKEN` is its bearer
 * token). Probed once: a signer that does not answer, or signs with another key than it
 * claims, is a ConfigError naming the variable.
 */
export async function openKeySigner(variable: string, source: string, alg: KeySignerAlg, o: { token?: string | undefined; timeoutMs?: number } = {}): Promise<KeySigner> {
  try {
    const signer = /^https?:\/\//.test(source) ? await httpSigner(source, { alg, timeoutMs: o.timeoutMs ?? 5000, ...(o.token ? { token: o.token } : {}) }) : nativeSignerFromHex(alg, source);
    await probeSigner(signer);
    return signer;
  } catch (e) {
    throw new ConfigError(`${variable}: ${(e as Error).message}`);
  }
}
