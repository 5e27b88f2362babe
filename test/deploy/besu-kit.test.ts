/**
 * The Besu QBFT kit (deploy/besu): the genesis `extraData` byte for byte against Besu's own
 * documentation, the genesis against the fields Besu requires and the opcodes our compiled
 * contracts use, the permissioning allowlists and node configs, and `laissez besu-kit`.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeRlp, getAddress, Wallet } from "ethers";
import { describe, expect, it } from "vitest";
import {
  genesis,
  kitFiles,
  nodeAddress,
  nodeConfig,
  parseKitSpec,
  permissionsConfig,
  QBFT_MIX_HASH,
  qbftExtraData,
  type KitSpec,
} from "../../deploy/besu/kit.ts";
import { KIT_DEFAULTS } from "../../deploy/besu/params.ts";
import { loadArtifact } from "../../services/chain/artifacts.ts";
import { parseCommandArgs, UsageError } from "../../scripts/cli.ts";
import { besuKitCommand } from "../../scripts/commands/besu.ts";
import { runLaissez } from "../helpers/processes.ts";

/**
 * Besu's documentation, "Configure QBFT consensus" → Genesis file, block header validator
 * selection (besu-docs: docs/private-networks/how-to/configure/consensus/qbft.md): the genesis
 * as published, minus its `alloc` balances.
 */
const BESU_DOCS_QBFT_GENESIS = {
  config: {
    chainid: 1337,
    berlinBlock: 0,
    qbft: { epochlength: 30000, blockperiodseconds: 5, requesttimeoutseconds: 10 },
  },
  nonce: "0x0",
  timestamp: "0x5b3d92d7",
  extraData:
    "0xf87aa00000000000000000000000000000000000000000000000000000000000000000f8549464a702e6263b7297a96638cac6ae65e6541f4169943923390ad55e90c237593b3b0e401f3b08a0318594aefdb9a738c9f433e5b6b212a6d62f6370c2f69294c7eeb9a4e00ce683cf93039b212648e01c6c6b78c080c0",
  gasLimit: "0x29b92700",
  difficulty: "0x1",
  mixHash: "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365",
  coinbase: "0x0000000000000000000000000000000000000000",
  alloc: {},
  number: "0x0",
  gasUsed: "0x0",
  parentHash: "0x0000000000000000000000000000000000000000000000000000000000000000",
};
/** The same page's validators in that example (its extraData, decoded by hand: four 20-byte items). */
const BESU_DOCS_VALIDATORS = [
  "0x64a702e6263b7297a96638cac6ae65e6541f4169",
  "0x3923390ad55e90c237593b3b0e401f3b08a03185",
  "0xaefdb9a738c9f433e5b6b212a6d62f6370c2f692",
  "0xc7eeb9a4e00ce683cf93039b212648e01c6c6b78",
];
/** The same page, contract validator selection: no validators in the header. */
const BESU_DOCS_CONTRACT_EXTRA_DATA = "0xe5a00000000000000000000000000000000000000000000000000000000000000000c0c080c0";

const key = (i: number) => new Wallet(`0x${(i + 1).toString(16).padStart(64, "0")}`);
const nodePublicKey = (i: number) => `0x${key(i).signingKey.publicKey.slice(4)}`;
const SPEC: KitSpec = {
  governance: key(100).address,
  regions: ["CN-ZJ", "CN-SH", "CN-NM", "CN-GD"].map((name, i) => ({
    name,
    nodePublicKey: nodePublicKey(i),
    host: `10.0.0.${i + 1}`,
    authority: key(10 + i).address,
    transactors: [key(20 + i).address],
  })),
};

/** Opcodes a runtime bytecode executes (PUSH data and the trailing CBOR metadata skipped). */
function opcodes(bytecode: string): Set<number> {
  const code = Buffer.from(bytecode.replace(/^0x/, ""), "hex");
  const metadataLength = code.readUInt16BE(code.length - 2) + 2;
  const seen = new Set<number>();
  for (let pc = 0; pc < code.length - metadataLength; pc++) {
    const op = code[pc]!;
    seen.add(op);
    if (op >= 0x60 && op <= 0x7f) pc += op - 0x5f;
  }
  return seen;
}

