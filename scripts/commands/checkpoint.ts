import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../../io/files.ts";
import {
  BundleError,
  bundleUnusableVerdict,
  type CheckpointState,
  delegationAuthority,
  describeReason,
  FORMATS,
  isCredentialFormat,
  type KeySigner,
  parseJson,
  type SignedDelegation,
  signerAddress,
  type TrustBundle,
  type Verdict,
  verifyToken,
} from "../../core/index.ts";
import { regionId } from "../../services/chain/ids.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import { openKeySigner } from "../../services/crypto/key-source.ts";
import { readSignedBundle, signedEnvelopeText, writeSignedBundle } from "../../services/checkpoint/bundle-file.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { directorySchemaSource } from "../../services/schemas.ts";
import { EXIT, regionCode, requireString, stringOption, UsageError, type Command } from "../cli.ts";
import {
  anchorOption,
  CHAIN_OPTIONS,
  chainRegionOption,
  DEMO_SCHEMAS_DIR,
  integerOption,
  loadRegionBundle,
  readInput,
  regionOption,
  withChain,
} from "../context.ts";
import { userFile } from "../paths.ts";
import { demoAuthorityKey, demoBundleSignerKey, demoDelegation, DEV_CHAIN_ID } from "../demo/consortium.ts";

/**
 * The key that signs bundles: a bundle signer (LAISSEZ_BUNDLE_SIGNER_KEY with the authority's
 * LAISSEZ_BUNDLE_DELEGATION file), the region authority's own key (LAISSEZ_AUTHORITY_KEY, run
 * offline by its operator), or on the dev chain the demo bundle signer with a demo delegation.
 */
async function bundleSigner(
  region: string,
  chainId: number,
  now: number,
): Promise<{ key: KeySigner; delegation?: SignedDelegation; authority: string }> {
  const open = (variable: string, source: string) =>
    openKeySigner(variable, source, "ES256K", { token: process.env.LAISSEZ_SIGNER_TOKEN });
  const signerKey = process.env.LAISSEZ_BUNDLE_SIGNER_KEY;
  if (signerKey) {
    const file = process.env.LAISSEZ_BUNDLE_DELEGATION;
    if (!file)
      throw new UsageError(
        "LAISSEZ_BUNDLE_SIGNER_KEY needs LAISSEZ_BUNDLE_DELEGATION (the region authority's delegation file)",
      );
    const key = await open("LAISSEZ_BUNDLE_SIGNER_KEY", signerKey);
    const delegation = parseJson(readFileSync(file, "utf8")) as unknown as SignedDelegation;
    return { key, delegation, authority: delegationAuthority(delegation, signerAddress(key), chainId) };
  }
  const authorityKey = process.env.LAISSEZ_AUTHORITY_KEY;
  if (authorityKey) {
    const key = await open("LAISSEZ_AUTHORITY_KEY", authorityKey);
    return { key, authority: signerAddress(key) };
  }
  if (chainId !== DEV_CHAIN_ID)
    throw new UsageError(
      "set LAISSEZ_BUNDLE_SIGNER_KEY and LAISSEZ_BUNDLE_DELEGATION (or, offline, LAISSEZ_AUTHORITY_KEY)",
    );
  return {
    key: await open("LAISSEZ_BUNDLE_SIGNER_KEY", demoBundleSignerKey(region).privateKey),
    delegation: await demoDelegation(region, chainId, now),
    authority: demoAuthorityKey(region).address.toLowerCase(),
  };
}

