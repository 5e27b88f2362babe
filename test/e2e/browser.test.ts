/**
 * The web pages in real Chromium, at phone (390×844) and desktop sizes, in Chinese and
 * English, with screenshots in test-output/screenshots/ (look at them):
 * the wallet receives an offer link while already open, shows the card in the citizen's
 * words and the full-screen QR (read back from the screenshot); the CN-SH checkpoint page
 * verifies it offline (ACCEPT), and after revocation and a sync the same file again (REJECT,
 * with type, issuer and region); the fake camera path; the pinned trust anchor against a
 * substituted checkpoint.json and forged bundles; the open registry page.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { Wallet } from "ethers";
import { signEnvelope, type SerializedBundle, type SignedEnvelope } from "../../core/bundle-codec.ts";
import { hexToBytes } from "../../core/encoding.ts";
import { softwareSigner } from "../../core/signer.ts";
import { encodeStatusList } from "../../core/status-list.ts";
import type { RunningSystem } from "../../scripts/system.ts";
import { demoAuthorityKey } from "../../scripts/demo/consortium.ts";
import { readQrPng } from "../../scripts/qr-file.ts";
import { printPaperCredential } from "../../scripts/paper.ts";
import { audit, describeFindings } from "../helpers/a11y.ts";
import {
  launchChromium,
  newContext,
  ready,
  shot,
  stillVideoY4m,
  watchErrors,
  type Locale,
} from "../helpers/browser.ts";
import { startTestSystem } from "../helpers/system.ts";

let system: RunningSystem;
let browser: Browser;
const errors: string[] = [];
/** The wallet's QR image and its credential id, shared by the tests that follow the wallet's. */
let qrImage: Buffer;
let credentialId: string;

async function api(url: string, token: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: body ? "POST" : "GET",
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as Record<string, unknown>;
}

async function revokeAndWaitForBundle(id: string): Promise<void> {
  const zj = system.agencies[0]!;
  await api(`${zj.url}/credentials/status`, zj.token, { action: "revoke", ids: [id] });
  let anchored = 0;
  await expect
    .poll(
      async () =>
        (anchored =
          (
            (await api(`${zj.url}/credentials/${encodeURIComponent(id)}`, zj.token)).requests as {
              block: number | null;
            }[]
          )[0]?.block ?? 0),
      { timeout: 20_000 },
    )
    .toBeGreaterThan(0);
  await expect
    .poll(
      async () =>
        ((await (await fetch(`${system.checkpoints["CN-SH"]}/health`)).json()) as { bundle: { block: number } }).bundle
          .block,
      { timeout: 20_000 },
    )
    .toBeGreaterThanOrEqual(anchored);
}

async function pickQr(page: Page, image: Buffer): Promise<void> {
  const before = Number((await page.getAttribute("#verdict", "data-scan")) ?? "0");
  await page.setInputFiles("#image", { name: "qr.png", mimeType: "image/png", buffer: image });
  // jsQR in the page takes seconds on a loaded machine.
  await expect
    .poll(async () => Number((await page.getAttribute("#verdict", "data-scan")) ?? "0"), { timeout: 60_000 })
    .toBe(before + 1);
}

