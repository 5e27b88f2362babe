import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { startIssuer } from "../../services/issuer/main.ts";
import { ConfigError, loadIssuerConfig } from "../../services/issuer/config.ts";
import { SqliteIssuerStore, type Role } from "../../services/issuer/store.ts";
import { requireString, stringOption, unknownSubcommand, UsageError, type Command } from "../cli.ts";
import { DEMO_SCHEMAS_DIR, integerOption } from "../context.ts";
import {
  agencyControllerKey,
  agencyEd25519Key,
  agencySigningKey,
  agencyStatusWriterKey,
  DEMO_AGENCIES,
} from "../demo/consortium.ts";

/** Demo agency N's keys and defaults as the environment the service reads (development chain only). */
function demoEnv(agency: number, alg: string): NodeJS.ProcessEnv {
  if (agency >= DEMO_AGENCIES.length) throw new UsageError(`--agency must be 0..${DEMO_AGENCIES.length - 1}`);
  return {
    LAISSEZ_AGENCY: agencyControllerKey(agency).address,
    LAISSEZ_STATUS_WRITER_KEY: agencyStatusWriterKey(agency).privateKey,
    LAISSEZ_SIGNING_KEY:
      alg === "EdDSA"
        ? `0x${Buffer.from(agencyEd25519Key(agency)).toString("hex")}`
        : agencySigningKey(agency).privateKey,
    LAISSEZ_SIGNING_ALG: alg,
    LAISSEZ_DB: `.data/issuer-${agency}.db`,
    LAISSEZ_PORT: String(8701 + agency),
  };
}

export const issuerCommand: Command = {
  name: "issuer",
  summary: "the agency's issuer service: `serve` it, or `create-admin` for its first operator token",
  usage:
    "laissez issuer serve [--agency N] [--alg ES256K|EdDSA]   |   laissez issuer create-admin --db FILE [--name NAME]   (config: LAISSEZ_* environment)",
  options: {
    agency: { type: "string" },
    alg: { type: "string", default: "ES256K" },
    db: { type: "string" },
    name: { type: "string", default: "admin" },
  },
  async run({ values, positionals }) {
    const [sub] = positionals;
    if (sub === "create-admin") {
      const db = requireString(values, "db");
      mkdirSync(dirname(db), { recursive: true });
      const store = new SqliteIssuerStore(db);
      const { operator, token } = await store.operators.create(stringOption(values, "name") ?? "admin", [
        "admin",
        "issue",
        "revoke",
      ] as Role[]);
      await store.close();
      console.log(JSON.stringify({ ...operator, token }));
      console.error("keep this token: it is stored only as a hash and cannot be shown again");
      return 0;
    }
    if (sub !== "serve") throw unknownSubcommand(sub, ["serve", "create-admin"]);
    const demo =
      stringOption(values, "agency") !== undefined
        ? demoEnv(integerOption(values, "agency"), stringOption(values, "alg") ?? "ES256K")
        : {};
    let config;
    try {
      config = loadIssuerConfig({ ...demo, ...process.env });
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
    mkdirSync(dirname(config.LAISSEZ_DB), { recursive: true });
    const service = await startIssuer(config, DEMO_SCHEMAS_DIR);
    console.error(`issuer service on ${service.url}`);
    await new Promise<void>((resolve) => {
      const stop = () => void service.stop().then(resolve);
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    return 0;
  },
};
