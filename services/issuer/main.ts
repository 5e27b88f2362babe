import type { Server } from "node:http";
import { readdirSync } from "node:fs";
import { getAddress, type Contract, type Provider } from "ethers";
import { issuerAddresses, refuseGoverningKeys, watchCustody } from "../chain/custody.ts";
import { ethrDid, issuerKey, type KeySigner, signerAddress } from "../../core/index.ts";
import { resolveSigningMethod, SigningMethodError } from "./signing-method.ts";
import { agencyLists, type AgencyLists } from "../chain/lists.ts";
import { readDeployment } from "../chain/deployments.ts";
import { connectLedger } from "../chain/ledger.ts";
import { connectRpc, probeChainId } from "../chain/rpc.ts";
import { directorySchemaSource } from "../schemas.ts";
import { KeySignerAccount } from "../chain/key-account.ts";
import { openKeySigner } from "../crypto/key-source.ts";
import { nativeVerifier } from "../crypto/native-verifier.ts";
import { jsonLog, type Log } from "../http/app.ts";
import { Metrics } from "../http/metrics.ts";
import { limitsFromEnv, listen } from "../http/server.ts";
import { StatusPublisher, startPublishing } from "./publish.ts";
import { AuditAnchorer } from "./audit-anchor.ts";
import { createIssuerApp } from "./app.ts";
import { startHousekeeping } from "./housekeeping.ts";
import type { IssuerConfig } from "./config.ts";
import { SqliteIssuerStore, type IssuerStore } from "./store.ts";

/** The service's two keys, each behind the KeySigner interface (software here, or a remote HSM/KMS signer). */
async function serviceKeys(config: IssuerConfig): Promise<{ credential: KeySigner; writer: KeySigner }> {
  const o = { token: config.LAISSEZ_SIGNER_TOKEN, timeoutMs: config.LAISSEZ_SIGNER_TIMEOUT_MS };
  return {
    credential: await openKeySigner("LAISSEZ_SIGNING_KEY", config.LAISSEZ_SIGNING_KEY, config.LAISSEZ_SIGNING_ALG, o),
    writer: await openKeySigner("LAISSEZ_STATUS_WRITER_KEY", config.LAISSEZ_STATUS_WRITER_KEY, "ES256K", o),
  };
}

/**
 * The credential key's verification method id in the agency's DID (`delegate-N`): resolved on
 * the chain with ethr-did-resolver and remembered in the store (LAISSEZ_SIGNING_METHOD, when
 * given, must agree); with the chain down, LAISSEZ_SIGNING_METHOD or what the store remembers
 * for this very key. `since`: when the store first saw the DID list this key — it was valid on
 * chain from then on, so a batch's copies may take times back to it (copy-times.ts).
 */
async function signingMethodAtStart(
  config: IssuerConfig,
  store: IssuerStore,
  provider: Provider,
  registry: string,
  chainId: number,
  did: string,
  signer: KeySigner,
): Promise<{ method: string; since?: number }> {
  const address = signer.alg === "EdDSA" ? undefined : signerAddress(signer);
  const key = address === undefined ? { publicKey: signer.publicKey } : { address };
  const keyName = address?.toLowerCase() ?? Buffer.from(signer.publicKey).toString("hex");
  const remembered = await store.setting<{ key: string; method: string; since?: number }>("signing_method");
  const since = remembered?.key === keyName ? remembered.since : undefined;
  let resolved: string;
  try {
    resolved = await resolveSigningMethod({ provider, registry, chainId, did, key });
  } catch (e) {
    const method = config.LAISSEZ_SIGNING_METHOD ?? (remembered?.key === keyName ? remembered.method : undefined);
    if (e instanceof SigningMethodError || method === undefined) throw e;
    jsonLog({ level: "warn", msg: "signing method not checked: the chain does not answer", method });
    return { method, ...(since !== undefined && method === remembered?.method ? { since } : {}) };
  }
  if (config.LAISSEZ_SIGNING_METHOD !== undefined && config.LAISSEZ_SIGNING_METHOD !== resolved) {
    throw new SigningMethodError(
      `LAISSEZ_SIGNING_METHOD is ${config.LAISSEZ_SIGNING_METHOD}, but the DID lists the signing key as ${resolved}`,
    );
  }
  // A key re-added under a new method number starts a new window: its time is taken afresh, the
  // chain's (a block after the DID listed the key; the chain's clock may run ahead of ours).
  const seen =
    since !== undefined && remembered?.method === resolved
      ? since
      : ((await provider.getBlock("latest").catch(() => null))?.timestamp ?? Math.floor(Date.now() / 1000));
  await store.saveSetting("signing_method", { key: keyName, method: resolved, since: seen });
  return { method: resolved, since: seen };
}

/**
 * The chain's id at start: asked of the node, else LAISSEZ_CHAIN_ID, else the only deployments
 * file — so the service starts (and takes revocations) while the chain is down.
 */
async function chainIdAtStart(config: IssuerConfig): Promise<number> {
  const asked = await probeChainId(config.LAISSEZ_RPC_URL, config.LAISSEZ_RPC_TIMEOUT_MS);
  if (asked !== undefined) return asked;
  if (config.LAISSEZ_CHAIN_ID !== undefined) return config.LAISSEZ_CHAIN_ID;
  const files = readdirSync(config.LAISSEZ_DEPLOYMENTS).filter((f) => /^\d+\.json$/.test(f));
  if (files.length === 1) return Number.parseInt(files[0]!, 10);
  throw new Error(`the chain at ${config.LAISSEZ_RPC_URL} does not answer: set LAISSEZ_CHAIN_ID to start without it`);
}

