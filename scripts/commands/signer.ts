import { secp256k1Address } from "../../core/index.ts";
import { generatePkcs11Key, Pkcs11Session } from "../../services/crypto/pkcs11-signer.ts";
import { readSignerConfig } from "../../services/signer/config.ts";
import { serveSigner } from "../../services/signer/main.ts";
import { requireString, stringOption, unknownSubcommand, UsageError, type Command } from "../cli.ts";
import { integerOption } from "../context.ts";

/** `keygen`: a key pair generated inside the configured PKCS#11 token (non-extractable); prints its public key (and address). */
function keygen(configPath: string, name: string): number {
  const config = readSignerConfig(configPath);
  const key = Object.hasOwn(config.keys, name) ? config.keys[name]! : undefined;
  if (!key?.pkcs11Label || !config.pkcs11) throw new UsageError(`${configPath}: key ${name} has no pkcs11Label`);
  const token = Pkcs11Session.open(config.pkcs11);
  try {
    if (token.find(token.p.CKO_PRIVATE_KEY, key.pkcs11Label) !== undefined)
      throw new UsageError(`the token already holds a key labelled ${key.pkcs11Label}`);
    const publicKey = generatePkcs11Key(token, key.pkcs11Label, key.alg);
    console.log(
      JSON.stringify({
        key: name,
        alg: key.alg,
        publicKey: `0x${Buffer.from(publicKey).toString("hex")}`,
        ...(key.alg === "ES256K" ? { address: secp256k1Address(publicKey) } : {}),
      }),
    );
  } finally {
    token.close();
  }
  return 0;
}

/**
 * `laissez signer serve`: the signing process holding the keys the services only ask to sign
 * with (services/signer/, the protocol of services/crypto/http-signer.ts), software keys or keys
 * in a PKCS#11 HSM (docs/hsm.md). Each caller's token opens its own keys; each key signs only
 * what its purposes allow; every signature is logged. Prints `{ "url": … }` once listening;
 * Ctrl-C stops it. `laissez signer keygen` makes a configured key inside the HSM.
 */
export const signerCommand: Command = {
  name: "signer",
  summary:
    "serve keys (software or in a PKCS#11 HSM) to the services over loopback HTTP, per caller and purpose; keygen in the HSM",
  usage:
    "laissez signer serve --config signer.json [--port 9310] [--host 127.0.0.1] | laissez signer keygen --config signer.json --key <name>",
  options: {
    config: { type: "string" },
    key: { type: "string" },
    port: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
  },
  async run({ values, positionals }) {
    if (positionals[0] === "keygen") return keygen(requireString(values, "config"), requireString(values, "key"));
    if (positionals[0] !== "serve") throw unknownSubcommand(positionals[0], ["serve", "keygen"]);
    const signer = await serveSigner(requireString(values, "config"), {
      host: stringOption(values, "host") ?? "127.0.0.1",
      port: integerOption(values, "port", 9310),
    });
    console.log(JSON.stringify({ url: signer.url, keys: signer.keys }));
    await new Promise<void>((resolve) => {
      for (const signal of ["SIGINT", "SIGTERM"] as const)
        process.once(signal, () => void signer.close().then(resolve));
    });
    return 0;
  },
};