// The whole system starts here (chain, six issuers, three checkpoints): minutes on a loaded machine.
beforeAll(async () => {
  system = await startTestSystem();
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe("web wallet and checkpoint page in Chromium", () => {
  it("wallet (zh-CN phone): an offer link while open, the card in the citizen's words, full-screen QR read back from the screenshot", async () => {
    const zj = system.agencies[0]!;
    const context = await newContext(browser, "phone", "zh-CN");
    const wallet = watchErrors(await context.newPage(), errors, "wallet");
    await wallet.goto(`${system.wallet}/`);
    await ready(wallet);
    expect(await wallet.getAttribute("html", "lang")).toBe("zh-CN");
    expect(await wallet.textContent("h1")).toBe("我的证件");
    await shot(wallet, "wallet-zh-phone-empty");

    // The citizen opens the agency's link while the wallet is already open: hashchange receives it.
    const offer = await api(`${zj.url}/offers`, zj.token, {
      type: "HealthCode",
      claims: { healthStatus: "green", givenName: "Mei", familyName: "Li" },
    });
    await wallet.evaluate((uri) => (location.hash = `offer=${encodeURIComponent(uri)}`), offer.offerUri as string);
    await wallet.waitForSelector("#receive-result[data-outcome=received]");
    expect(await wallet.textContent("#receive-result")).toBe("已领取：浙江省卫生健康委员会签发的健康码。");
    const card = wallet.locator("article.card");
    await expect.poll(() => card.getAttribute("data-status")).toBe("valid");
    const text = (await card.textContent()) ?? "";
    for (const words of ["健康码", "有效", "绿码", "健康状态", "Mei", "浙江 (CN-ZJ)", "有效期至", "年"])
      expect(text).toContain(words);
    // Developer details are folded away.
    expect(await wallet.locator("article.card details.dev").getAttribute("open")).toBeNull();
    expect(await wallet.locator("article.card details.dev dd").first().isVisible()).toBe(false);
    credentialId = (await card.getAttribute("data-id")) as string;
    await shot(wallet, "wallet-zh-phone-card");

    // Hide toggle: the claims go, and the choice is remembered.
    await wallet.click("button.toggle-claims");
    expect(await wallet.locator("[data-claim=healthStatus]").count()).toBe(0);
    await wallet.reload();
    await ready(wallet);
    expect(await wallet.locator("[data-claim=healthStatus]").count()).toBe(0);
    await wallet.click("button.toggle-claims");
    await wallet.waitForSelector("[data-claim=healthStatus]");

    // The QR full screen: inside the viewport with its quiet zone, framed green, with a countdown.
    await wallet.click("button.show-qr");
    await wallet.waitForSelector("#qr svg");
    // A static QR names the region it is for: the credential's own region (CN-ZJ) until the
    // holder picks another, here CN-SH (remembered for next time).
    expect(await wallet.inputValue("#qr-region")).toBe("CN-ZJ");
    await wallet.selectOption("#qr-region", "CN-SH");
    await expect.poll(() => wallet.textContent("#qr-meta")).toMatch(/^用于上海 \(CN-SH\)/);
    expect(await wallet.getAttribute("#qr-frame", "data-health")).toBe("green");
    expect(await wallet.textContent("#qr-countdown")).toMatch(/^[12]:\d\d后更新二维码$/);
    const box = (await wallet.locator("#qr svg").boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(box.y + box.height).toBeLessThanOrEqual(844);
    expect(box.width).toBeGreaterThan(300);
    expect(Number(await wallet.getAttribute("#qr", "data-version"))).toBeLessThanOrEqual(20);
    const fullScreen = await shot(wallet, "wallet-zh-phone-qr", false);
    const read = readQrPng(fullScreen);
    expect(read).toMatch(/^LZ1:/);
    qrImage = await wallet.locator("#qr svg").screenshot();

    // Save as image: a PNG download that holds the same kind of QR.
    const [download] = await Promise.all([wallet.waitForEvent("download"), wallet.click("#qr-save")]);
    expect(download.suggestedFilename()).toBe("HealthCode-qr.png");
    const saved = await download.createReadStream().then(async (s) => Buffer.concat(await s.toArray()));
    expect(readQrPng(saved)).toMatch(/^LZ1:/);

    // Escape closes the QR and gives focus back to the card's button; English, remembered.
    await wallet.keyboard.press("Escape");
    expect(await wallet.locator("#qr-view").isHidden()).toBe(true);
    expect(await wallet.evaluate(() => document.activeElement?.className)).toBe("show-qr");
    await wallet.click("#lang");
    await wallet.click("button.show-qr");
    await wallet.waitForSelector("#qr svg");
    expect(await wallet.textContent("#qr-title")).toBe("Health code");
    expect(await wallet.textContent("#qr-countdown")).toMatch(/^New code in [12]:\d\d$/);
    await shot(wallet, "wallet-en-phone-qr", false);
    await wallet.click("#qr-close");
    await wallet.reload();
    await ready(wallet);
    expect(await wallet.textContent("h1")).toBe("My credentials");
    expect(await card.textContent()).toContain("Valid until");
    await shot(wallet, "wallet-en-phone-card");

    // Installable and offline: the manifest and icons are served; with no network the wallet still opens.
    const manifest = (await (await fetch(`${system.wallet}/manifest.webmanifest`)).json()) as {
      icons: { src: string }[];
    };
    for (const icon of manifest.icons)
      expect((await fetch(`${system.wallet}/${icon.src}`)).headers.get("content-type")).toBe("image/png");
    await wallet.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await wallet.reload();
    await ready(wallet);
    await context.setOffline(true);
    await wallet.reload();
    await ready(wallet);
    await expect.poll(() => card.getAttribute("data-status")).toBe("valid");
    await context.close();
  });

  it("checkpoint (CN-SH): offline ACCEPT, then after revocation the same file again → REJECT with type, issuer and region; shift history", async () => {
    const context = await newContext(browser, "phone", "zh-CN");
    const page = watchErrors(await context.newPage(), errors, "checkpoint");
    await page.goto(`${system.checkpoints["CN-SH"]}/`);
    await ready(page);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await page.reload();
    await ready(page);
    expect(await page.textContent("#title")).toBe("核验点 上海 (CN-SH)");
    expect(await page.getAttribute("#online", "data-state")).toBe("online");
    expect(await page.getAttribute("#bundle-age", "data-level")).toBe("ok");
    await page.click("#history-clear");

    await context.setOffline(true);
    await page.reload();
    await ready(page);
    expect(await page.textContent("#online")).toBe("离线");
    await pickQr(page, qrImage);
    expect(await page.getAttribute("#verdict", "data-verdict")).toBe("accept");
    expect(await page.textContent("#verdict-word")).toBe("通过");
    expect(await page.textContent("[data-fact=type]")).toBe("健康码");
    expect(await page.textContent("[data-fact=issuer]")).toBe("浙江省卫生健康委员会");
    expect(await page.textContent("[data-claim=healthStatus]")).toBe("绿码");
    await shot(page, "checkpoint-zh-phone-accept-offline");

    // Still offline after the revocation: the page cannot know, and says how old its data is.
    await revokeAndWaitForBundle(credentialId);
    await page.click("#sync");
    await expect.poll(() => page.getAttribute("#network", "data-outcome")).toMatch(/cache|failed/);
    await pickQr(page, qrImage);
    expect(await page.getAttribute("#verdict", "data-verdict")).toBe("accept");

    // Back online: the same file, picked again, is verified afresh against the new data.
    await context.setOffline(false);
    // Synced again until it takes, as an officer would: the development chain mines a block per
    // transaction, and a burst of them (revocation and audit anchors) can briefly outrun the
    // seconds since the page's last block, which the page refuses as implausible (core/anchor.ts).
    await expect
      .poll(
        async () => {
          await page.click("#sync");
          return page.getAttribute("#network", "data-outcome");
        },
        { timeout: 30_000, interval: 2_000 },
      )
      .toBe("synced");
    await pickQr(page, qrImage);
    expect(await page.getAttribute("#verdict", "data-verdict")).toBe("reject");
    expect(await page.getAttribute("#verdict", "data-reason")).toBe("revoked");
    expect(await page.textContent("#verdict-word")).toBe("不通过");
    expect(await page.textContent("#verdict-reason")).toBe("发证机关已撤销此证件。");
    expect(await page.textContent("[data-fact=type]")).toBe("健康码");
    expect(await page.textContent("[data-fact=region]")).toBe("浙江 (CN-ZJ)");
    await shot(page, "checkpoint-zh-phone-reject-revoked");

    // The shift history: verdict and type only, nothing about the person; cleared on demand.
    const history = (await page.textContent("#history")) ?? "";
    expect(await page.locator("#history li").count()).toBe(3);
    expect(history).not.toMatch(/Mei|Li|did:|urn:/);
    expect(await page.evaluate(() => localStorage.getItem("laissez.checkpoint.shift"))).not.toMatch(/Mei|did:|urn:/);

    await page.click("#lang");
    expect(await page.textContent("#verdict-word")).toBe("REJECT");
    expect(await page.textContent("#verdict-reason")).toBe("The issuing agency has revoked this credential.");
    expect(await page.textContent("[data-fact=issuer]")).toBe("Zhejiang Provincial Health Commission");
    await shot(page, "checkpoint-en-phone-reject-revoked");
    await page.click("#history-clear");
    expect(await page.locator("#history li").count()).toBe(0);

    // A REJECT that stops before the issuer is known still names what the credential states.
    await page.fill("#paste", "LZ1:NOT-A-REAL-CODE");
    await page.click("#verify");
    await page.waitForSelector("#verdict[data-reason=compact_malformed]");
    expect(await page.textContent("[data-fact=type]")).toBe("not readable");
    await context.close();
  });

  it("checkpoint (desktop, English): the camera path with Chromium's fake camera showing the QR", async () => {
    const video = stillVideoY4m(qrImage, join(mkdtempSync(join(tmpdir(), "laissez-cam-")), "qr.y4m"));
    const camBrowser = await launchChromium([
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-video-capture=${video}`,
    ]);
    try {
      const context = await newContext(camBrowser, "desktop", "en", { permissions: ["camera"] });
      const page = watchErrors(await context.newPage(), errors, "camera");
      await page.goto(`${system.checkpoints["CN-SH"]}/`);
      await ready(page);
      expect(await page.textContent("#camera")).toBe("Scan with the camera");
      await page.click("#camera");
      await page.waitForSelector("#verdict[data-verdict=reject]", { timeout: 30_000 });
      expect(await page.getAttribute("#verdict", "data-reason")).toBe("revoked");
      expect(await page.textContent("#verdict-word")).toBe("REJECT");
      await shot(page, "checkpoint-en-desktop-camera-reject");
      await context.close();
    } finally {
      await camBrowser.close();
    }
  });

  it("the pinned anchor: a substituted checkpoint.json with an attacker's bundle (block MAX_SAFE_INTEGER, bits cleared) is refused and the page is not bricked", async () => {
    const base = system.checkpoints["CN-SH"]!;
    // Routes only see the page's own requests when no service worker answers them.
    const context = await newContext(browser, "desktop", "en", { serviceWorkers: "block" });
    const page = watchErrors(await context.newPage(), errors, "anchor");
    await page.goto(`${base}/`);
    await ready(page);
    expect(await page.textContent("#anchor-pinned")).toContain(demoAuthorityKey("CN-SH").address.toLowerCase());

    const genuine = (await (await fetch(`${base}/bundle`)).json()) as SignedEnvelope<SerializedBundle>;
    const cleared = Object.fromEntries(
      Object.entries(genuine.payload.statusLists).map(([id, l]) => [
        id,
        { ...l, encodedList: encodeStatusList(new Uint8Array(l.size / 8)) },
      ]),
    );
    const forged = {
      ...genuine.payload,
      block: { ...genuine.payload.block, number: Number.MAX_SAFE_INTEGER },
      statusLists: cleared,
    };
    const attacker = Wallet.createRandom();
    const attackerBundle = JSON.stringify(
      await signEnvelope(forged, softwareSigner("ES256K", hexToBytes(attacker.privateKey, "key")), genuine.scope),
    );
    const info = (await (await fetch(`${base}/checkpoint.json`)).json()) as Record<string, unknown>;
    await page.route(`${base}/checkpoint.json`, (r) =>
      r.fulfill({ json: { ...info, authority: attacker.address.toLowerCase() } }),
    );
    await page.route(`${base}/bundle`, (r) => r.fulfill({ body: attackerBundle, contentType: "application/json" }));
    await page.reload();
    await ready(page);
    expect(await page.getAttribute("#network", "data-outcome")).toBe("failed");
    expect(await page.textContent("#network")).toContain("not this checkpoint's region authority");
    expect(await page.isVisible("#anchor-changed")).toBe(true);
    await pickQr(page, qrImage);
    expect(await page.getAttribute("#verdict", "data-reason")).toBe("revoked");
    await shot(page, "checkpoint-en-desktop-anchor-attack-refused");

    // Even the genuine authority's signature cannot make an implausible block stick.
    const implausible = JSON.stringify(
      await signEnvelope(
        forged,
        softwareSigner("ES256K", hexToBytes(demoAuthorityKey("CN-SH").privateKey, "key")),
        genuine.scope,
      ),
    );
    await page.unroute(`${base}/bundle`);
    await page.route(`${base}/bundle`, (r) => r.fulfill({ body: implausible, contentType: "application/json" }));
    await page.click("#sync");
    await expect.poll(() => page.textContent("#network")).toContain("cannot exist at chain time");
    await page.unroute(`${base}/checkpoint.json`);
    await page.unroute(`${base}/bundle`);
    await page.reload();
    await ready(page);
    expect(await page.getAttribute("#network", "data-outcome")).toBe("synced");
    expect(await page.isVisible("#anchor-changed")).toBe(false);
    await pickQr(page, qrImage);
    expect(await page.getAttribute("#verdict", "data-reason")).toBe("revoked");
    await context.close();
  });

  it("the open registry page, in both languages, from the signed bundle", async () => {
    for (const [locale, size] of [
      ["zh-CN", "phone"],
      ["en", "desktop"],
    ] as const) {
      const context = await newContext(browser, size, locale);
      const page = watchErrors(await context.newPage(), errors, "registry");
      await page.goto(`${system.checkpoints["CN-SH"]}/registry.html`);
      await ready(page);
      await page.waitForSelector("table[data-table=counts]");
      const text = (await page.textContent("main")) ?? "";
      if (locale === "zh-CN")
        for (const w of ["浙江省卫生健康委员会", "健康码", "内蒙古 (CN-NM)", "1小时"]) expect(text).toContain(w);
      else
        for (const w of ["Zhejiang Provincial Health Commission", "Health code", "Inner Mongolia (CN-NM)", "1 hour"])
          expect(text).toContain(w);
      const zjHealth = page.locator("table[data-table=counts] tr", {
        hasText: locale === "en" ? "Zhejiang Provincial Health" : "浙江省卫生健康委员会",
      });
      expect(await zjHealth.locator("td").nth(0).textContent()).toBe("1"); // the agency heads the row (th), then revoked
      expect(text).not.toMatch(/Mei|urn:uuid|did:key/);
      await shot(page, `registry-${locale === "en" ? "en" : "zh"}-${size}`);
      await context.close();
    }
  });

  it("accessibility: every page in both languages at phone and desktop size — axe-core (WCAG A/AA), keyboard, focus, lang, reduced motion; the QR dialog traps focus; the paper print page", async () => {
    const zj = system.agencies[0]!;
    const findings: string[] = [];
    const check = async (page: Page, lang: Locale, where: string, o: { keyboard?: boolean } = {}): Promise<void> => {
      const found = await audit(page, lang, o);
      if (found.length) findings.push(`${where}:\n${describeFindings(found)}`);
    };
    for (const [lang, size] of [
      ["zh-CN", "phone"],
      ["en", "desktop"],
      ["en", "phone"],
      ["zh-CN", "desktop"],
    ] as const) {
      const tag = `${lang === "en" ? "en" : "zh"}-${size}`;
      const context = await newContext(browser, size, lang);
      const wallet = watchErrors(await context.newPage(), errors, "a11y-wallet");
      await wallet.goto(`${system.wallet}/`);
      await ready(wallet);
      const offer = await api(`${zj.url}/offers`, zj.token, {
        type: "HealthCode",
        claims: { healthStatus: "yellow", givenName: "Wei", familyName: "Zhang" },
      });
      await wallet.evaluate((uri) => (location.hash = `offer=${encodeURIComponent(uri)}`), offer.offerUri as string);
      await wallet.waitForSelector("#receive-result[data-outcome=received]");
      await check(wallet, lang, `wallet ${tag}`);
      await shot(wallet, `a11y-wallet-${tag}`);
      // The QR dialog: focus moves in, Tab stays in it, Escape returns it.
      await wallet.click("button.show-qr");
      await wallet.waitForSelector("#qr svg");
      await check(wallet, lang, `wallet QR dialog ${tag}`, { keyboard: false });
      for (let i = 0; i < 8; i++) {
        await wallet.keyboard.press(i % 3 === 2 ? "Shift+Tab" : "Tab");
        if (!(await wallet.evaluate(() => document.activeElement?.closest("#qr-view") !== null)))
          findings.push(`wallet QR dialog ${tag}: focus left the dialog after ${i + 1} Tab presses`);
      }
      await wallet.keyboard.press("Escape");
      await context.close();

      const cpContext = await newContext(browser, size, lang);
      const checkpoint = watchErrors(await cpContext.newPage(), errors, "a11y-checkpoint");
      await checkpoint.goto(`${system.checkpoints["CN-SH"]}/`);
      await ready(checkpoint);
      await check(checkpoint, lang, `checkpoint idle ${tag}`);
      await checkpoint.fill("#paste", "LZ1:NOT-A-REAL-CODE");
      await checkpoint.click("#verify");
      await checkpoint.waitForSelector("#verdict[data-reason=compact_malformed]");
      await check(checkpoint, lang, `checkpoint verdict ${tag}`);
      await shot(checkpoint, `a11y-checkpoint-${tag}`);
      await checkpoint.goto(`${system.checkpoints["CN-SH"]}/registry.html`);
      await ready(checkpoint);
      await checkpoint.waitForSelector("table[data-table=counts]");
      await check(checkpoint, lang, `registry ${tag}`);
      await cpContext.close();
    }

    // The paper credential's page, on screen and as printed (A5).
    const printed = await printPaperCredential({
      issuerUrl: zj.url,
      token: zj.token,
      agency: { name: zj.name, region: zj.region },
      type: "HealthCode",
      claims: { healthStatus: "green", givenName: "Mei", familyName: "Li", birthDate: "1990-04-12" },
    });
    const paperContext = await newContext(browser, "desktop", "zh-CN");
    const paper = await paperContext.newPage();
    await paper.setContent(printed.html);
    await check(paper, "zh-CN", "paper page");
    await paper.emulateMedia({ media: "print" });
    await paper.setViewportSize({ width: 559, height: 794 });
    const sheet = await shot(paper, "paper-print-a5");
    expect(readQrPng(sheet)).toBe(printed.qrText);
    await paperContext.close();
    expect(findings.join("\n\n")).toBe("");
  }, 600_000); // sixteen page loads and audits: minutes on a loaded machine

  it("no page raised an uncaught error", () => {
    expect(errors).toEqual([]);
  });
});
