import { readFileSync } from "node:fs";
import { type KeySigner, parseJson } from "../../core/index.ts";
import { nativeSignerFromHex } from "../../services/crypto/native-signer.ts";
import { createSignerServer } from "../../services/crypto/signer-server.ts";
import { requireString, stringOption, UsageError, type Command } from "../cli.ts";
import { integerOption } from "../context.ts";

/** The key file: `{ "<name>": { "alg": "ES256K" | "EdDSA", "privateKey": "0x…" }, … }`. */
function readKeys(path: string): Record<string, KeySigner> {
  const raw = parseJson(readFileSync(path, "utf8")) as Record<string, { alg?: unknown; privateKey?: unknown }>;
  const keys: Record<string, KeySigner> = {};
  for (const [name, k] of Object.entries(raw)) {
    if ((k.alg !== "ES256K" && k.alg !== "EdDSA") || typeof k.privateKey !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(k.privateKey)) {
      throw new UsageError(`${path}: key ${name} needs alg ES256K|EdDSA and a 0x-hex 32-byte privateKey`);
    }
    keys[name] = nativeSignerFromHex(k.alg, k.privateKey);
  }
  return keys;
}

/**
 * `laissez signer serve`: a signing process holding keys the services only ask to sign with
 * (the remote-signer protocol of services/crypto/http-signer.ts). It stands in for an HSM or a
 * cloud KMS gateway: point `LAISSEZ_SIGNING_KEY` (or any service key variable) at
 * `http://127.0.0.1:<port>/keys/<name>`. Prints `{ "url": … }` once listening; Ctrl-C stops it.
 */
export const signerCommand: Command = {
  name: "signer",
  summary: "serve keys over loopback HTTP to the services (a stand-in for an HSM/KMS; bearer token LAISSEZ_SIGNER_TOKEN)",
  usage: "laissez signer serve --keys keys.json [--port 9310] [--host 127.0.0.1]",
  options: { keys: { type: "string" }, port: { type: "string" }, host: { type: "string", default: "127.0.0.1" } },
  async run({ values, positionals }) {
    if (positionals[0] !== "serve") throw new UsageError("expected `serve`");
    const keys = readKeys(requireString(values, "keys"));
    const token = process.env.LAISSEZ_SIGNER_TOKEN;
    const server = createSignerServer(keys, token ? { token } : {});
    const host = stringOption(values, "host") ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(integerOption(values, "port", 9310), host, resolve);
    });
    const { port } = server.address() as { port: number };
    console.log(JSON.stringify({ url: `http://${host}:${port}`, keys: Object.keys(keys) }));
    await new Promise<void>((resolve) => {
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => server.close(() => resolve()));
    });
    return 0;
  },
};