describe("QBFT genesis extraData", () => {
  it("equals Besu's documented example byte for byte, for its four validators and for none", () => {
    expect(qbftExtraData(BESU_DOCS_VALIDATORS)).toBe(BESU_DOCS_QBFT_GENESIS.extraData);
    expect(qbftExtraData(BESU_DOCS_VALIDATORS.map((v) => getAddress(v)))).toBe(BESU_DOCS_QBFT_GENESIS.extraData);
    expect(qbftExtraData([])).toBe(BESU_DOCS_CONTRACT_EXTRA_DATA);
  });

  it("carries each region node's address, derived from its node public key", () => {
    const [vanity, validators, votes, round, seals] = decodeRlp(genesis(SPEC).extraData as string) as [
      string,
      string[],
      string[],
      string,
      string[],
    ];
    expect(vanity).toBe(`0x${"00".repeat(32)}`);
    expect(validators).toEqual(SPEC.regions.map((r) => nodeAddress(r.nodePublicKey).toLowerCase()));
    expect([votes, round, seals]).toEqual([[], "0x", []]);
    expect(nodeAddress(nodePublicKey(0))).toBe(key(0).address);
  });

  it("does not change when a region joins the running network (the validators vote it in)", () => {
    const joined: KitSpec = {
      ...SPEC,
      regions: [
        ...SPEC.regions,
        {
          name: "CN-SC",
          nodePublicKey: nodePublicKey(9),
          host: "10.0.0.9",
          authority: key(19).address,
          joinedLater: true,
        },
      ],
    };
    expect(genesis(joined)).toEqual(genesis(SPEC));
    expect(permissionsConfig(joined)).toContain(nodePublicKey(9).slice(2));
  });
});

describe("the kit's genesis", () => {
  const g = genesis(SPEC) as typeof BESU_DOCS_QBFT_GENESIS & {
    config: Record<string, unknown> & { qbft: Record<string, number> };
  };

  it("has every field of Besu's QBFT example, with the values QBFT requires", () => {
    expect(Object.keys(g).sort()).toEqual(Object.keys(BESU_DOCS_QBFT_GENESIS).sort());
    expect(Object.keys(g.config.qbft).sort()).toEqual(Object.keys(BESU_DOCS_QBFT_GENESIS.config.qbft).sort());
    expect([g.difficulty, g.mixHash, g.number, g.gasUsed, g.nonce]).toEqual([
      "0x1",
      QBFT_MIX_HASH,
      "0x0",
      "0x0",
      "0x0",
    ]);
    expect(g.config.qbft).toEqual({
      blockperiodseconds: KIT_DEFAULTS.blockPeriodSeconds,
      epochlength: KIT_DEFAULTS.epochLength,
      requesttimeoutseconds: KIT_DEFAULTS.requestTimeoutSeconds,
    });
    expect(g.config.chainId).toBe(KIT_DEFAULTS.chainId);
    expect(g.config.chainId).not.toBe(31337);
    expect(BigInt(g.gasLimit)).toBe(BigInt(KIT_DEFAULTS.blockGasLimit));
  });

  it("is a free-gas network (Besu's free-gas guide): London with zeroBaseFee, no account holds ether", () => {
    expect(g.config.londonBlock).toBe(0);
    expect(g.config.zeroBaseFee).toBe(true);
    expect(g.alloc).toEqual({});
  });

  it("enables every fork whose opcodes the compiled contracts use", () => {
    const runtime = (name: "TrustRegistry" | "StatusRegistry") =>
      (loadArtifact(name) as { deployedBytecode?: string }).deployedBytecode ?? "";
    const used = new Set([...opcodes(runtime("TrustRegistry")), ...opcodes(runtime("StatusRegistry"))]);
    expect(used.has(0x5f)).toBe(true); // PUSH0 (Shanghai): what a berlinBlock genesis rejects
    expect(g.config.shanghaiTime).toBe(0);
    const cancun = [0x49, 0x4a, 0x5c, 0x5d, 0x5e]; // BLOBHASH, BLOBBASEFEE, TLOAD, TSTORE, MCOPY
    if (cancun.some((op) => used.has(op))) expect(g.config.cancunTime).toBe(0);
    // Nothing newer than Cancun (e.g. Osaka's CLZ 0x1e).
    const cancunSet = (op: number) =>
      op <= 0x0b ||
      (op >= 0x10 && op <= 0x1d) ||
      op === 0x20 ||
      (op >= 0x30 && op <= 0x4a) ||
      (op >= 0x50 && op <= 0xa4) ||
      (op >= 0xf0 && op <= 0xf5) ||
      [0xfa, 0xfd, 0xfe, 0xff].includes(op);
    expect([...used].filter((op) => !cancunSet(op))).toEqual([]);
  });
});

