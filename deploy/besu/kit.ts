/**
 * The Besu QBFT kit: from the consortium's regions to the files each region's operators run —
 * the genesis, each node's configuration, the permissioning allowlists and a compose file.
 * Pure: it returns file contents; `laissez besu-kit` writes them.
 */
import { computeAddress, encodeRlp, getAddress, isAddress, isHexString, zeroPadValue } from "ethers";
import { KIT_DEFAULTS } from "./params.ts";

/** One region of the consortium: its validator node and the accounts it admits to transact. */
export interface RegionSpec {
  /** The region's code, e.g. CN-ZJ: names its node and its directory. */
  readonly name: string;
  /** The validator node's secp256k1 public key (64 bytes hex, the enode id): its address is the validator. */
  readonly nodePublicKey: string;
  /** Host (an IP address; Besu resolves names only with its DNS option) and P2P port other nodes dial. */
  readonly host: string;
  readonly p2pPort?: number;
  /** The region authority's account: registers and accredits its agencies, sets recognition. */
  readonly authority: string;
  /** Agency controllers and status writers this region admits to send transactions. */
  readonly transactors?: readonly string[];
  /**
   * A region that joined a running network: its node is in the allowlists and bootnodes, but not
   * in the genesis (which never changes once the chain runs); the validators vote it in instead.
   */
  readonly joinedLater?: boolean;
}

export interface KitSpec {
  /** The governance account: deploys the registries, adds regions and credential types. */
  readonly governance: string;
  readonly regions: readonly RegionSpec[];
  readonly chainId?: number;
  readonly blockPeriodSeconds?: number;
  readonly epochLength?: number;
  readonly requestTimeoutSeconds?: number;
  readonly blockGasLimit?: number;
  /** The Besu container image the compose file runs. */
  readonly besuImage?: string;
}

export class KitError extends Error {
  readonly code = "kit_invalid";
}

/** Besu's Istanbul block identification, required in a QBFT genesis (Besu's QBFT documentation). */
export const QBFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365";
export const DEFAULT_BESU_IMAGE = "hyperledger/besu:25.11.0";
const NODE_KEY = /^(0x)?[0-9a-fA-F]{128}$/;

/** The validator (and enode) address of a node public key: keccak-256 of the 64 bytes, last 20. */
export function nodeAddress(nodePublicKey: string): string {
  if (!NODE_KEY.test(nodePublicKey))
    throw new KitError(
      `node public key must be 64 bytes of hex (the enode id), got ${nodePublicKey.length} characters`,
    );
  return computeAddress(`0x04${nodePublicKey.replace(/^0x/, "")}`);
}

export function enode(region: RegionSpec): string {
  return `enode://${region.nodePublicKey.replace(/^0x/, "").toLowerCase()}@${region.host}:${region.p2pPort ?? 30303}`;
}

/**
 * QBFT genesis `extraData` for block-header validator selection:
 * RLP([32 zero bytes of vanity, [validators], [] (no vote), round 0 (empty bytes), [] (no seals)]).
 * Validators in the order given (Besu sorts them itself when it reads the block).
 */
export function qbftExtraData(validators: readonly string[]): string {
  for (const v of validators) if (!isAddress(v)) throw new KitError(`validator ${v} is not an address`);
  return encodeRlp([zeroPadValue("0x", 32), validators.map((v) => getAddress(v).toLowerCase()), [], "0x", []]);
}

function checkSpec(spec: KitSpec): void {
  if (spec.regions.filter((r) => !r.joinedLater).length === 0)
    throw new KitError("at least one region (founding, not joinedLater)");
  const names = new Set<string>();
  for (const r of spec.regions) {
    if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/.test(r.name))
      throw new KitError(`region name ${JSON.stringify(r.name)}: letters, digits and hyphens`);
    if (names.has(r.name)) throw new KitError(`region ${r.name} twice`);
    names.add(r.name);
    nodeAddress(r.nodePublicKey);
    if (!/^[0-9A-Za-z.:-]+$/.test(r.host)) throw new KitError(`region ${r.name}: host ${JSON.stringify(r.host)}`);
    for (const a of [r.authority, ...(r.transactors ?? [])])
      if (!isAddress(a)) throw new KitError(`region ${r.name}: ${a} is not an address`);
  }
  if (!isAddress(spec.governance)) throw new KitError(`governance ${spec.governance} is not an address`);
  const keys = new Set(spec.regions.map((r) => r.nodePublicKey.replace(/^0x/, "").toLowerCase()));
  if (keys.size !== spec.regions.length) throw new KitError("two regions share a node key");
}

