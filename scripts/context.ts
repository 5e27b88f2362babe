import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { JsonRpcProvider } from "ethers";
import {
  BundleError,
  type CheckpointState,
  isObject,
  type JsonValue,
  loadSignedBundle,
  parseJson,
  type TrustAnchor,
  type TrustBundle,
} from "../core/index.ts";
import { idToString } from "../services/chain/ids.ts";
import { DEFAULT_DEPLOYMENTS_DIR, readDeployment } from "../services/chain/deployments.ts";
import { connectLedger, type Ledger } from "../services/chain/ledger.ts";
import { connectRpc, DEFAULT_RPC_URL, probeChainId } from "../services/chain/rpc.ts";
import { directorySchemaSource } from "../services/schemas.ts";
import { isAddress } from "ethers";
import { regionCode, requireString, stringOption, UsageError } from "./cli.ts";
import { agencyControllerKey, DEMO_AGENCIES, demoAuthorityKey, DEMO_REGIONS, DEV_CHAIN_ID } from "./demo/consortium.ts";

export const DEMO_SCHEMAS_DIR = fileURLToPath(new URL("./demo/schemas", import.meta.url));
export const demoSchemas = directorySchemaSource(DEMO_SCHEMAS_DIR);

/** Options every chain-facing command takes. */
export const CHAIN_OPTIONS = {
  rpc: { type: "string", default: DEFAULT_RPC_URL },
  deployments: { type: "string", default: DEFAULT_DEPLOYMENTS_DIR },
  json: { type: "boolean" },
} as const;

/** Runs `fn` with a provider and the deployment of the chain it serves; always closes the provider. */
export async function withChain<T>(
  values: Record<string, unknown>,
  fn: (provider: JsonRpcProvider, ledger: Ledger) => Promise<T>,
): Promise<T> {
  const url = stringOption(values, "rpc") ?? DEFAULT_RPC_URL;
  // ethers retries a chain that does not answer forever: ask once, and say so in words.
  const chainId = await probeChainId(url, 5000);
  if (chainId === undefined)
    throw new Error(`the chain at ${url} does not answer (start it with \`npm run chain\`, or give --rpc)`);
  const provider = connectRpc(url, { chainId });
  try {
    const deployment = readDeployment(chainId, stringOption(values, "deployments") ?? DEFAULT_DEPLOYMENTS_DIR);
    return await fn(provider, connectLedger(deployment, provider));
  } finally {
    provider.destroy();
  }
}

/** Reads a file, or standard input for "-" / no path. */
/** File signatures of the pictures people save QR codes as. */
const PICTURES: readonly [string, readonly number[]][] = [
  ["PNG", [0x89, 0x50, 0x4e, 0x47]],
  ["JPEG", [0xff, 0xd8, 0xff]],
  ["GIF", [0x47, 0x49, 0x46, 0x38]],
  ["WebP", [0x52, 0x49, 0x46, 0x46]],
];

/** A file's (or standard input's) text; a picture is a usage error whose sentence says where pictures are read (`pictureHint`). */
export function readInput(path: string | undefined, pictureHint = "this command reads text"): string {
  const bytes = readFileSync(path === undefined || path === "-" ? 0 : path);
  const picture = PICTURES.find(([, magic]) => magic.every((b, i) => bytes[i] === b))?.[0];
  if (picture) throw new UsageError(`${path ?? "standard input"} is a ${picture} picture: ${pictureHint}`);
  return bytes.toString("utf8").trim();
}

export function integerOption(values: Record<string, unknown>, name: string, fallback?: number): number {
  const raw = stringOption(values, name);
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  if (!/^\d{1,15}$/.test(raw)) throw new UsageError(`--${name} must be a non-negative integer`);
  return Number(raw);
}

/** `--valid-for` seconds, when given. */
export function validForOption(values: Record<string, unknown>): number | undefined {
  return stringOption(values, "valid-for") === undefined ? undefined : integerOption(values, "valid-for");
}

/** `--claims`: a JSON object (strictly parsed), else a usage error saying what is wrong. */
export function claimsOption(values: Record<string, unknown>): { [key: string]: JsonValue } {
  let claims: JsonValue;
  try {
    claims = parseJson(requireString(values, "claims"));
  } catch (e) {
    throw new UsageError(`--claims is not JSON: ${(e as Error).message}`);
  }
  if (!isObject(claims)) throw new UsageError("--claims must be a JSON object");
  return claims;
}

/** The agency: `--agency 0x…`, or a demo agency's index on the development chain. */
export function agencyAddress(values: Record<string, unknown>, chainId: number): string {
  const raw = requireString(values, "agency");
  if (isAddress(raw)) return raw;
  if (chainId !== DEV_CHAIN_ID || !/^\d+$/.test(raw) || Number(raw) >= DEMO_AGENCIES.length)
    throw new UsageError(
      "--agency must be the agency's 0x address (or a demo agency's index on the development chain)",
    );
  return agencyControllerKey(Number(raw)).address;
}

