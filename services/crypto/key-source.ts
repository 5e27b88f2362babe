import { type KeySigner, type KeySignerAlg, probeSigner } from "../../core/index.ts";
import { ConfigError } from "../config.ts";
import { httpSigner } from "./http-signer.ts";
import { nativeSignerFromHex } from "./native-signer.ts";

/** Loopback hosts: plain HTTP to them never leaves the machine. */
const LOOPBACK = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/;

/**
 * A remote signer is reached with a token (the signer serves no one without one), and over
 * plain HTTP only on this host: a token or a digest sent in clear across a network is refused
 * (issue 22). Anything else needs https://.
 */
export function checkSignerUrl(variable: string, source: string, token: string | undefined): void {
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new ConfigError(`${variable}: not a URL`);
  }
  if (url.username || url.password)
    throw new ConfigError(`${variable}: a signer URL carries no credentials (use LAISSEZ_SIGNER_TOKEN)`);
  if (url.protocol === "http:" && !LOOPBACK.test(url.hostname))
    throw new ConfigError(
      `${variable}: a remote signer on another host needs https:// (http:// only to 127.0.0.1, [::1] or localhost)`,
    );
  if (!token) throw new ConfigError(`${variable}: a remote signer needs its bearer token (LAISSEZ_SIGNER_TOKEN)`);
}

/**
 * The KeySigner a `LAISSEZ_*_KEY` variable names: a hex private key (the native software
 * signer), or a remote signer's URL (an HSM or KMS gateway; `LAISSEZ_SIGNER_TOKEN` is its bearer
 * token). Probed once: a signer that does not answer, or signs with another key than it
 * claims, is a ConfigError naming the variable.
 */
export async function openKeySigner(
  variable: string,
  source: string,
  alg: KeySignerAlg,
  o: { token?: string | undefined; timeoutMs?: number } = {},
): Promise<KeySigner> {
  const remote = /^https?:\/\//.test(source);
  if (remote) checkSignerUrl(variable, source, o.token);
  try {
    const signer = remote
      ? await httpSigner(source, { alg, timeoutMs: o.timeoutMs ?? 5000, ...(o.token ? { token: o.token } : {}) })
      : nativeSignerFromHex(alg, source);
    await probeSigner(signer);
    return signer;
  } catch (e) {
    throw new ConfigError(`${variable}: ${(e as Error).message}`);
  }
}
