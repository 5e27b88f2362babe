import type { Server } from "node:http";
import { ed25519 } from "@noble/curves/ed25519.js";
import { getBytes, Wallet } from "ethers";
import { addressKeyId, publicKeyId } from "../../core/bundle.ts";
import type { IssuerSigningKey } from "../../core/credential.ts";
import { ethrDid } from "../../core/did.ts";
import { agencyLists } from "../chain/lists.ts";
import { readDeployment } from "../chain/deployments.ts";
import { connectLedger } from "../chain/ledger.ts";
import { connectRpc } from "../chain/rpc.ts";
import { directorySchemaSource } from "../schemas.ts";
import { nativeEd25519Signer, nativeES256KSigner } from "../crypto/native-signer.ts";
import { nativeVerifier } from "../crypto/native-verifier.ts";
import { jsonLog } from "../http/app.ts";
import { limitsFromEnv, listen } from "../http/server.ts";
import { Anchorer } from "./anchor.ts";
import { createIssuerApp } from "./app.ts";
import { startHousekeeping } from "./housekeeping.ts";
import type { IssuerConfig } from "./config.ts";
import { IssuerStore } from "./store.ts";

function signingKey(config: IssuerConfig, chainId: number, agency: string): IssuerSigningKey {
  const did = ethrDid(chainId, agency);
  const secret = getBytes(config.LAISSEZ_SIGNING_KEY);
  if (config.LAISSEZ_SIGNING_ALG === "EdDSA") return { did, kid: `${did}#${publicKeyId(ed25519.getPublicKey(secret))}`, alg: "EdDSA", signer: nativeEd25519Signer(secret) };
  return { did, kid: `${did}#${addressKeyId(new Wallet(config.LAISSEZ_SIGNING_KEY).address)}`, alg: "ES256K", signer: nativeES256KSigner(secret) };
}

/**
 * Starts the issuer service: config → adapters (chain, SQLite) → app.listen, plus the anchoring
 * loop. Resolves once listening; `stop()` finishes in-flight work and closes everything.
 */
export async function startIssuer(config: IssuerConfig, schemasDir: string): Promise<{ server: Server; url: string; stop(): Promise<void> }> {
  const provider = connectRpc(config.LAISSEZ_RPC_URL);
  const chainId = Number((await provider.getNetwork()).chainId);
  const deployment = readDeployment(chainId, config.LAISSEZ_DEPLOYMENTS);
  const controller = new Wallet(config.LAISSEZ_AGENCY_KEY, provider);
  const { status } = connectLedger(deployment, provider);
  const lists = await agencyLists(status, controller.address);
  const store = new IssuerStore(config.LAISSEZ_DB);
  const { app } = createIssuerApp({
    store,
    key: signingKey(config, chainId, controller.address),
    agency: controller.address,
    provider,
    deployment,
    lists,
    schemas: directorySchemaSource(config.LAISSEZ_SCHEMAS ?? schemasDir),
    publicUrl: config.LAISSEZ_PUBLIC_URL ?? `http://${config.LAISSEZ_HOST}:${config.LAISSEZ_PORT}`,
    verifier: nativeVerifier,
    chainCacheMs: config.LAISSEZ_CHAIN_CACHE_MS,
    bodyLimit: config.LAISSEZ_BODY_LIMIT,
    rateLimit: config.LAISSEZ_RATE_LIMIT,
  });
  const server = await listen(app, config.LAISSEZ_PORT, config.LAISSEZ_HOST, limitsFromEnv(config));
  const address = server.address();
  const url = `http://${config.LAISSEZ_HOST}:${typeof address === "object" && address ? address.port : config.LAISSEZ_PORT}`;

  const stopHousekeeping = startHousekeeping(store, { intervalMs: config.LAISSEZ_HOUSEKEEPING_MS, now: () => Math.floor(Date.now() / 1000), log: jsonLog });

  // The anchoring loop: one step at a time; a chain outage leaves requests pending and is retried.
  const anchorer = new Anchorer(store, deployment, controller);
  let running = true;
  let failures = 0;
  const loop = (async () => {
    while (running) {
      try {
        const anchored = await anchorer.step();
        if (anchored > 0) jsonLog({ level: "info", msg: "anchored", requests: anchored });
        failures = 0;
        if (store.outbox.depth() === 0) await new Promise((r) => setTimeout(r, config.LAISSEZ_ANCHOR_INTERVAL_MS));
      } catch (e) {
        failures++;
        jsonLog({ level: "warn", msg: "anchoring failed; will retry", error: (e as Error).message.slice(0, 200), failures });
        await new Promise((r) => setTimeout(r, Math.min(10_000, config.LAISSEZ_ANCHOR_INTERVAL_MS * 2 ** Math.min(failures, 5))));
      }
    }
  })();
  return {
    server,
    url,
    async stop() {
      running = false;
      stopHousekeeping();
      await new Promise((r) => server.close(r));
      // A step caught mid-request by a chain that is already gone may never settle. Leaving it is
      // safe: a signed transaction is stored before it is sent and re-sent on the next start.
      await Promise.race([loop, new Promise((r) => setTimeout(r, 2000).unref())]);
      provider.destroy();
      store.close();
    },
  };
}
