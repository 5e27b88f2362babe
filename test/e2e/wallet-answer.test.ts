/**
 * The web wallet answering a checkpoint's request, and its per-credential keys and batch copies,
 * in real Chromium against the running system (issue 11 "Present", issue 15 item 10):
 * - a CN-SH checkpoint's challenge (POST /challenges?claims=healthStatus, as `LZCH1:` text) read
 *   by paste, by a picture and by the (fake) camera; the wallet says who asks, until when and what,
 *   offers the credentials that can answer (a jwt_vc "shows every detail"), and its bound QR is
 *   accepted by that checkpoint's /verify with the nonce, disclosing exactly healthStatus;
 *   malformed, foreign and expired text get a sentence;
 * - three copies: three presentations carry three holder keys, credential ids and status
 *   indices; the fourth is refused (the card says to receive a new batch);
 * - a wallet from before per-credential keys (one shared pair) still presents;
 * - the new views pass the accessibility audit; screenshots in both languages at both sizes.
 */
import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  challengeText,
  decodeJwt,
  deserializeBundle,
  expandPresentation,
  expandSdJwtPresentation,
  nobleVerifier,
  p256DidKey,
  splitSdJwt,
  type SerializedBundle,
  type SignedEnvelope,
} from "../../core/index.ts";
import type { RunningSystem } from "../../scripts/system.ts";
import { checkReceived } from "../../wallet/receive.ts";
import { qrPng, readQrPng } from "../../scripts/qr-file.ts";
import { audit, describeFindings } from "../helpers/a11y.ts";
import {
  launchChromium,
  newContext,
  ready,
  SHOTS,
  shot,
  stillVideoY4m,
  watchErrors,
  type Locale,
  type Size,
} from "../helpers/browser.ts";
import { startTestSystem } from "../helpers/system.ts";

let system: RunningSystem;
let browser: Browser;
const errors: string[] = [];
/** Where the screenshots are also kept for review (LAISSEZ_SHOTS_DIR). */
const REVIEW = process.env.LAISSEZ_SHOTS_DIR;
const HEALTH = { healthStatus: "green", givenName: "Mei", familyName: "Li" };
const HIDPI = { deviceScaleFactor: 2 };

async function api(
  url: string,
  token: string | undefined,
  body?: unknown,
  method = body ? "POST" : "GET",
): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as Record<string, unknown>;
}

const zj = () => system.agencies[0]!;
const checkpoint = () => system.checkpoints["CN-SH"]!;

async function keep(page: Page, name: string, fullPage = true): Promise<void> {
  await shot(page, name, fullPage);
  if (REVIEW) {
    mkdirSync(REVIEW, { recursive: true });
    copyFileSync(join(SHOTS, `${name}.png`), join(REVIEW, `${name}.png`));
  }
}

async function openWallet(
  size: Size,
  locale: Locale,
  extra: Parameters<Browser["newContext"]>[0] = {},
  on: Browser = browser,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newContext(on, size, locale, extra);
  const page = watchErrors(await context.newPage(), errors, `wallet-${size}-${locale}`);
  await page.goto(`${system.wallet}/`);
  await ready(page);
  return { context, page };
}

/** Receives an offer through the wallet's own form, as `copies` copies. */
async function receive(
  page: Page,
  offer: { type: string; claims: Record<string, unknown>; format?: string },
  copies = 1,
): Promise<void> {
  const { offerUri } = await api(`${zj().url}/offers`, zj().token, offer);
  const before = await page.locator("article.card").count();
  await page.fill("#offer", offerUri as string);
  await page.fill("#copies", String(copies));
  await page.click("#receive");
  await page.waitForSelector("#receive-result[data-outcome=received]");
  await expect.poll(() => page.locator("article.card").count()).toBe(before + 1);
}

/** A fresh challenge from the CN-SH checkpoint service, as the QR text its page shows. */
async function challenge(claims: string[]): Promise<{ text: string; nonce: string; audience: string }> {
  const c = (await api(
    `${checkpoint()}/challenges${claims.length ? `?claims=${claims.join(",")}` : ""}`,
    undefined,
    undefined,
    "POST",
  )) as { audience: string; nonce: string; expiresAt: number; claims: string[] };
  return { text: challengeText(c), nonce: c.nonce, audience: c.audience };
}

async function paste(page: Page, text: string): Promise<void> {
  if ((await page.getAttribute("details.answer-paste", "open")) === null)
    await page.click("details.answer-paste summary");
  await page.fill("#challenge-text", text);
  await page.click("#challenge-read");
}

