/**
 * The web wallet: credentials in IndexedDB, each bound to its own P-256 key in
 * this browser (and each copy of a batch to its own, presented once), receive from an OpenID4VCI
 * offer link (also when the wallet is already open), cards in the citizen's language with status
 * as of the last sync, the full-screen presentation QR (static, for a region), and the answer to
 * a checkpoint's request (a QR bound to its audience and nonce, disclosing what it asks for).
 */
import { type Challenge, formatOfCredential, nobleVerifier } from "../../core/index.ts";
import { agencyName, dateTimeInWords, durationInWords, typeName } from "../../web/i18n.ts";
import { PageLanguage } from "../../web/language.ts";
import { TrustStore } from "../../web/trust-store.ts";
import type { MessageKey } from "../../web/i18n.ts";
import { byId, downloadBundle, el, nowSeconds, registerServiceWorker } from "../../web/ui.ts";
import { walletEntries, type WalletEntry } from "../copies.ts";
import type { HolderKey } from "../holder.ts";
import { IndexedDbWallet } from "../idb-store.ts";
import { credentialClaims, present } from "../present.ts";
import { presentationQrText } from "../qr.ts";
import { receiveBatch, receiveOffer } from "../receive.ts";
import { looksValid, type StatusKind } from "../status.ts";
import type { StoredCredential } from "../store.ts";
import { cardKey, citizenStatus, credentialCard } from "./cards.ts";
import { freshKeys, holderKeyFor } from "./keys.ts";
import { QrView, type QrRequest } from "./qr-view.ts";
import { MoveView } from "./move-view.ts";
import { type Problem, problemNode, receiveProblem, syncProblem, WalletProblem } from "./problems.ts";
import { RequestView, type RequestChoice } from "./request-view.ts";

interface WalletInfo {
  /** Where the wallet syncs status from: a checkpoint service's /bundle (its region authority signs it). */
  readonly bundleUrl: string;
  /** The region whose authority signs that bundle. */
  readonly region: string;
  readonly authority: string;
  readonly chainId: number;
}

/** What the page's parts share. */
interface WalletPage {
  readonly L: PageLanguage;
  readonly info: WalletInfo;
  readonly wallet: IndexedDbWallet;
  readonly store: TrustStore;
  readonly qr: QrView;
  syncError: Problem | undefined;
  credentials: StoredCredential[];
  /** Status lines by element id, said again in the other language when it changes. */
  readonly notes: Map<string, () => string | Node>;
}

const keyCache = new Map<string, Uint8Array>();
/** A wallet served from this machine is a development one: it may receive from an issuer on plain http://127.0.0.1. */
const DEVELOPMENT = ["127.0.0.1", "localhost", "[::1]"].includes(location.hostname);
const CLAIMS_HIDDEN = "laissez.wallet.claimsHidden";
/** The most copies one offer gives (the issuer's batch_size). */
const MAX_COPIES = 20;

/** One entry per credential (a batch's copies fold into one), newest first. */
const entries = (page: WalletPage): WalletEntry[] => walletEntries(page.credentials).reverse();

/** A status line in the page's language (kept, so a language switch says it again). */
function say(page: WalletPage, id: string, words: () => string | Node, outcome?: string): void {
  page.notes.set(id, words);
  const node = byId(id);
  node.replaceChildren(words());
  if (outcome !== undefined) node.dataset.outcome = outcome;
}

/** A problem in the citizen's words with what to do next; the raw details folded away. */
function showProblem(page: WalletPage, id: string, problem: Problem, lead: MessageKey): void {
  say(page, id, () => problemNode(problem, page.L, page.L.t(lead)), "failed");
  byId(id).dataset.problem = problem.kind;
}

const SEEN_STATUS = "laissez.wallet.seenStatus";

/** Each card's status when the holder last looked (or acknowledged a change), by card key. */
function seenStatuses(): Record<string, StatusKind> {
  try {
    return JSON.parse(localStorage.getItem(SEEN_STATUS) ?? "{}") as Record<string, StatusKind>;
  } catch {
    return {};
  }
}

/**
 * Whenever the cards are drawn (each sync among them): a card whose status changed since the holder last looked is named in a notice
 * (type, agency, was, now) until the holder acknowledges it. "Unknown" is no news (stale data
 * says nothing new about the credential): it neither raises nor clears a notice.
 */