/** The network's parameters: the spec's, else the kit's defaults. */
export function kitParameters(spec: KitSpec) {
  return {
    chainId: spec.chainId ?? KIT_DEFAULTS.chainId,
    blockPeriodSeconds: spec.blockPeriodSeconds ?? KIT_DEFAULTS.blockPeriodSeconds,
    epochLength: spec.epochLength ?? KIT_DEFAULTS.epochLength,
    requestTimeoutSeconds: spec.requestTimeoutSeconds ?? KIT_DEFAULTS.requestTimeoutSeconds,
    blockGasLimit: spec.blockGasLimit ?? KIT_DEFAULTS.blockGasLimit,
  };
}

/**
 * The genesis every node starts from. Free gas (Besu's free-gas guide): `zeroBaseFee`, no
 * account holds ether (empty `alloc`), and a block gas limit sized for revocation batches.
 * Every fork through Cancun from block 0 / time 0: Solidity ≥ 0.8.20 emits PUSH0 (Shanghai)
 * and the contracts are compiled for Cancun (MCOPY), which a `berlinBlock` genesis rejects.
 */
export function genesis(spec: KitSpec): Record<string, unknown> {
  checkSpec(spec);
  const p = kitParameters(spec);
  const forks = [
    "homestead",
    "eip150",
    "eip155",
    "eip158",
    "byzantium",
    "constantinople",
    "petersburg",
    "istanbul",
    "muirGlacier",
    "berlin",
    "london",
  ];
  return {
    config: {
      chainId: p.chainId,
      ...Object.fromEntries(forks.map((f) => [`${f}Block`, 0])),
      shanghaiTime: 0,
      cancunTime: 0,
      zeroBaseFee: true,
      qbft: {
        blockperiodseconds: p.blockPeriodSeconds,
        epochlength: p.epochLength,
        requesttimeoutseconds: p.requestTimeoutSeconds,
      },
    },
    nonce: "0x0",
    timestamp: "0x0",
    extraData: qbftExtraData(spec.regions.filter((r) => !r.joinedLater).map((r) => nodeAddress(r.nodePublicKey))),
    gasLimit: `0x${p.blockGasLimit.toString(16)}`,
    difficulty: "0x1",
    mixHash: QBFT_MIX_HASH,
    coinbase: "0x0000000000000000000000000000000000000000",
    alloc: {},
    number: "0x0",
    gasUsed: "0x0",
    parentHash: zeroPadValue("0x", 32),
  };
}

const tomlList = (items: readonly string[]): string => `[${items.map((i) => JSON.stringify(i)).join(", ")}]`;

/**
 * Local permissioning, one file for every node: only the regions' nodes may connect; only
 * governance, the region authorities and the admitted agencies' accounts may transact.
 */
export function permissionsConfig(spec: KitSpec): string {
  checkSpec(spec);
  const accounts = [
    ...new Set(
      [spec.governance, ...spec.regions.flatMap((r) => [r.authority, ...(r.transactors ?? [])])].map((a) =>
        getAddress(a).toLowerCase(),
      ),
    ),
  ];
  return [
    "# Written by `laissez besu-kit`: the same file on every node (Besu checks the remote end of each connection",
    "# and each transaction's sender against it). Add an agency's accounts here on every node, then restart or",
    "# call perm_reloadPermissionsFromFile where the PERM API is enabled (it is not, by default).",
    `accounts-allowlist=${tomlList(accounts)}`,
    `nodes-allowlist=${tomlList(spec.regions.map(enode))}`,
    "",
  ].join("\n");
}

/**
 * One region node's Besu configuration file. Paths as the compose file mounts them: the kit's
 * files under /opt/laissez, the data path /var/lib/besu (Besu's Docker image must not have a
 * volume at its own /opt/besu), the permissions file inside the data path.
 */
export function nodeConfig(spec: KitSpec, region: RegionSpec): string {
  checkSpec(spec);
  const others = spec.regions.filter((r) => r !== region).map(enode);
  return [
    `# Besu configuration of ${region.name}'s validator node, written by \`laissez besu-kit\`.`,
    'genesis-file="/opt/laissez/genesis.json"',
    'data-path="/var/lib/besu"',
    'node-private-key-file="/opt/laissez/key"',
    `p2p-port=${region.p2pPort ?? 30303}`,
    `bootnodes=${tomlList(others)}`,
    "discovery-enabled=true",
    "",
    "# Free gas: transactions carry zero fees; a node with a higher minimum would drop them silently.",
    "min-gas-price=0",
    "",
    "# JSON-RPC for this region's own issuer and checkpoint services: standard methods only, no",
    "# ADMIN/DEBUG/TXPOOL/PERM; keep the port off the internet (host-allowlist and the firewall).",
    "rpc-http-enabled=true",
    'rpc-http-host="0.0.0.0"',
    "rpc-http-port=8545",
    'rpc-http-api=["ETH","NET","WEB3","QBFT"]',
    'host-allowlist=["localhost","127.0.0.1"]',
    "rpc-max-logs-range=5000",
    "revert-reason-enabled=true",
    "",
    "# Local permissioning: only the regions' nodes connect; only admitted accounts transact.",
    "permissions-nodes-config-file-enabled=true",
    'permissions-nodes-config-file="/var/lib/besu/permissions_config.toml"',
    "permissions-accounts-config-file-enabled=true",
    'permissions-accounts-config-file="/var/lib/besu/permissions_config.toml"',
    "",
    "metrics-enabled=true",
    'metrics-host="0.0.0.0"',
    "",
  ].join("\n");
}