export const syncCommand: Command = {
  name: "sync",
  summary: "build a region's signed trust bundle from the chain (full, or a delta from --from)",
  usage: "laissez sync --region CN-SH --out bundle.json [--from bundle.json] [--delta-out delta.json] [--schemas DIR]",
  options: {
    ...CHAIN_OPTIONS,
    region: { type: "string" },
    out: { type: "string" },
    from: { type: "string" },
    "delta-out": { type: "string" },
    schemas: { type: "string", default: DEMO_SCHEMAS_DIR },
  },
  async run({ values }) {
    requireString(values, "region");
    const out = requireString(values, "out");
    return withChain(values, async (provider, ledger) => {
      const { chainId } = ledger.deployment;
      // A region the chain does not know is a usage error listing the ones it does.
      const region = await chainRegionOption(values, ledger);
      const chainNow = (await provider.getBlock("latest"))?.timestamp ?? Math.floor(Date.now() / 1000);
      const onChainAuthority = (
        (await ledger.trust.getFunction("getRegion")(regionId(region))).authority as string
      ).toLowerCase();
      const signer = await bundleSigner(region, chainId, chainNow);
      const fromPath = stringOption(values, "from");
      let base: TrustBundle | undefined;
      if (fromPath) base = readSignedBundle(fromPath, { chainId, authorities: [signer.authority], region }).bundle;
      const started = performance.now();
      const { bundle, delta } = await syncBundle(provider, ledger.deployment, {
        base,
        schemas: directorySchemaSource(stringOption(values, "schemas") as string),
      });
      // The current authority signs (itself or through its delegation); a former one may sign the hand-over
      // bundle that records its successor (checkpoints follow the rotation only through a bundle they already trust).
      const former = delta.events.some(
        (e) =>
          e.source === "trust" &&
          (e.kind === "RegionAdded" || e.kind === "RegionAuthorityChanged") &&
          e.region === region &&
          e.authority === signer.authority,
      );
      if (onChainAuthority !== signer.authority && !former)
        throw new UsageError(
          `the bundle would not be trusted: ${signer.authority} is not ${region}'s authority on chain`,
        );
      const signing = { region, key: signer.key, delegation: signer.delegation };
      const bundleText = await writeSignedBundle(out, bundle, signing);
      const deltaOut = stringOption(values, "delta-out");
      const deltaText = await signedEnvelopeText(delta, bundle, signing);
      if (deltaOut) writeFileAtomic(deltaOut, deltaText);
      const summary = {
        region,
        block: bundle.block,
        from: base?.block.number ?? null,
        events: delta.events.length,
        bundleBytes: bundleText.length,
        deltaBytes: deltaText.length,
        milliseconds: Math.round(performance.now() - started),
      };
      console.log(
        values.json
          ? JSON.stringify(summary)
          : `bundle for ${region} at block ${bundle.block.number} (${summary.events} events${base ? ` since block ${base.block.number}` : ""}) → ${out}, ${summary.bundleBytes} bytes`,
      );
      return 0;
    });
  },
};

const EXIT_OF: Record<Verdict["verdict"], number> = { accept: EXIT.ok, reject: EXIT.reject, unknown: EXIT.unknown };

function printVerdict(v: Verdict, json: boolean): void {
  if (json) {
    console.log(
      JSON.stringify({
        verdict: v.verdict,
        reason: v.reason,
        checks: v.checks.map((c) => ({
          code: c.code,
          ok: c.ok,
          ...(c.reason ? { reason: c.reason } : {}),
          detail: c.detail,
        })),
        issuer: v.issuer ?? null,
        type: v.credentialType ?? null,
        region: v.issuer?.region ?? null,
        claims: v.claims ?? null,
        format: v.format ?? null,
        withheld: v.withheld ?? null,
        presentation: v.presentation ?? null,
        bundle: { block: v.bundle.block.number, blockTime: v.bundle.block.timestamp, ageSeconds: v.bundle.ageSeconds },
      }),
    );
    return;
  }
  console.log(`${v.verdict.toUpperCase()}${v.reason ? ` — ${v.reason}` : ""}`);
  if (v.issuer) console.log(`  ${v.credentialType} from ${v.issuer.name} (${v.issuer.region})`);
  if (v.claims)
    console.log(
      `  claims: ${JSON.stringify(v.claims)}${v.withheld !== undefined ? ` (selective disclosure: ${v.withheld} not disclosed)` : ""}`,
    );
  const modes = {
    static: "static (one-way QR, short window)",
    challenge: "bound to this checkpoint's challenge",
    paper: "on paper (compare name and birth date with the ID document)",
  };
  if (v.presentation)
    console.log(
      `  presented: ${modes[v.presentation.mode]}${v.format !== undefined && isCredentialFormat(v.format) ? FORMATS[v.format].presentedWords : ""}`,
    );
  if (v.reason) console.log(`  ${describeReason(v.reason)}`);
  console.log(`  bundle: block ${v.bundle.block.number}, ${v.bundle.ageSeconds} s old`);
  for (const c of v.checks) console.log(`  ${c.ok ? "✓" : "✗"} ${c.code}: ${c.detail}`);
}