function noticeChanges(page: WalletPage): void {
  const { L } = page;
  const seen = seenStatuses();
  const changes: { entry: WalletEntry; from: StatusKind; to: StatusKind }[] = [];
  for (const entry of entries(page)) {
    const key = cardKey(entry.credential);
    const to = citizenStatus(entry.credential, page.store.bundle, nowSeconds(), L).kind;
    if (to === "unknown") continue;
    const from = seen[key];
    if (from === undefined) seen[key] = to;
    else if (from !== to) changes.push({ entry, from, to });
  }
  localStorage.setItem(SEEN_STATUS, JSON.stringify(seen));
  const notice = byId("status-notice");
  notice.hidden = changes.length === 0;
  if (!changes.length) {
    page.notes.delete("status-notice-list");
    return;
  }
  const word = (kind: StatusKind): string =>
    L.t(
      kind === "valid"
        ? "wallet.status.valid"
        : kind === "not_accredited"
          ? "wallet.status.notAccredited"
          : (`wallet.status.${kind}` as MessageKey),
    );
  say(page, "status-notice-list", () =>
    el(
      "ul",
      {},
      ...changes.map(({ entry: { credential: c }, from, to }) =>
        el(
          "li",
          { "data-status": to },
          L.t("wallet.notice.item", {
            type: typeName(c.type, L.lang),
            agency: agencyName(c.issuer.name ?? c.issuer.did, L.lang),
            from: word(from),
            to: word(to),
          }),
        ),
      ),
    ),
  );
  byId("status-notice-ok").onclick = () => {
    const now = seenStatuses();
    for (const { entry, to } of changes) now[cardKey(entry.credential)] = to;
    localStorage.setItem(SEEN_STATUS, JSON.stringify(now));
    notice.hidden = true;
    page.notes.delete("status-notice-list");
  };
}

function renderBundle({ L, store, syncError }: WalletPage): void {
  const b = store.bundle;
  const line = b
    ? L.t("wallet.bundle.synced", {
        time: dateTimeInWords(b.block.timestamp, L.lang),
        age: durationInWords(nowSeconds() - b.block.timestamp, L.lang),
      })
    : L.t("wallet.bundle.none");
  const node = byId("bundle-status");
  node.dataset.outcome = syncError ? "failed" : b ? "synced" : "none";
  node.replaceChildren(
    ...(syncError ? [problemNode(syncError, L, L.t("wallet.syncFailedLead")), " "] : []),
    el("span", { class: "as-of" }, line),
  );
}

function renderCards(page: WalletPage): void {
  const { L, store } = page;
  const now = nowSeconds();
  const claimsHidden = localStorage.getItem(CLAIMS_HIDDEN) === "true";
  const onToggleClaims = (): void => {
    localStorage.setItem(CLAIMS_HIDDEN, String(!claimsHidden));
    renderCards(page);
  };
  const list = entries(page);
  // A re-render (a sync, a copy taken, another tab) keeps the keyboard's place on the same card's button.
  const active = document.activeElement;
  const card = active?.closest("#cards article[data-id]")?.getAttribute("data-id");
  const control = active instanceof HTMLButtonElement ? [...active.classList].at(-1) : undefined;
  byId("cards").replaceChildren(
    ...(list.length === 0 ? [el("p", { class: "empty" }, L.t("wallet.empty"))] : []),
    ...list.map((e) =>
      credentialCard(e, {
        L,
        bundle: store.bundle,
        now,
        claimsHidden,
        onShowQr: (entry) => void showStaticQr(page, entry),
        onToggleClaims,
      }),
    ),
  );
  if (card && control)
    document
      .querySelector<HTMLElement>(`#cards article[data-id="${CSS.escape(card)}"] button.${CSS.escape(control)}`)
      ?.focus();
}

async function refresh(page: WalletPage): Promise<void> {
  page.credentials = await page.wallet.list();
  renderBundle(page);
  renderCards(page);
  // A card's status is "seen" once shown; a later sync that changes it raises the notice.
  if (page.store.bundle) noticeChanges(page);
}

async function sync(page: WalletPage): Promise<void> {
  try {
    page.store.accept((await downloadBundle(page.info.bundleUrl)).text, nowSeconds());
    page.syncError = undefined;
  } catch (e) {
    page.syncError = syncProblem(e);
  }
  await refresh(page);
}