/** A compose file for the regions on one Docker host (the local 4-region network): static IPs = the regions' hosts. */
export function composeFile(spec: KitSpec): string {
  checkSpec(spec);
  const image = spec.besuImage ?? DEFAULT_BESU_IMAGE;
  const subnet = spec.regions[0]!.host.split(".").slice(0, 3).join(".");
  const lines = [
    "# Written by `laissez besu-kit`: one validator per region on one Docker host.",
    "name: laissez-besu",
    "services:",
  ];
  spec.regions.forEach((r, i) => {
    const service = r.name.toLowerCase();
    lines.push(
      `  ${service}:`,
      `    image: ${image}`,
      '    command: ["--config-file=/opt/laissez/config.toml"]',
      "    volumes:",
      "      - ./genesis.json:/opt/laissez/genesis.json:ro",
      "      # Besu reads permissions_config.toml from its data path (its Docker image's documented place).",
      `      - ${service}-data:/var/lib/besu`,
      "      - ./permissions_config.toml:/var/lib/besu/permissions_config.toml:ro",
      `      - ./nodes/${r.name}/config.toml:/opt/laissez/config.toml:ro`,
      `      - ./nodes/${r.name}/key:/opt/laissez/key:ro`,
      "    ports:",
      `      - "127.0.0.1:${8545 + i}:8545"`,
      "    networks:",
      "      consortium:",
      `        ipv4_address: ${r.host}`,
      "    restart: unless-stopped",
    );
  });
  lines.push(
    "networks:",
    "  consortium:",
    "    ipam:",
    "      config:",
    `        - subnet: ${subnet}.0/24`,
    "volumes:",
    ...spec.regions.map((r) => `  ${r.name.toLowerCase()}-data: {}`),
    "",
  );
  return lines.join("\n");
}

/** Every file of the kit, by path relative to the output directory (node keys are not among them). */
export function kitFiles(spec: KitSpec): Record<string, string> {
  const files: Record<string, string> = {
    "genesis.json": `${JSON.stringify(genesis(spec), null, 2)}\n`,
    "permissions_config.toml": permissionsConfig(spec),
    "docker-compose.yml": composeFile(spec),
    "regions.json": `${JSON.stringify(spec, null, 2)}\n`,
  };
  for (const r of spec.regions) files[`nodes/${r.name}/config.toml`] = nodeConfig(spec, r);
  return files;
}

/** Reads a regions file (JSON) into a spec, with a clear error for each wrong field. */
export function parseKitSpec(raw: unknown): KitSpec {
  const s = raw as Partial<KitSpec> | null;
  if (!s || typeof s !== "object" || !Array.isArray(s.regions))
    throw new KitError("a regions file is an object with `governance` and `regions`");
  for (const key of [
    "chainId",
    "blockPeriodSeconds",
    "epochLength",
    "requestTimeoutSeconds",
    "blockGasLimit",
  ] as const) {
    if (s[key] !== undefined && !(Number.isSafeInteger(s[key]) && (s[key] as number) > 0))
      throw new KitError(`${key} must be a positive integer`);
  }
  for (const r of s.regions as unknown[]) {
    const region = r as Partial<RegionSpec> | null;
    if (
      !region ||
      typeof region.name !== "string" ||
      typeof region.nodePublicKey !== "string" ||
      typeof region.host !== "string" ||
      typeof region.authority !== "string"
    ) {
      throw new KitError("each region needs name, nodePublicKey, host and authority");
    }
    if (
      region.p2pPort !== undefined &&
      !(Number.isSafeInteger(region.p2pPort) && region.p2pPort > 0 && region.p2pPort < 65536)
    )
      throw new KitError(`region ${region.name}: p2pPort`);
    if (region.transactors !== undefined && !Array.isArray(region.transactors))
      throw new KitError(`region ${region.name}: transactors is a list of addresses`);
    if (region.joinedLater !== undefined && typeof region.joinedLater !== "boolean")
      throw new KitError(`region ${region.name}: joinedLater is true or false`);
  }
  if (typeof s.governance !== "string" || !isHexString(s.governance, 20))
    throw new KitError("governance must be an address");
  checkSpec(s as KitSpec);
  return s as KitSpec;
}
