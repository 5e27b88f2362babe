import type { Server } from "node:http";
import { z } from "zod";
import type { KeySigner } from "../../core/index.ts";
import { ConfigError, parseEnv } from "../config.ts";
import { nativeSignerFromHex } from "../crypto/native-signer.ts";
import { Pkcs11Session, pkcs11Signer } from "../crypto/pkcs11-signer.ts";
import { HTTP_LIMITS_ENV, limitsFromEnv, listen } from "../http/server.ts";
import { createSignerHandler } from "./app.ts";
import { readSignerConfig, type SignerConfig } from "./config.ts";
import { SignatureLog } from "./signature-log.ts";

/** Addresses the signer may listen on over plain HTTP: loopback only (TLS and reach beyond the host are a proxy's job). */
export const isLoopbackHost = (host: string): boolean =>
  host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

/** Opens the configured keys: software keys from the file, PKCS#11 keys by label in the token (opened once). */
export function openSignerKeys(config: SignerConfig): { keys: Record<string, KeySigner>; close: () => void } {
  const needsToken = Object.values(config.keys).some((k) => k.pkcs11Label !== undefined);
  const token = needsToken && config.pkcs11 ? Pkcs11Session.open(config.pkcs11) : undefined;
  try {
    const keys: Record<string, KeySigner> = {};
    for (const [name, k] of Object.entries(config.keys))
      keys[name] =
        k.privateKey !== undefined
          ? nativeSignerFromHex(k.alg, k.privateKey)
          : pkcs11Signer(token!, k.pkcs11Label!, k.alg);
    return { keys, close: () => token?.close() };
  } catch (e) {
    token?.close();
    throw new ConfigError(`the signer's keys: ${(e as Error).message}`);
  }
}

export interface RunningSigner {
  readonly server: Server;
  readonly url: string;
  readonly keys: readonly string[];
  close(): Promise<void>;
}

/**
 * `laissez signer serve`: reads the config, opens its keys (software or in the HSM) and the
 * signature log, and listens on a loopback address with the services' connection limits
 * (`LAISSEZ_HTTP_*`). Refuses a non-loopback address: plain HTTP leaves the host only behind a
 * TLS proxy.
 */
export async function serveSigner(
  configPath: string,
  o: { host: string; port: number; env?: NodeJS.ProcessEnv },
): Promise<RunningSigner> {
  if (!isLoopbackHost(o.host))
    throw new ConfigError(
      `--host ${o.host}: the signer speaks plain HTTP and listens on loopback only (127.0.0.1, ::1); reach it from another host through a TLS proxy`,
    );
  const config = readSignerConfig(configPath);
  const limits = limitsFromEnv(parseEnv(z.object(HTTP_LIMITS_ENV), o.env ?? process.env));
  const { keys, close } = openSignerKeys(config);
  const log = new SignatureLog(config.log);
  let port = o.port;
  const server = await listen(
    createSignerHandler({ config, keys, log, port: () => port }),
    o.port,
    o.host,
    limits,
  ).catch((e: unknown) => {
    close();
    throw e;
  });
  port = (server.address() as { port: number }).port;
  const host = o.host.includes(":") && !o.host.startsWith("[") ? `[${o.host}]` : o.host;
  return {
    server,
    url: `http://${host}:${port}`,
    keys: Object.keys(keys),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          log.close();
          close();
          resolve();
        });
      }),
  };
}