/**
 * The credential to present now, with its key: for a batch the next unused copy, marked used
 * (in IndexedDB, one transaction) before anything is shown, so no copy is ever shown twice.
 * Undefined, with a sentence for the holder, when every copy was used (another tab took the last)
 * or the key is not in this browser.
 */
async function takeForPresenting(
  page: WalletPage,
  entry: WalletEntry,
  tell: (words: () => string, outcome: string) => void,
): Promise<{ credential: StoredCredential; key: HolderKey } | undefined> {
  const { L } = page;
  const batch = entry.credential.copy?.batch;
  const credential = batch ? await page.wallet.takeCopy(batch) : entry.credential;
  await refresh(page);
  if (!credential) return void tell(() => L.t("wallet.copies.none", { copies: entry.copies }), "used_up");
  try {
    return { credential, key: await holderKeyFor(page.wallet, credential) };
  } catch {
    return void tell(() => L.t("wallet.key.missing"), "key_missing");
  }
}

/** What the QR view needs of any presentation of `c`. */
function qrBasics(
  page: WalletPage,
  c: StoredCredential,
): Pick<QrRequest, "type" | "health" | "status" | "returnFocus" | "regions"> {
  const s = citizenStatus(c, page.store.bundle, nowSeconds(), page.L);
  const health = c.type === "HealthCode" ? credentialClaims(c.jwt).healthStatus : undefined;
  return {
    type: c.type,
    health: typeof health === "string" ? health : undefined,
    returnFocus: `article[data-id="${CSS.escape(cardKey(c))}"] button.show-qr`,
    ...(looksValid(s.kind) ? {} : { status: { kind: s.kind, word: s.word, why: s.why, next: s.next } }),
    // The issuing region first: where a citizen is shown a credential most often, the default
    // before the holder picks (and the choice is remembered).
    regions: Object.keys(page.store.bundle?.regions ?? {}).sort(
      (a, b) => Number(b === c.issuer.region) - Number(a === c.issuer.region) || a.localeCompare(b),
    ),
  };
}

/**
 * What a checkpoint needs of a type: its schema's required claims (a health code: the health
 * status), ticked at first; the holder ticks more (a name, never the date of birth unasked).
 * Without the schema in the bundle: everything ticked, as before.
 */
function neededClaims(page: WalletPage, type: string): { initiallyShown?: string[] } {
  const schema = page.store.bundle?.credentialTypes[type]?.schema as { required?: unknown } | null | undefined;
  const required = Array.isArray(schema?.required)
    ? schema.required.filter((r): r is string => typeof r === "string")
    : undefined;
  return required ? { initiallyShown: required } : {};
}

/** The static one-way QR for a region's checkpoints: one copy per showing (redraws keep it). */
async function showStaticQr(page: WalletPage, entry: WalletEntry): Promise<void> {
  const taken = await takeForPresenting(page, entry, (words, outcome) => say(page, "present-result", words, outcome));
  if (!taken) return;
  const { credential: c, key } = taken;
  await page.qr.show(
    {
      ...qrBasics(page, c),
      ...(formatOfCredential(c.jwt).selective
        ? {
            disclosable: Object.entries(credentialClaims(c.jwt)).map(([name, value]) => ({ name, value })),
            ...neededClaims(page, c.type),
          }
        : {}),
      make: async (region, disclose) =>
        presentationQrText(await present(c.jwt, key, nowSeconds(), { region }, disclose)),
      // Another tab may have taken copies meanwhile: the card shows what is left now.
    },
    () => void refresh(page),
  );
}

/** The answer to a checkpoint's request: a presentation bound to its audience and nonce, disclosing what it asked for. */
async function answerChallenge(
  page: WalletPage,
  challenge: Challenge,
  choice: RequestChoice,
  done: (words?: () => string, outcome?: string) => void,
): Promise<void> {
  const taken = await takeForPresenting(page, choice.entry, done);
  if (!taken) return;
  const { credential: c, key } = taken;
  const target = {
    audience: challenge.audience,
    nonce: challenge.nonce,
    ...(challenge.claims.length ? { claims: challenge.claims } : {}),
  };
  const { plan } = choice;
  const bound = {
    audience: challenge.audience,
    expiresAt: challenge.expiresAt,
    disclosed: plan.disclosed,
    withheld: plan.withheld,
    everything: !plan.selective,
  };
  await page.qr.show(
    {
      ...qrBasics(page, c),
      returnFocus: "#challenge-camera",
      bound,
      make: async () => presentationQrText(await present(c.jwt, key, nowSeconds(), target)),
    },
    () => {
      done();
      void refresh(page);
    },
  );
}

