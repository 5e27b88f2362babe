/**
 * The web wallet: a non-extractable P-256 key in this browser, credentials in IndexedDB,
 * receive from an OpenID4VCI offer link (also when the wallet is already open), cards in the
 * citizen's language with status as of the last sync, and the full-screen presentation QR.
 */
import { disclosableClaims, isSdJwt, nobleVerifier } from "../../core/index.ts";
import { agencyName, dateTimeInWords, durationInWords, typeName } from "../../web/i18n.ts";
import { PageLanguage } from "../../web/language.ts";
import { TrustStore } from "../../web/trust-store.ts";
import { IndexedDbWallet } from "../idb-store.ts";
import { present } from "../present.ts";
import { presentationQrText } from "../qr.ts";
import { receiveOffer } from "../receive.ts";
import type { StoredCredential } from "../store.ts";
import { generateWebCryptoKeyPair, webCryptoHolderKey } from "../webcrypto-key.ts";
import { citizenStatus, credentialCard, credentialClaims } from "./cards.ts";
import { QrView } from "./qr-view.ts";
import { byId, downloadBundle, el, nowSeconds, registerServiceWorker } from "../../web/ui.ts";

interface WalletInfo {
  /** Where the wallet syncs status from: a checkpoint service's /bundle (its region authority signs it). */
  readonly bundleUrl: string;
  /** The region whose authority signs that bundle. */
  readonly region: string;
  readonly authority: string;
  readonly chainId: number;
}

const keyCache = new Map<string, Uint8Array>();
/** A wallet served from this machine is a development one: it may receive from an issuer on plain http://127.0.0.1. */
const DEVELOPMENT = ["127.0.0.1", "localhost", "[::1]"].includes(location.hostname);
const CLAIMS_HIDDEN = "laissez.wallet.claimsHidden";

async function main(): Promise<void> {
  void registerServiceWorker();
  const L = new PageLanguage();
  L.wire();
  const info = (await (await fetch("config.json")).json()) as WalletInfo;
  const wallet = await IndexedDbWallet.open();
  const key = await webCryptoHolderKey(await wallet.holderKeyPair(generateWebCryptoKeyPair));
  const store = new TrustStore("wallet", localStorage);
  store.offer({ region: info.region, chainId: info.chainId, authority: info.authority }, nowSeconds());
  const qr = new QrView(L);
  let syncError: string | undefined;
  let cards: StoredCredential[] = [];

  const renderBundle = (): void => {
    const b = store.bundle;
    const line = b ? L.t("wallet.bundle.synced", { time: dateTimeInWords(b.block.timestamp, L.lang), age: durationInWords(nowSeconds() - b.block.timestamp, L.lang) }) : L.t("wallet.bundle.none");
    byId("bundle-status").textContent = syncError ? `${L.t("wallet.bundle.failed", { message: syncError })} ${b ? line : ""}` : line;
  };

  const showQr = (c: StoredCredential): void => {
    const s = citizenStatus(c, store.bundle, nowSeconds(), L);
    const health = c.type === "HealthCode" ? credentialClaims(c.jwt).healthStatus : undefined;
    void qr.show({
      type: c.type,
      health: typeof health === "string" ? health : undefined,
      returnFocus: `article[data-id="${CSS.escape(c.id)}"] button.show-qr`,
      warning: s.kind === "revoked" || s.kind === "suspended" ? s.word : undefined,
      regions: Object.keys(store.bundle?.regions ?? {}).sort(),
      ...(isSdJwt(c.jwt) ? { disclosable: disclosableClaims(c.jwt).map(({ name, value }) => ({ name, value })) } : {}),
      make: async (region, disclose) => presentationQrText(await present(c.jwt, key, nowSeconds(), { region }, disclose)),
    });
  };

  const renderCards = (): void => {
    const now = nowSeconds();
    const claimsHidden = localStorage.getItem(CLAIMS_HIDDEN) === "true";
    const onToggleClaims = (): void => {
      localStorage.setItem(CLAIMS_HIDDEN, String(!claimsHidden));
      renderCards();
    };
    byId("cards").replaceChildren(
      ...(cards.length === 0 ? [el("p", { class: "empty" }, L.t("wallet.empty"))] : []),
      ...cards.map((c) => credentialCard(c, { L, bundle: store.bundle, now, holderDid: key.did, claimsHidden, onShowQr: showQr, onToggleClaims })),
    );
  };

  const render = async (): Promise<void> => {
    cards = (await wallet.list()).sort((a, b) => b.receivedAt - a.receivedAt);
    renderBundle();
    renderCards();
  };
  L.onChange(() => {
    renderBundle();
    renderCards();
  });

  const sync = async (): Promise<void> => {
    try {
      store.accept((await downloadBundle(info.bundleUrl)).text, nowSeconds());
      syncError = undefined;
    } catch (e) {
      syncError = (e as Error).message;
    }
    await render();
  };

  const receive = async (offerUri: string): Promise<void> => {
    const result = byId("receive-result");
    result.textContent = L.t("wallet.receiving");
    result.dataset.outcome = "pending";
    try {
      // The newest status data first: a credential issued after the last sync may use a list the old bundle lacks.
      if (navigator.onLine || !store.bundle) await sync();
      const bundle = store.bundle;
      if (!bundle) throw new Error(L.t("wallet.noBundle"));
      const credential = await receiveOffer({ offerUri, key, fetch: (input, init) => fetch(input, init), now: nowSeconds(), verify: { bundle, verifier: nobleVerifier, keyCache }, allowHttpLoopback: DEVELOPMENT });
      await wallet.put(credential);
      result.textContent = L.t("wallet.received", { type: typeName(credential.type, L.lang), agency: agencyName(credential.issuer.name ?? credential.issuer.did, L.lang) });
      result.dataset.outcome = "received";
    } catch (e) {
      result.textContent = L.t("wallet.notReceived", { message: (e as Error).message });
      result.dataset.outcome = "failed";
    }
    await render();
  };

  // An offer link opens the wallet as …/#offer=<openid-credential-offer://…>, also when it is already open.
  const receiveFromHash = async (): Promise<void> => {
    const offer = new URLSearchParams(location.hash.slice(1)).get("offer");
    if (!offer) return;
    history.replaceState(null, "", location.pathname);
    await receive(offer);
  };

  byId("sync").addEventListener("click", () => void sync());
  byId("receive").addEventListener("click", () => void receive(byId<HTMLInputElement>("offer").value.trim()));
  window.addEventListener("hashchange", () => void receiveFromHash());
  L.apply();
  await render();
  if (navigator.onLine) await sync();
  await receiveFromHash();
  document.body.dataset.ready = "true";
}

void main();