/**
 * The trust anchor a checkpoint command checks bundles against: `--chain-id` and the region
 * authority's `--authority` address, which defaults to the demo authority of `region` on the
 * development chain only.
 */
export function anchorOption(
  values: Record<string, unknown>,
  region: string,
): { chainId: number; authorities: string[]; region: string } {
  const chainId = integerOption(values, "chain-id", DEV_CHAIN_ID);
  const demo = chainId === DEV_CHAIN_ID && stringOption(values, "authority") === undefined;
  // Only the demo's regions have a default authority; elsewhere the bundle lists the regions.
  if (demo) {
    try {
      region = regionCode(region, DEMO_REGIONS);
    } catch (e) {
      throw new UsageError(`${(e as Error).message} (the demo's; for another region give its --authority)`);
    }
  }
  const authority = stringOption(values, "authority") ?? (demo ? demoAuthorityKey(region).address : undefined);
  if (!authority)
    throw new UsageError(
      "--authority (the region authority's address that signs the bundle) is required off the development chain",
    );
  return { chainId, authorities: [authority], region };
}

/** A region flag: codes are case-insensitive (the chain's ids are of the upper-case code). */
export const regionOption = (values: Record<string, unknown>, name = "region"): string =>
  requireString(values, name).trim().toUpperCase();

/** Every region the chain's TrustRegistry records, by code (a few dozen at national scale: one or two calls). */
export async function chainRegions(ledger: Ledger): Promise<string[]> {
  const codes: string[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = (await ledger.trust.getFunction("regions")(offset, 100)) as string[];
    codes.push(...page.map(idToString));
    if (page.length < 100) return codes;
  }
}

/** A region flag checked against the chain's regions: case-insensitive; an unknown one lists them (exit 3). */
export async function chainRegionOption(
  values: Record<string, unknown>,
  ledger: Ledger,
  name = "region",
): Promise<string> {
  return regionCode(requireString(values, name), await chainRegions(ledger), `--${name}`);
}

/**
 * A signed bundle loaded for `anchor.region`. When it is for another region (the envelope's
 * scope), and verifies as that region's under the same anchor, the region asked for is checked
 * against the regions it lists: an unknown one is a usage error naming them, not a bundle error.
 */
export function loadRegionBundle(
  text: string,
  anchor: TrustAnchor & { region: string },
  previous: CheckpointState | undefined,
  now?: number,
): { bundle: TrustBundle; state: CheckpointState } {
  try {
    return loadSignedBundle(text, anchor, previous, now);
  } catch (e) {
    if (!(e instanceof BundleError) || e.code !== "bundle_wrong_scope") throw e;
    let regions: string[] | undefined;
    try {
      const scope = (JSON.parse(text) as { scope?: { region?: unknown } }).scope?.region;
      if (typeof scope === "string")
        regions = Object.keys(loadSignedBundle(text, { ...anchor, region: scope }, undefined, now).bundle.regions);
    } catch {
      // Not a bundle this anchor trusts for any region: the first error says more.
    }
    if (regions && !regions.includes(anchor.region)) regionCode(anchor.region, regions);
    throw e;
  }
}

/**
 * The agency's issuer service a client command talks to: `--service URL` or LAISSEZ_ISSUER_URL;
 * the operator token from LAISSEZ_ISSUER_TOKEN, or `--token-file` / LAISSEZ_ISSUER_TOKEN_FILE
 * (never on the command line, where `ps` shows it).
 */
export function issuerService(values: Record<string, unknown>): { url: string; token: string } {
  const url = (stringOption(values, "service") ?? process.env.LAISSEZ_ISSUER_URL ?? "http://127.0.0.1:8701").replace(
    /\/+$/,
    "",
  );
  const tokenFile = stringOption(values, "token-file") ?? process.env.LAISSEZ_ISSUER_TOKEN_FILE;
  const token = tokenFile ? readFileSync(tokenFile, "utf8").trim() : process.env.LAISSEZ_ISSUER_TOKEN;
  if (!token)
    throw new UsageError(
      "set LAISSEZ_ISSUER_TOKEN (or --token-file FILE): an operator token of the agency's issuer service",
    );
  return { url, token };
}

/** A bundle's text from a file or a checkpoint's /bundle URL: no redirects, bounded in time and size. */
export async function bundleText(source: string): Promise<string> {
  if (!/^https?:\/\//i.test(source)) return readFileSync(source, "utf8");
  const res = await fetch(source, { redirect: "error", signal: AbortSignal.timeout(15_000) }).catch((e: unknown) => {
    throw new Error(`cannot fetch the bundle from ${source}`, { cause: e });
  });
  if (!res.ok) throw new Error(`the checkpoint at ${source} answered HTTP ${res.status}`);
  const text = await res.text();
  if (text.length > 64 * 1024 * 1024) throw new Error(`the bundle at ${source} is larger than 64 MB`);
  return text;
}