describe("permissioning and node configuration", () => {
  it("lets only the regions' nodes join and only governance, authorities and admitted agencies transact", () => {
    const toml = permissionsConfig(SPEC);
    const list = (name: string) => JSON.parse(new RegExp(`^${name}=(.*)$`, "m").exec(toml)![1]!) as string[];
    expect(list("accounts-allowlist").sort()).toEqual(
      [SPEC.governance, ...SPEC.regions.flatMap((r) => [r.authority, ...(r.transactors ?? [])])]
        .map((a) => a.toLowerCase())
        .sort(),
    );
    expect(list("nodes-allowlist")).toEqual(
      SPEC.regions.map((r) => `enode://${r.nodePublicKey.slice(2)}@${r.host}:30303`),
    );
  });

  it("each node: free gas, Besu's log range, standard APIs only, permissioning on, the other regions as bootnodes", () => {
    const zj = nodeConfig(SPEC, SPEC.regions[0]!);
    expect(zj).toMatch(/^min-gas-price=0$/m);
    expect(zj).toMatch(new RegExp(`^rpc-max-logs-range=${KIT_DEFAULTS.rpcMaxLogsRange}$`, "m"));
    expect(zj).toMatch(/^rpc-http-api=\["ETH","NET","WEB3","QBFT"\]$/m);
    expect(zj).toMatch(/^permissions-nodes-config-file-enabled=true$/m);
    expect(zj).toMatch(/^permissions-accounts-config-file-enabled=true$/m);
    const bootnodes = JSON.parse(/^bootnodes=(.*)$/m.exec(zj)![1]!) as string[];
    expect(bootnodes).toHaveLength(3);
    expect(bootnodes.join()).not.toContain(SPEC.regions[0]!.nodePublicKey.slice(2));
  });

  it("a compose file with one validator per region; every file from one spec", () => {
    const files = kitFiles(SPEC);
    expect(Object.keys(files).sort()).toEqual([
      "docker-compose.yml",
      "genesis.json",
      "nodes/CN-GD/config.toml",
      "nodes/CN-NM/config.toml",
      "nodes/CN-SH/config.toml",
      "nodes/CN-ZJ/config.toml",
      "permissions_config.toml",
      "regions.json",
    ]);
    expect(files["docker-compose.yml"]!.match(/image: hyperledger\/besu:\d+\.\d+\.\d+/g)).toHaveLength(4);
    expect(parseKitSpec(JSON.parse(files["regions.json"]!))).toEqual(SPEC);
  });

  it("refuses a bad regions file with what is wrong", () => {
    expect(() => parseKitSpec({ governance: SPEC.governance, regions: [] })).toThrow(/at least one region/);
    expect(() => parseKitSpec({ ...SPEC, regions: [{ ...SPEC.regions[0]!, nodePublicKey: "0x1234" }] })).toThrow(
      /64 bytes/,
    );
    expect(() => parseKitSpec({ ...SPEC, regions: [SPEC.regions[0]!, SPEC.regions[0]!] })).toThrow(/twice/);
    expect(() => parseKitSpec({ ...SPEC, blockGasLimit: -1 })).toThrow(/blockGasLimit/);
  });
});

describe("laissez besu-kit", () => {
  it("--local writes a 4-region network with private keys readable only by their owner, and never overwrites them", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "laissez-kit-")), "net");
    const first = await runLaissez(["besu-kit", "--local", "--out", out]);
    expect(first.code, first.stderr).toBe(0);
    for (const region of ["CN-ZJ", "CN-SH", "CN-NM", "CN-GD"]) {
      expect(statSync(join(out, "nodes", region, "key")).mode & 0o777).toBe(0o600);
      expect(existsSync(join(out, "nodes", region, "config.toml"))).toBe(true);
    }
    expect(statSync(join(out, "accounts.json")).mode & 0o777).toBe(0o600);
    const g = JSON.parse(readFileSync(join(out, "genesis.json"), "utf8")) as { extraData: string };
    const nodeKey = readFileSync(join(out, "nodes", "CN-ZJ", "key"), "utf8").trim();
    expect((decodeRlp(g.extraData) as string[][])[1]![0]).toBe(new Wallet(nodeKey).address.toLowerCase());

    // The command's own checks, in process (the CLI maps a UsageError to exit status 3).
    const run = (argv: string[]) => besuKitCommand.run(parseCommandArgs(besuKitCommand, argv));
    await expect(run(["--local", "--out", out])).rejects.toThrow(UsageError);
    expect(readFileSync(join(out, "nodes", "CN-ZJ", "key"), "utf8").trim()).toBe(nodeKey);
    const bad = join(out, "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({
        governance: SPEC.governance,
        regions: [{ name: "CN-ZJ", host: "10.0.0.1", authority: SPEC.governance }],
      }),
    );
    await expect(run(["--regions", bad, "--out", join(out, "x")])).rejects.toThrow(/nodePublicKey/);
    await expect(run(["--out", out])).rejects.toThrow(/either --regions FILE or --local/);
  });
});
