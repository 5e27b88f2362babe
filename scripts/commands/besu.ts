import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Wallet } from "ethers";
import { kitFiles, KitError, parseKitSpec, type KitSpec } from "../../deploy/besu/kit.ts";
import { writeFileAtomic } from "../../io/files.ts";
import { stringOption, UsageError, type Command } from "../cli.ts";

/** The local 4-region network (one Docker host): its regions, on the compose file's subnet. */
const LOCAL_REGIONS = ["CN-ZJ", "CN-SH", "CN-NM", "CN-GD"] as const;

/**
 * A fresh local network: a node key and a region authority per region and a governance
 * account, all random. The private keys go to `nodes/<region>/key` and `accounts.json`
 * (mode 0600) in the output directory; nothing else of them leaves it.
 */
function localNetwork(): { spec: KitSpec; secrets: Record<string, string> } {
  const governance = Wallet.createRandom();
  const secrets: Record<string, string> = {};
  const accounts: Record<string, { address: string; privateKey: string }> = {
    governance: { address: governance.address, privateKey: governance.privateKey },
  };
  const regions = LOCAL_REGIONS.map((name, i) => {
    const node = Wallet.createRandom();
    const authority = Wallet.createRandom();
    secrets[`nodes/${name}/key`] = node.privateKey;
    accounts[`authority ${name}`] = { address: authority.address, privateKey: authority.privateKey };
    return {
      name,
      nodePublicKey: `0x${node.signingKey.publicKey.slice(4)}`,
      host: `172.16.239.${11 + i}`,
      authority: authority.address,
    };
  });
  secrets["accounts.json"] = `${JSON.stringify(accounts, null, 2)}\n`;
  return { spec: { governance: governance.address, regions }, secrets };
}

export const besuKitCommand: Command = {
  name: "besu-kit",
  summary: "write the Besu QBFT network kit: genesis, node configs, permissioning allowlists, compose file",
  usage:
    "laissez besu-kit --regions regions.json --out DIR  |  laissez besu-kit --local --out DIR   (see deploy/besu/README.md)",
  options: {
    regions: { type: "string" },
    local: { type: "boolean" },
    out: { type: "string" },
  },
  async run({ values }) {
    const out = stringOption(values, "out");
    if (!out) throw new UsageError("--out DIR is required");
    const regionsFile = stringOption(values, "regions");
    if (Boolean(regionsFile) === Boolean(values.local)) throw new UsageError("give either --regions FILE or --local");
    let spec: KitSpec;
    let secrets: Record<string, string> = {};
    try {
      if (regionsFile) spec = parseKitSpec(JSON.parse(readFileSync(regionsFile, "utf8")));
      else ({ spec, secrets } = localNetwork());
    } catch (e) {
      if (e instanceof KitError || e instanceof SyntaxError)
        throw new UsageError(`${regionsFile ?? "regions"}: ${e.message}`);
      throw e;
    }
    if (values.local && existsSync(join(out, "accounts.json")))
      throw new UsageError(`${out} already holds a local network's keys: choose another --out or remove it`);
    for (const [path, content] of Object.entries(secrets)) {
      mkdirSync(dirname(join(out, path)), { recursive: true });
      writeFileSync(join(out, path), content, { mode: 0o600, flag: "wx" });
    }
    for (const [path, content] of Object.entries(kitFiles(spec))) writeFileAtomic(join(out, path), content);
    console.log(`Besu QBFT kit for ${spec.regions.map((r) => r.name).join(", ")} → ${out}`);
    if (values.local)
      console.log(
        `node keys in ${join(out, "nodes/<region>/key")}, account keys in ${join(out, "accounts.json")}; start with: docker compose -f ${join(out, "docker-compose.yml")} up -d`,
      );
    return 0;
  },
};