const PICTURE_HINT =
  'laissez verify reads the QR\'s text (LZ1:…, LZP1:… or a token), not a picture of it. The checkpoint page reads pictures and the camera ("Read a QR image"); or decode the picture first (zbarimg -q --raw qr.png | laissez verify …)';

export const verifyCommand: Command = {
  name: "verify",
  summary: "verify a credential or presentation OFFLINE against a signed bundle (opens no network connection)",
  usage:
    "laissez verify --bundle FILE --region CN-SH [--authority 0x…] [--state FILE] [--audience A --nonce N [--claims a,b]] [--now UNIX] [--json] [FILE|-]",
  options: {
    bundle: { type: "string" },
    region: { type: "string" },
    authority: { type: "string" },
    "chain-id": { type: "string", default: String(DEV_CHAIN_ID) },
    state: { type: "string" },
    audience: { type: "string" },
    nonce: { type: "string" },
    claims: { type: "string" },
    now: { type: "string" },
    json: { type: "boolean" },
  },
  async run({ values, positionals }) {
    // A file is read first: a picture of the QR is said to be one before anything else is asked for.
    const fromFile =
      positionals[0] !== undefined && positionals[0] !== "-" ? readInput(positionals[0], PICTURE_HINT) : undefined;
    const bundlePath = requireString(values, "bundle");
    const anchor = anchorOption(values, regionOption(values));
    const { region } = anchor;
    const audience = stringOption(values, "audience");
    const nonce = stringOption(values, "nonce");
    if ((audience === undefined) !== (nonce === undefined)) throw new UsageError("--audience and --nonce go together");
    // The claims this checkpoint's challenge asked for: a presentation withholding one is refused (claims_not_disclosed).
    const claims = stringOption(values, "claims")?.split(",").filter(Boolean);
    if (claims && !nonce)
      throw new UsageError("--claims names what a challenge asks for: give --audience and --nonce too");
    const stateFile = userFile("state", `checkpoint-${region}.json`, `.data/checkpoint-${region}.json`);
    const statePath = stringOption(values, "state") ?? stateFile.path;
    if (stringOption(values, "state") === undefined && stateFile.note)
      console.error(`laissez verify: ${stateFile.note}`);
    const token = fromFile ?? readInput("-", PICTURE_HINT);
    const now =
      stringOption(values, "now") !== undefined ? integerOption(values, "now") : Math.floor(Date.now() / 1000);
    const json = values.json === true;

    let bundle: TrustBundle;
    try {
      const previous = existsSync(statePath)
        ? (JSON.parse(readFileSync(statePath, "utf8")) as CheckpointState)
        : undefined;
      let state: CheckpointState;
      ({ bundle, state } = loadRegionBundle(readFileSync(bundlePath, "utf8"), anchor, previous, now));
      if (state.highestBlock !== previous?.highestBlock) writeFileAtomic(statePath, JSON.stringify(state));
    } catch (e) {
      if (!(e instanceof BundleError)) throw e;
      printVerdict(bundleUnusableVerdict(e.code, e.message), json);
      return EXIT.unknown;
    }
    if (!Object.hasOwn(bundle.regions, region)) regionCode(region, Object.keys(bundle.regions).sort());
    const params = {
      bundle,
      region,
      now,
      verifier: nativeVerifier,
      keyCache: new Map<string, Uint8Array>(),
      ...(audience && nonce ? { challenge: { audience, nonce, ...(claims?.length ? { claims } : {}) } } : {}),
    };
    const verdict = verifyToken(token, params);
    printVerdict(verdict, json);
    return EXIT_OF[verdict.verdict];
  },
};
