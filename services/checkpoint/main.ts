import type { Server } from "node:http";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import {
  delegationAuthority,
  type KeySigner,
  parseJson,
  type SignedDelegation,
  signerAddress,
} from "../../core/index.ts";
import { ConfigError } from "../config.ts";
import { issuerAddresses, refuseGoverningKeys } from "../chain/custody.ts";
import { regionId } from "../chain/ids.ts";
import { connectLedger, type Ledger } from "../chain/ledger.ts";
import { readDeployment } from "../chain/deployments.ts";
import { connectRpc } from "../chain/rpc.ts";
import { openKeySigner } from "../crypto/key-source.ts";
import { nativeVerifier } from "../crypto/native-verifier.ts";
import { jsonLog } from "../http/app.ts";
import { limitsFromEnv, listen } from "../http/server.ts";
import { createCheckpointApp } from "./app.ts";
import type { CheckpointConfig } from "./config.ts";
import { BundleKeeper } from "./keeper.ts";
import { directorySchemaSource } from "../schemas.ts";

/**
 * The service's key custody, checked before it signs anything: its key is a bundle signer (not
 * a governing key), its delegation is the region's, current, for this key and chain, and signed
 * by the authority the chain names. Throws ConfigError / GoverningKeyError naming the variable.
 */
async function checkBundleSigner(
  config: CheckpointConfig,
  ledger: Ledger,
  signerKey: KeySigner,
): Promise<SignedDelegation> {
  const signer = signerAddress(signerKey);
  await refuseGoverningKeys(ledger, { LAISSEZ_BUNDLE_SIGNER_KEY: signer }, await issuerAddresses(ledger));
  let delegation: SignedDelegation;
  let authority: string;
  try {
    delegation = parseJson(readFileSync(config.LAISSEZ_BUNDLE_DELEGATION, "utf8")) as unknown as SignedDelegation;
    authority = delegationAuthority(delegation, signer, ledger.deployment.chainId);
  } catch (e) {
    throw new ConfigError(`LAISSEZ_BUNDLE_DELEGATION: ${(e as Error).message}`);
  }
  const { payload } = delegation;
  if (payload.region !== config.LAISSEZ_REGION)
    throw new ConfigError(
      `LAISSEZ_BUNDLE_DELEGATION is for ${payload.region}, this checkpoint serves ${config.LAISSEZ_REGION}`,
    );
  const now = Math.floor(Date.now() / 1000);
  if (now >= payload.validUntil)
    throw new ConfigError(
      `LAISSEZ_BUNDLE_DELEGATION expired at ${new Date(payload.validUntil * 1000).toISOString()}: ask the region authority for a new one`,
    );
  const onChain = String(
    (await ledger.trust.getFunction("getRegion")(regionId(config.LAISSEZ_REGION))).authority,
  ).toLowerCase();
  if (onChain !== authority)
    throw new ConfigError(
      `LAISSEZ_BUNDLE_DELEGATION is signed by ${authority}, but ${config.LAISSEZ_REGION}'s authority on chain is ${onChain}`,
    );
  return delegation;
}

export interface RunningCheckpoint {
  readonly server: Server;
  readonly url: string;
  readonly keeper: BundleKeeper;
  stop(): Promise<void>;
}

/**
 * Starts the checkpoint service: config → chain → the bundle keeper → app.listen, plus the
 * sync loop. Resolves once listening with a first bundle (or without one if the chain is down:
 * /bundle answers 503 until a sync succeeds).
 */
export async function startCheckpoint(
  config: CheckpointConfig,
  o: { schemasDir: string; pageDir?: string },
): Promise<RunningCheckpoint> {
  const provider = connectRpc(config.LAISSEZ_RPC_URL);
  const chainId = Number((await provider.getNetwork()).chainId);
  const deployment = readDeployment(chainId, config.LAISSEZ_DEPLOYMENTS);
  const signerKey = await openKeySigner("LAISSEZ_BUNDLE_SIGNER_KEY", config.LAISSEZ_BUNDLE_SIGNER_KEY, "ES256K", {
    token: config.LAISSEZ_SIGNER_TOKEN,
  });
  const delegation = await checkBundleSigner(config, connectLedger(deployment, provider), signerKey);
  const keeper = new BundleKeeper({
    provider,
    deployment,
    schemas: directorySchemaSource(config.LAISSEZ_SCHEMAS ?? o.schemasDir),
    signerKey,
    delegation,
    path: join(config.LAISSEZ_STATE_DIR, `bundle-${config.LAISSEZ_REGION}.json`),
    region: config.LAISSEZ_REGION,
  });
  const step = async (): Promise<void> => {
    try {
      const events = await keeper.sync();
      if (events > 0)
        jsonLog({
          level: "info",
          msg: "synced",
          region: config.LAISSEZ_REGION,
          block: keeper.current?.bundle.block.number,
          events,
        });
    } catch (e) {
      jsonLog({
        level: "warn",
        msg: "sync failed; serving the last bundle",
        region: config.LAISSEZ_REGION,
        error: (e as Error).message.slice(0, 200),
      });
    }
  };
  await step();
  const { app } = createCheckpointApp({
    keeper,
    region: config.LAISSEZ_REGION,
    chainId,
    checkpointId: config.LAISSEZ_CHECKPOINT_ID ?? `checkpoint:${config.LAISSEZ_REGION}:${config.LAISSEZ_PORT}`,
    verifier: nativeVerifier,
    rateLimit: config.LAISSEZ_RATE_LIMIT,
    ...(o.pageDir ? { pageDir: o.pageDir } : {}),
  });
  const server = await listen(app, config.LAISSEZ_PORT, config.LAISSEZ_HOST, limitsFromEnv(config));
  const address = server.address();
  const url = `http://${config.LAISSEZ_HOST}:${typeof address === "object" && address ? address.port : config.LAISSEZ_PORT}`;
  let running = true;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (running) {
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, config.LAISSEZ_SYNC_INTERVAL_MS);
      });
      if (running) await step();
    }
  })();
  return {
    server,
    url,
    keeper,
    async stop() {
      running = false;
      wake?.();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      // A sync caught mid-request by a chain that is already gone may never settle: give it a moment, then go.
      await Promise.race([loop, new Promise((r) => setTimeout(r, 2000).unref())]);
      provider.destroy();
    },
  };
}
