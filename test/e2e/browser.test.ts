/**
 * The two web pages in real Chromium (playwright-core over the system's /usr/bin/chromium):
 * receive a credential in the web wallet from an offer link, render its QR, decode the QR
 * image, verify it on the CN-SH checkpoint page with the browser offline → ACCEPT; the agency
 * revokes, the page re-syncs → REJECT. Screenshots go to test-output/screenshots/.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import type { RunningSystem } from "../../scripts/system.ts";
import { readQrPng } from "../../wallet/qr-file.ts";
import { ROOT } from "../helpers/processes.ts";
import { startTestSystem } from "../helpers/system.ts";

const CHROMIUM = process.env.LAISSEZ_CHROMIUM ?? "/usr/bin/chromium";
const SHOTS = join(ROOT, "test-output", "screenshots");

let system: RunningSystem;
let browser: Browser;
let context: BrowserContext;

async function api(url: string, token: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: body ? "POST" : "GET", headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as Record<string, unknown>;
}

async function ready(page: Page): Promise<void> {
  await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set LAISSEZ_CHROMIUM)`);
  mkdirSync(SHOTS, { recursive: true });
  system = await startTestSystem();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  context = await browser.newContext({ viewport: { width: 480, height: 1000 } });
});

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe("web wallet and checkpoint page in Chromium", () => {
  it("receive → QR → verify offline (accept) → revoke → re-sync → reject", async () => {
    const zj = system.agencies[0]!;
    const errors: string[] = [];

    // The agency offers a health code; the citizen opens the offer link in the web wallet.
    const offer = await api(`${zj.url}/offers`, zj.token, { type: "HealthCode", claims: { healthStatus: "green", givenName: "Mei", familyName: "Li" } });
    const wallet = await context.newPage();
    wallet.on("pageerror", (e) => errors.push(`wallet: ${e.message}`));
    await wallet.goto(`${system.wallet}/#offer=${encodeURIComponent(offer.offerUri as string)}`);
    await ready(wallet);
    expect(await wallet.textContent("#receive-result")).toMatch(/^Received: HealthCode from Zhejiang Provincial Health Commission/);
    const card = wallet.locator("article.card");
    await expect.poll(() => card.getAttribute("data-status")).toBe("Valid");
    expect(await card.textContent()).toContain("CN-ZJ");
    const credentialId = (await card.getAttribute("data-id")) as string;
    // The holder key never leaves the browser: it is a non-extractable WebCrypto key in IndexedDB.
    const extractable = await wallet.evaluate(
      () =>
        new Promise<boolean>((resolve, reject) => {
          const open = indexedDB.open("laissez-wallet");
          open.onsuccess = () => {
            const get = open.result.transaction("keys").objectStore("keys").get("holder");
            get.onsuccess = () => resolve((get.result as CryptoKeyPair).privateKey.extractable);
            get.onerror = () => reject(get.error);
          };
        }),
    );
    expect(extractable).toBe(false);
    await wallet.screenshot({ path: join(SHOTS, "wallet-card.png"), fullPage: true });

    // Show the QR; take its image as a camera would, and decode it.
    await wallet.click("button.show-qr");
    await wallet.waitForSelector("#qr svg");
    // The static QR names the region it is for: the holder picks CN-SH's checkpoints.
    await wallet.selectOption("#qr-region", "CN-SH");
    await wallet.waitForFunction(() => document.querySelector("#qr-meta")?.textContent?.includes("for CN-SH"));
    const version = Number(await wallet.getAttribute("#qr", "data-version"));
    expect(version).toBeLessThanOrEqual(20);
    const qrImage = await wallet.locator("#qr svg").screenshot();
    writeFileSync(join(SHOTS, "wallet-qr-only.png"), qrImage);
    await wallet.screenshot({ path: join(SHOTS, "wallet-qr.png"), fullPage: true });
    const qrText = readQrPng(qrImage);
    expect(qrText).toMatch(/^LZ1:/);

    // The CN-SH checkpoint page syncs online; the service worker then holds the page and the bundle.
    const checkpoint = await context.newPage();
    checkpoint.on("pageerror", (e) => errors.push(`checkpoint: ${e.message}`));
    await checkpoint.goto(`${system.checkpoints["CN-SH"]}/`);
    await ready(checkpoint);
    await checkpoint.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await checkpoint.reload();
    await ready(checkpoint);
    expect(await checkpoint.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    expect(await checkpoint.textContent("#bundle-status")).toMatch(/^Revocation data: block \d+/);

    // Offline: the page still opens (service worker) and verifies the QR image → ACCEPT.
    await context.setOffline(true);
    await checkpoint.reload();
    await ready(checkpoint);
    expect(await checkpoint.evaluate(() => navigator.onLine)).toBe(false);
    await checkpoint.setInputFiles("#image", { name: "qr.png", mimeType: "image/png", buffer: qrImage });
    await checkpoint.waitForSelector("#verdict[data-verdict=accept]");
    expect(await checkpoint.textContent("#verdict-word")).toBe("ACCEPT");
    expect(await checkpoint.textContent("#verdict-facts")).toContain("Zhejiang Provincial Health Commission (CN-ZJ)");
    expect(await checkpoint.textContent("#verdict-facts")).toMatch(/Revocation data.*old/);
    await checkpoint.screenshot({ path: join(SHOTS, "checkpoint-accept-offline.png"), fullPage: true });

    // The agency revokes; once anchored, the checkpoint service's bundle carries it.
    await api(`${zj.url}/credentials/status`, zj.token, { action: "revoke", ids: [credentialId] });
    let anchoredBlock = 0;
    await expect
      .poll(async () => {
        const record = await api(`${zj.url}/credentials/${encodeURIComponent(credentialId)}`, zj.token);
        anchoredBlock = ((record.requests as { block: number | null }[])[0]?.block ?? 0) as number;
        return anchoredBlock;
      }, { timeout: 20_000 })
      .toBeGreaterThan(0);
    await expect.poll(async () => ((await (await fetch(`${system.checkpoints["CN-SH"]}/health`)).json()) as { bundle: { block: number } }).bundle.block, { timeout: 20_000 }).toBeGreaterThanOrEqual(anchoredBlock);

    // Still offline, the page cannot know: it accepts with its old bundle.
    await checkpoint.click("#sync");
    await expect.poll(() => checkpoint.textContent("#network")).toMatch(/Offline|Sync failed/);
    await checkpoint.setInputFiles("#image", { name: "qr.png", mimeType: "image/png", buffer: qrImage });
    await checkpoint.waitForSelector("#verdict[data-verdict=accept]");

    // Back online, it re-syncs, and the same QR is now refused.
    await context.setOffline(false);
    await checkpoint.click("#sync");
    await expect.poll(() => checkpoint.textContent("#network")).toMatch(/^Synced at/);
    await checkpoint.fill("#paste", "");
    await checkpoint.setInputFiles("#image", []);
    await checkpoint.setInputFiles("#image", { name: "qr.png", mimeType: "image/png", buffer: qrImage });
    await checkpoint.waitForSelector("#verdict[data-verdict=reject]");
    expect(await checkpoint.getAttribute("#verdict", "data-reason")).toBe("revoked");
    expect(await checkpoint.textContent("#verdict-reason")).toBe("The issuing agency has revoked this credential.");
    await checkpoint.screenshot({ path: join(SHOTS, "checkpoint-reject-revoked.png"), fullPage: true });

    // The wallet's card says so after its own sync.
    await wallet.click("#qr-close");
    // The wallet syncs from CN-ZJ's checkpoint, whose own sync loop may not have reached the revocation yet: sync until it has.
    await expect.poll(async () => (await wallet.click("#sync"), card.getAttribute("data-status")), { timeout: 60_000, interval: 2_000 }).toBe("Revoked");
    await wallet.screenshot({ path: join(SHOTS, "wallet-card-revoked.png"), fullPage: true });

    expect(errors).toEqual([]);
  });
});
