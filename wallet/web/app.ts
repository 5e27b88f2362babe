/**
 * The web wallet: a non-extractable P-256 key in this browser, credentials in IndexedDB,
 * receive from an OpenID4VCI offer link, cards with status as of the last sync, and the
 * presentation QR (static: the checkpoint scans it one way).
 */
import { nobleVerifier } from "../../core/crypto.ts";
import { describeReason } from "../../core/reasons.ts";
import { verifyCredential } from "../../core/verify.ts";
import { IndexedDbWallet } from "../idb-store.ts";
import { present } from "../present.ts";
import { presentationQrText, qrSize, qrSvg } from "../qr.ts";
import { receiveOffer } from "../receive.ts";
import type { StoredCredential } from "../store.ts";
import { generateWebCryptoKeyPair, webCryptoHolderKey } from "../webcrypto-key.ts";
import { ageInWords, BundleStore, byId, dateInWords, downloadBundle, el, nowSeconds, registerServiceWorker } from "../../web/ui.ts";

interface WalletInfo {
  /** Where the wallet syncs status from: a checkpoint service's /bundle (its region authority signs it). */
  readonly bundleUrl: string;
  readonly authority: string;
  readonly chainId: number;
}

/** A static QR is accepted for 300 s after it is made; redraw well before that. */
const QR_REFRESH_MS = 120_000;
const keyCache = new Map<string, Uint8Array>();

async function main(): Promise<void> {
  void registerServiceWorker();
  const info = (await (await fetch("config.json")).json()) as WalletInfo;
  const wallet = await IndexedDbWallet.open();
  const key = await webCryptoHolderKey(await wallet.holderKeyPair(generateWebCryptoKeyPair));
  byId("holder").textContent = `Holder: ${key.did.slice(0, 20)}…${key.did.slice(-6)}`;
  const store = new BundleStore(`wallet.${info.chainId}`, { chainId: info.chainId, authorities: [info.authority] });
  let qrTimer: ReturnType<typeof setInterval> | undefined;

  const statusOf = (c: StoredCredential): { word: string; tone: string; detail: string } => {
    const b = store.bundle;
    if (!b) return { word: "Status not synced", tone: "unknown", detail: "Sync to check revocation." };
    const v = verifyCredential(c.jwt, { bundle: b, region: c.issuer.region ?? "", now: nowSeconds(), verifier: nobleVerifier, keyCache });
    const asOf = `as of block ${b.block.number} (${ageInWords(nowSeconds() - b.block.timestamp)} ago)`;
    if (v.verdict === "accept") return { word: "Valid", tone: "accept", detail: asOf };
    if (v.reason === "revoked") return { word: "Revoked", tone: "reject", detail: asOf };
    if (v.reason === "suspended") return { word: "Suspended", tone: "reject", detail: asOf };
    return { word: v.verdict === "unknown" ? "Status unknown" : "Not valid", tone: v.verdict, detail: describeReason(v.reason) };
  };

  const render = async (): Promise<void> => {
    const b = store.bundle;
    byId("bundle-status").textContent = b ? `Status synced to block ${b.block.number}, ${ageInWords(nowSeconds() - b.block.timestamp)} old.` : "Status not synced yet.";
    const cards = (await wallet.list()).sort((a, b2) => b2.receivedAt - a.receivedAt);
    byId("cards").replaceChildren(
      ...(cards.length === 0 ? [el("p", { class: "empty" }, "No credentials yet. Receive one from an offer link.")] : []),
      ...cards.map((c) => {
        const s = statusOf(c);
        const button = el("button", { type: "button", class: "show-qr" }, "Show QR");
        button.addEventListener("click", () => void showQr(c));
        return el(
          "article",
          { class: `card ${s.tone}`, "data-id": c.id, "data-status": s.word },
          el("h2", {}, c.type),
          el("p", { class: "issuer" }, `${c.issuer.name ?? c.issuer.did} · ${c.issuer.region ?? "?"}`),
          el("p", { class: "validity" }, `Valid until ${dateInWords(c.validUntil)}`),
          el("p", { class: "status" }, el("strong", {}, s.word), ` ${s.detail}`),
          el("p", { class: "credential-id" }, `ID ${c.id}`),
          button,
        );
      }),
    );
  };

  const showQr = async (c: StoredCredential): Promise<void> => {
    const draw = async (): Promise<void> => {
      // A static QR names the region it is for; the holder picks it (remembered for next time).
      const region = byId("qr-region") as HTMLSelectElement;
      const regions = Object.keys(store.bundle?.regions ?? {});
      if (region.options.length !== regions.length) region.replaceChildren(...regions.map((r) => el("option", { value: r }, r)));
      const remembered = localStorage.getItem("laissez.wallet.qr-region");
      if (remembered && regions.includes(remembered)) region.value = remembered;
      region.onchange = () => {
        localStorage.setItem("laissez.wallet.qr-region", region.value);
        void draw();
      };
      const text = presentationQrText(await present(c.jwt, key, nowSeconds(), { region: region.value }));
      const size = qrSize(text);
      const holder = byId("qr");
      holder.innerHTML = await qrSvg(text);
      holder.dataset.characters = String(size.characters);
      holder.dataset.version = String(size.version);
      byId("qr-meta").textContent = `${size.characters} characters · QR version ${size.version} (M) · for ${region.value} · valid for 5 minutes, redrawn every 2`;
    };
    byId("qr-title").textContent = c.type;
    await draw();
    clearInterval(qrTimer);
    qrTimer = setInterval(() => void draw(), QR_REFRESH_MS);
    byId("qr-view").hidden = false;
  };

  const sync = async (): Promise<void> => {
    try {
      store.accept((await downloadBundle(info.bundleUrl)).text);
    } catch (e) {
      byId("bundle-status").textContent = `Sync failed: ${(e as Error).message}`;
    }
    await render();
  };

  const receive = async (offerUri: string): Promise<void> => {
    const result = byId("receive-result");
    result.textContent = "Receiving…";
    try {
      if (!store.bundle) await sync();
      const bundle = store.bundle;
      if (!bundle) throw new Error("no status data to check the credential against: sync first");
      const credential = await receiveOffer({ offerUri, key, fetch: (input, init) => fetch(input, init), now: nowSeconds(), verify: { bundle, verifier: nobleVerifier, keyCache } });
      await wallet.put(credential);
      result.textContent = `Received: ${credential.type} from ${credential.issuer.name ?? credential.issuer.did}.`;
      result.dataset.outcome = "received";
    } catch (e) {
      result.textContent = `Not received: ${(e as Error).message}`;
      result.dataset.outcome = "failed";
    }
    await render();
  };

  byId("sync").addEventListener("click", () => void sync());
  byId("receive").addEventListener("click", () => void receive(byId<HTMLInputElement>("offer").value.trim()));
  byId("qr-close").addEventListener("click", () => {
    clearInterval(qrTimer);
    byId("qr-view").hidden = true;
  });

  await render();
  if (navigator.onLine) await sync();
  // An offer link opens the wallet as …/#offer=<openid-credential-offer://…>.
  const offer = new URLSearchParams(location.hash.slice(1)).get("offer");
  if (offer) {
    history.replaceState(null, "", location.pathname);
    await receive(offer);
  }
  document.body.dataset.ready = "true";
}

void main();