/** How many copies the holder asked for (1–20). */
function copiesWanted(): number {
  const n = Number(byId<HTMLInputElement>("copies").value || "1");
  if (!Number.isInteger(n) || n < 1 || n > MAX_COPIES)
    throw new WalletProblem("copies_invalid", `copies: ${byId<HTMLInputElement>("copies").value}`);
  return n;
}

/** Receives an offer: one credential, or a batch of copies, each with a fresh key, stored with its key. */
async function receive(page: WalletPage, offerUri: string): Promise<void> {
  const { L, store, wallet } = page;
  say(page, "receive-result", () => L.t("wallet.receiving"), "pending");
  try {
    if (!offerUri) throw new WalletProblem("offer_empty");
    const count = copiesWanted();
    // The newest status data first: a credential issued after the last sync may use a list the old bundle lacks.
    if (navigator.onLine || !store.bundle) await sync(page);
    const bundle = store.bundle;
    if (!bundle) throw new WalletProblem("no_bundle", page.syncError?.details ?? "no bundle");
    const keys = await freshKeys(count);
    const common = {
      offerUri,
      fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
      now: nowSeconds(),
      verify: { bundle, verifier: nobleVerifier, keyCache },
      allowHttpLoopback: DEVELOPMENT,
    };
    const received =
      count === 1
        ? [await receiveOffer({ ...common, key: keys[0]!.key })]
        : await receiveBatch({ ...common, keys: keys.map((k) => k.key) });
    await wallet.putReceived(received.map((credential, i) => ({ credential, pair: keys[i]!.pair })));
    const c = received[0]!;
    const words = () => ({
      type: typeName(c.type, L.lang),
      agency: agencyName(c.issuer.name ?? c.issuer.did, L.lang),
      count,
    });
    say(
      page,
      "receive-result",
      () => L.t(count === 1 ? "wallet.received" : "wallet.received.copies", words()),
      "received",
    );
  } catch (e) {
    const problem = receiveProblem(e);
    showProblem(page, "receive-result", problem, "wallet.notReceivedLead");
  }
  await refresh(page);
}

// An offer link opens the wallet as …/#offer=<openid-credential-offer://…>, also when it is already open.
async function receiveFromHash(page: WalletPage): Promise<void> {
  const offer = new URLSearchParams(location.hash.slice(1)).get("offer");
  if (!offer) return;
  history.replaceState(null, "", location.pathname);
  await receive(page, offer);
}

async function main(): Promise<void> {
  void registerServiceWorker();
  const L = new PageLanguage();
  L.wire();
  const info = (await (await fetch("config.json")).json()) as WalletInfo;
  const store = new TrustStore("wallet", localStorage);
  store.offer({ region: info.region, chainId: info.chainId, authority: info.authority }, nowSeconds());
  const page: WalletPage = {
    L,
    info,
    wallet: await IndexedDbWallet.open(),
    store,
    qr: new QrView(L),
    syncError: undefined,
    credentials: [],
    notes: new Map(),
  };
  new MoveView({
    L,
    wallet: page.wallet,
    say: (words, outcome) => say(page, "move-result", words, outcome),
    fail: (problem) => showProblem(page, "move-result", problem, "wallet.move.failedLead"),
    refresh: () => refresh(page),
  });
  new RequestView({
    L,
    entries: () => entries(page),
    onAgree: (challenge, choice, done) => answerChallenge(page, challenge, choice, done),
  });
  L.onChange(() => {
    renderBundle(page);
    renderCards(page);
    for (const [id, words] of page.notes) byId(id).replaceChildren(words());
  });
  byId("sync").addEventListener("click", () => void sync(page));
  byId("receive").addEventListener("click", () => void receive(page, byId<HTMLInputElement>("offer").value.trim()));
  window.addEventListener("hashchange", () => void receiveFromHash(page));
  // Gone offline with a batch used up or on its last copy: said at once (a new batch needs a network).
  window.addEventListener("offline", () => {
    const count = entries(page).filter((e) => e.credential.copy && e.unused <= 1).length;
    if (count) say(page, "present-result", () => L.t("wallet.copies.offline", { count }), "copies_low");
  });
  L.apply();
  await refresh(page);
  if (navigator.onLine) await sync(page);
  await receiveFromHash(page);
  document.body.dataset.ready = "true";
}

void main();