/** The QR on screen, read back from its pixels (jsQR wants whole pixels per module: desktops here draw at 2×, as phones do). */
async function qrText(page: Page): Promise<string> {
  await page.waitForSelector("#qr svg");
  const text = readQrPng(await page.locator("#qr svg").screenshot());
  expect(
    text,
    `QR version ${await page.getAttribute("#qr", "data-version")}, ${JSON.stringify(await page.locator("#qr svg").boundingBox())}`,
  ).toBeTruthy();
  return text as string;
}

async function verifyAt(presentation: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return api(`${checkpoint()}/verify`, undefined, { presentation, ...extra });
}

/** Holder key, credential id and status indices of a static jwt_vc presentation. */
function linkable(text: string): { holder: string; id: string; status: string } {
  const vp = decodeJwt(expandPresentation(text)).payload;
  const inner = (vp.vp as { verifiableCredential: string[] }).verifiableCredential[0]!;
  const vc = decodeJwt(inner).payload;
  return {
    holder: String(vp.iss),
    id: String(vc.jti),
    status: JSON.stringify((vc.vc as { credentialStatus: unknown }).credentialStatus),
  };
}

beforeAll(async () => {
  system = await startTestSystem();
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe("the web wallet answers a checkpoint's request", () => {
  it("paste a challenge (zh phone): who asks, until when, what; the bound QR verifies at that checkpoint with that nonce and discloses exactly healthStatus", async () => {
    const { context, page } = await openWallet("phone", "zh-CN");
    await receive(page, { type: "HealthCode", claims: HEALTH, format: "sd_jwt_vc" });
    await receive(page, { type: "HealthCode", claims: HEALTH });
    const asked = await challenge(["healthStatus"]);
    await paste(page, asked.text);
    await page.waitForSelector("#request:not([hidden])");
    expect(await page.textContent("[data-fact=audience]")).toBe("checkpoint:CN-SH:gate-1（自称上海 (CN-SH)的核验点）");
    expect(await page.textContent("[data-fact=claims]")).toBe("健康状态");
    expect(await page.textContent("[data-fact=expires]")).toMatch(/还剩/);
    // Both can answer: the SD-JWT VC first (shows only what is asked), the jwt_vc says it shows everything.
    const choices = page.locator("#request-choice label.choice");
    expect(await choices.count()).toBe(2);
    expect(await choices.nth(0).textContent()).toContain("只出示：健康状态。不出示：名、姓。");
    expect(await choices.nth(1).textContent()).toContain(
      "此证件无法只出示部分信息：核验点将看到全部信息（健康状态、名、姓）。",
    );
    expect(await page.textContent("#request-agree")).toBe("出示二维码");
    await choices.nth(1).click();
    expect(await page.textContent("#request-agree")).toBe("出示全部信息");
    await choices.nth(0).click();
    await keep(page, "wallet-zh-phone-request");

    await page.click("#request-agree");
    const text = await qrText(page);
    expect(text).toMatch(/^LZ2:/);
    expect(await page.getAttribute("#qr", "data-bound")).toBe("true");
    expect(await page.isVisible("#qr-region")).toBe(false);
    expect(await page.textContent("#qr-withheld")).toBe("不出示：名、姓");
    expect(await page.textContent("#qr-countdown")).toMatch(/^请在 [0-2]:\d\d 内让核验点扫描$/);
    await keep(page, "wallet-zh-phone-bound-qr", false);
    // The presentation itself: exactly one disclosure, bound to the checkpoint's audience and nonce.
    const sd = splitSdJwt(expandSdJwtPresentation(text));
    expect(sd.disclosures).toHaveLength(1);
    expect(decodeJwt(sd.kbJwt as string).payload).toMatchObject({ aud: asked.audience, nonce: asked.nonce });
    const verdict = await verifyAt(text, { nonce: asked.nonce, claims: ["healthStatus"] });
    expect([verdict.verdict, verdict.claims]).toEqual(["accept", { healthStatus: "green" }]);
    expect(verdict.withheld).toBeGreaterThanOrEqual(2);
    // One nonce, one use: the checkpoint refuses the same answer again.
    expect((await verifyAt(text, { nonce: asked.nonce, claims: ["healthStatus"] })).verdict).toBe("reject");
    await page.click("#qr-close");
    expect(await page.isHidden("#request")).toBe(true);
    await context.close();
  });

  it("two screens (zh phone): the CN-SH checkpoint page's challenge QR, read from a picture → the wallet's answer QR → the page's ACCEPT, bound to it", async () => {
    const { context, page: wallet } = await openWallet("phone", "zh-CN");
    await receive(wallet, { type: "HealthCode", claims: HEALTH, format: "sd_jwt_vc" });
    const officer = watchErrors(await context.newPage(), errors, "checkpoint-page");
    await officer.goto(`${checkpoint()}/`);
    await ready(officer);
    await officer.click("#challenge-start");
    await officer.waitForSelector("#challenge-qr svg");
    const asked = await officer.locator("#challenge-qr").screenshot();
    await wallet.setInputFiles("#challenge-image", { name: "checkpoint.png", mimeType: "image/png", buffer: asked });
    await wallet.waitForSelector("#request:not([hidden])", { timeout: 60_000 });
    expect(await wallet.textContent("[data-fact=claims]")).toBe("健康状态");
    expect(await wallet.textContent("[data-fact=audience]")).toContain("checkpoint:CN-SH:gate-1");
    await wallet.click("#request-agree");
    await wallet.waitForSelector("#qr svg");
    const answer = await wallet.locator("#qr svg").screenshot();
    const before = Number((await officer.getAttribute("#verdict", "data-scan")) ?? "0");
    await officer.setInputFiles("#image", { name: "answer.png", mimeType: "image/png", buffer: answer });
    await expect
      .poll(async () => Number((await officer.getAttribute("#verdict", "data-scan")) ?? "0"), { timeout: 60_000 })
      .toBe(before + 1);
    expect(await officer.getAttribute("#verdict", "data-verdict")).toBe("accept");
    expect(await officer.textContent("[data-claim=healthStatus]")).toBe("绿码");
    expect(await officer.locator("#verdict-claims dd").count()).toBe(1);
    expect(await officer.getAttribute("#challenge", "data-state")).toBe("answered");
    await context.close();
  });

  it("malformed, foreign and expired text get a sentence; a picture and the camera read a challenge; a jwt_vc answer shows everything and verifies (en desktop)", async () => {
    const { context, page } = await openWallet("desktop", "en", HIDPI);
    await receive(page, { type: "HealthCode", claims: HEALTH });
    for (const [text, outcome, words] of [
      ["LZCH1:checkpoint%3AX/short/1/", "malformed", "This request cannot be read"],
      ["hello", "not_challenge", "This is not a checkpoint's request"],
      [
        challengeText({
          audience: "checkpoint:CN-SH:gate-1",
          nonce: "A".repeat(22),
          expiresAt: Math.floor(Date.now() / 1000) - 5,
          claims: [],
        }),
        "expired",
        "This request expired at",
      ],
    ] as const) {
      await paste(page, text);
      await page.waitForSelector(`#challenge-result[data-outcome=${outcome}]`);
      expect(await page.textContent("#challenge-result")).toContain(words);
      expect(await page.isHidden("#request")).toBe(true);
    }
    // A picture of the checkpoint's screen.
    const asked = await challenge([]);
    await page.setInputFiles("#challenge-image", {
      name: "request.png",
      mimeType: "image/png",
      buffer: await qrPng(asked.text),
    });
    await page.waitForSelector("#request:not([hidden])", { timeout: 60_000 });
    expect(await page.textContent("[data-fact=claims]")).toBe("The whole credential (every detail)");
    expect(await page.textContent("#request-agree")).toBe("Show every detail");
    await page.click("#request-agree");
    const text = await qrText(page);
    expect(await page.textContent("#qr-withheld")).toBe(
      "This credential shows every detail: its format cannot show only part of it.",
    );
    const verdict = await verifyAt(text, { nonce: asked.nonce });
    expect(verdict.verdict).toBe("accept");
    await page.click("#qr-close");
    await context.close();

    // The camera, with Chromium's fake device showing the checkpoint's request.
    const cameraRequest = await challenge(["healthStatus"]);
    const video = stillVideoY4m(
      await qrPng(cameraRequest.text),
      join(mkdtempSync(join(tmpdir(), "laissez-cam-")), "request.y4m"),
    );
    const camBrowser = await launchChromium([
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-video-capture=${video}`,
    ]);
    try {
      const cam = await openWallet("phone", "en", { permissions: ["camera"] }, camBrowser);
      await receive(cam.page, { type: "HealthCode", claims: HEALTH, format: "sd_jwt_vc" });
      await cam.page.click("#challenge-camera");
      await cam.page.waitForSelector("#request:not([hidden])", { timeout: 30_000 });
      expect(await cam.page.textContent("[data-fact=claims]")).toBe("Health status");
      await cam.page.click("#request-agree");
      const answer = await qrText(cam.page);
      expect((await verifyAt(answer, { nonce: cameraRequest.nonce, claims: ["healthStatus"] })).verdict).toBe("accept");
      await cam.context.close();
    } finally {
      await camBrowser.close();
    }
  });
});

describe("per-credential keys and batch copies in the web wallet (issue 15 item 10)", () => {
  it("three copies: three presentations with three holder keys, ids and status indices; the fourth is refused and the card says so", async () => {
    const { context, page } = await openWallet("phone", "zh-CN");
    await receive(page, { type: "HealthCode", claims: HEALTH }, 3);
    expect(await page.textContent("#receive-result")).toBe(
      "已领取：浙江省卫生健康委员会签发的健康码，共 3 份，每份只出示一次。",
    );
    const card = page.locator("article.card");
    expect(await card.locator(".copies").getAttribute("data-unused")).toBe("3");
    const seen: ReturnType<typeof linkable>[] = [];
    for (let i = 0; i < 3; i++) {
      await card.locator("button.show-qr").click();
      await page.selectOption("#qr-region", "CN-SH");
      const text = await qrText(page);
      seen.push(linkable(text));
      expect((await verifyAt(text)).verdict).toBe("accept");
      await page.click("#qr-close");
      await expect.poll(() => card.locator(".copies").getAttribute("data-unused")).toBe(String(2 - i));
      if (i === 0) await keep(page, "wallet-zh-phone-copies");
    }
    for (const k of ["holder", "id", "status"] as const) expect(new Set(seen.map((s) => s[k])).size, k).toBe(3);
    // The fourth: every copy was shown once; the wallet refuses rather than link the sightings.
    expect(await card.locator("button.show-qr").isDisabled()).toBe(true);
    expect(await card.locator(".copies").textContent()).toBe(
      "3 份都已出示过。请向发证机关重新领取一批：再次出示用过的副本会让核验点把您的几次出示联系起来。",
    );
    await keep(page, "wallet-zh-phone-copies-used-up");
    // Used stays used across a reload (IndexedDB).
    await page.reload();
    await ready(page);
    expect(await card.locator("button.show-qr").isDisabled()).toBe(true);
    // A request cannot be answered by a used-up batch either.
    await paste(page, (await challenge(["healthStatus"])).text);
    await page.waitForSelector("#request:not([hidden])");
    expect(await page.textContent("#request-note")).toContain("钱包中没有可以回应的证件");
    await context.close();
  });

  it("two tabs taking the last two copies at the same moment never show one copy twice", async () => {
    const { context, page } = await openWallet("phone", "en");
    await receive(page, { type: "HealthCode", claims: HEALTH }, 2);
    const other = watchErrors(await context.newPage(), errors, "wallet-second-tab");
    await other.goto(`${system.wallet}/`);
    await ready(other);
    await Promise.all([page, other].map((p) => p.click("article.card button.show-qr")));
    const [a, b] = await Promise.all([page, other].map(async (p) => linkable(await qrText(p))));
    expect(a!.holder).not.toBe(b!.holder);
    expect(a!.id).not.toBe(b!.id);
    await page.click("#qr-close");
    await expect.poll(() => page.locator("article.card .copies").getAttribute("data-unused")).toBe("0");
    await context.close();
  });

  it("a wallet from before per-credential keys (one shared key pair) still presents", async () => {
    const { context, page } = await openWallet("desktop", "en", HIDPI);
    // The old layout: one non-extractable pair under "holder", a credential bound to it.
    const publicKey = await page.evaluate(async () => {
      const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
      const db = await new Promise<IDBDatabase>((resolve, reject) =>
        Object.assign(indexedDB.open("laissez-wallet", 1), {
          onsuccess(this: IDBOpenDBRequest) {
            resolve(this.result);
          },
          onerror: reject,
        }),
      );
      await new Promise((resolve, reject) =>
        Object.assign(db.transaction("keys", "readwrite").objectStore("keys").put(pair, "holder"), {
          onsuccess: resolve,
          onerror: reject,
        }),
      );
      return [...new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey))];
    });
    const did = p256DidKey(Uint8Array.from(publicKey));
    const issued = await api(`${zj().url}/credentials`, zj().token, {
      type: "HealthCode",
      subject: did,
      claims: HEALTH,
    });
    const envelope = (await api(
      `${system.checkpoints["CN-ZJ"]}/bundle`,
      undefined,
    )) as unknown as SignedEnvelope<SerializedBundle>;
    const stored = checkReceived(issued.credential as string, did, {
      now: Math.floor(Date.now() / 1000),
      verify: { bundle: deserializeBundle(envelope.payload), verifier: nobleVerifier },
    });
    await page.evaluate(async (credential) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) =>
        Object.assign(indexedDB.open("laissez-wallet", 1), {
          onsuccess(this: IDBOpenDBRequest) {
            resolve(this.result);
          },
          onerror: reject,
        }),
      );
      await new Promise((resolve, reject) =>
        Object.assign(db.transaction("credentials", "readwrite").objectStore("credentials").put(credential), {
          onsuccess: resolve,
          onerror: reject,
        }),
      );
    }, stored);
    await page.reload();
    await ready(page);
    await page.click("article.card button.show-qr");
    await page.selectOption("#qr-region", "CN-SH");
    const text = await qrText(page);
    expect(linkable(text).holder).toBe(did);
    expect((await verifyAt(text)).verdict).toBe("accept");
    await page.click("#qr-close");
    // A credential received now gets its own key, not the old shared one.
    await receive(page, { type: "HealthCode", claims: HEALTH });
    const newest = page.locator("article.card").first();
    expect(await newest.locator("details.dev").textContent()).not.toContain(did);
    await context.close();
  });
});

describe("the new views, looked at and audited", () => {
  it("request, claim picker with the not-disclosed line, bound QR, copies card: zh and en, phone and desktop; axe and keyboard", async () => {
    const findings: string[] = [];
    for (const [size, first] of [
      ["phone", "zh-CN"],
      ["desktop", "en"],
    ] as const) {
      // The desktop shots at 1280×800, a laptop's screen.
      const { context, page } = await openWallet(
        size,
        first,
        size === "desktop" ? { viewport: { width: 1280, height: 800 } } : {},
      );
      await receive(page, { type: "HealthCode", claims: HEALTH, format: "sd_jwt_vc" });
      await receive(page, { type: "HealthCode", claims: HEALTH }, 3);
      for (const lang of first === "zh-CN" ? (["zh-CN", "en"] as const) : (["en", "zh-CN"] as const)) {
        const tag = `${lang === "en" ? "en" : "zh"}-${size}`;
        if ((await page.getAttribute("html", "lang")) !== lang) await page.click("#lang");
        await keep(page, `wallet-${tag}-cards-copies`);
        const cardFindings = await audit(page, lang);
        if (cardFindings.length) findings.push(`cards ${tag}:\n${describeFindings(cardFindings)}`);

        await paste(page, (await challenge(["healthStatus"])).text);
        await page.waitForSelector("#request:not([hidden])");
        await keep(page, `wallet-${tag}-request`);
        const requestFindings = await audit(page, lang);
        if (requestFindings.length) findings.push(`request ${tag}:\n${describeFindings(requestFindings)}`);
        await page.click("#request-agree");
        await page.waitForSelector("#qr svg");
        await keep(page, `wallet-${tag}-bound-qr`, false);
        const boundFindings = await audit(page, lang, { keyboard: false });
        if (boundFindings.length) findings.push(`bound QR ${tag}:\n${describeFindings(boundFindings)}`);
        await page.click("#qr-close");

        // The static picker of the SD-JWT VC starts with what the type needs (the health status);
        // the holder ticks the given name, and the "not shown" line names what is left.
        await page.locator("article.card:not(:has(.copies))").locator("button.show-qr").click();
        await page.waitForSelector("#qr svg");
        await page.click("#qr-claims input[name=givenName]");
        await expect
          .poll(() => page.textContent("#qr-withheld"))
          .toBe(lang === "en" ? "Not shown: Family name" : "不出示：姓");
        await keep(page, `wallet-${tag}-claim-picker`, false);
        const pickerFindings = await audit(page, lang, { keyboard: false });
        if (pickerFindings.length) findings.push(`picker ${tag}:\n${describeFindings(pickerFindings)}`);
        await page.click("#qr-close");
      }
      await context.close();
    }
    expect(findings.join("\n\n")).toBe("");
  }, 600_000);

  it("no page raised an uncaught error", () => {
    expect(errors).toEqual([]);
  });
});