/**
 * The agency's lists: remembered in the store once learnt, asked of the chain (with backoff)
 * until then. Until they are known, issuance answers 503 chain_unavailable.
 */
async function agencyListsSource(
  store: IssuerStore,
  status: Contract,
  agency: string,
  log: Log,
): Promise<{ current: () => AgencyLists | undefined; stop: () => void }> {
  let lists = await store.setting<AgencyLists>("agency_lists");
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const learn = async (attempt: number): Promise<void> => {
    try {
      lists = await agencyLists(status, agency);
      await store.saveSetting("agency_lists", lists);
    } catch (e) {
      log({
        level: "warn",
        msg: "agency lists not readable from the chain yet; will retry",
        error: String((e as Error)?.message ?? e).slice(0, 200),
      });
      if (!stopped)
        timer = setTimeout(() => void learn(attempt + 1), Math.min(10_000, 250 * 2 ** Math.min(attempt, 6)));
    }
  };
  if (!lists) void learn(0);
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
  };
  return { current: () => lists, stop };
}

/**
 * Starts the issuer service: config → adapters (chain, SQLite) → app.listen, plus the publishing
 * loop and housekeeping. Starts with the chain down; every JSON-RPC call has a timeout.
 * Resolves once listening; `stop()` finishes in-flight work and closes everything.
 */
export async function startIssuer(
  config: IssuerConfig,
  schemasDir: string,
): Promise<{ server: Server; url: string; stop(): Promise<void> }> {
  const chainId = await chainIdAtStart(config);
  const provider = connectRpc(config.LAISSEZ_RPC_URL, { timeoutMs: config.LAISSEZ_RPC_TIMEOUT_MS, chainId });
  const deployment = readDeployment(chainId, config.LAISSEZ_DEPLOYMENTS);
  const agency = getAddress(config.LAISSEZ_AGENCY);
  const keys = await serviceKeys(config);
  const writer = new KeySignerAccount(keys.writer, provider);
  // Key custody: no key of this service may govern — its own agency's DID or any other's (a thief
  // of this server could take it). A chain that is down cannot tell: the service starts, and the
  // check runs as soon as the chain answers; a refusal then makes /health say so.
  const ledger = connectLedger(deployment, provider);
  const serviceAddresses = {
    LAISSEZ_STATUS_WRITER_KEY: writer.address,
    ...(keys.credential.alg === "ES256K" ? { LAISSEZ_SIGNING_KEY: signerAddress(keys.credential) } : {}),
  };
  const custody = watchCustody(
    async () => refuseGoverningKeys(ledger, serviceAddresses, [agency, ...(await issuerAddresses(ledger))]),
    { log: jsonLog },
  );
  await custody.first;
  const { status } = ledger;
  const store = new SqliteIssuerStore(config.LAISSEZ_DB);
  // Offers claimed by requests of a service that was killed: redeemable again (their records wait for the retry).
  const released = await store.offers.releaseAbandonedClaims();
  if (released > 0)
    jsonLog({ level: "warn", msg: "offers claimed when the service stopped are redeemable again", offers: released });
  const lists = await agencyListsSource(store, status, agency, jsonLog);
  const metrics = new Metrics();
  const publisher = new StatusPublisher(store, deployment, writer, {
    metrics,
    receiptTimeoutMs: config.LAISSEZ_RECEIPT_TIMEOUT_MS,
    confirmations: config.LAISSEZ_CONFIRMATIONS,
  });
  const audit = new AuditAnchorer(store, deployment, writer, agency, {
    intervalMs: config.LAISSEZ_AUDIT_ANCHOR_MS,
    receiptTimeoutMs: config.LAISSEZ_RECEIPT_TIMEOUT_MS,
    confirmations: config.LAISSEZ_CONFIRMATIONS,
    metrics,
  });
  const signing = await signingMethodAtStart(
    config,
    store,
    provider,
    deployment.didRegistry,
    chainId,
    ethrDid(chainId, agency),
    keys.credential,
  );
  const { app } = createIssuerApp({
    store,
    key: issuerKey(ethrDid(chainId, agency), signing.method, keys.credential),
    ...(signing.since !== undefined ? { keyValidSince: signing.since } : {}),
    agency,
    provider,
    deployment,
    lists: lists.current,
    anchoring: async () => ({ ...publisher.status(), audit: await audit.status() }),
    custody: custody.status,
    metrics,
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

  const stopHousekeeping = startHousekeeping(store, {
    intervalMs: config.LAISSEZ_HOUSEKEEPING_MS,
    now: () => Math.floor(Date.now() / 1000),
    log: jsonLog,
  });
  const publishing = startPublishing(publisher, store, {
    intervalMs: config.LAISSEZ_ANCHOR_INTERVAL_MS,
    reconcileMs: config.LAISSEZ_RECONCILE_MS,
    log: jsonLog,
    audit,
  });
  return {
    server,
    url,
    async stop() {
      stopHousekeeping();
      lists.stop();
      custody.stop();
      await new Promise((r) => server.close(r));
      await publishing.stop();
      provider.destroy();
      await store.close();
    },
  };
}
