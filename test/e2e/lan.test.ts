/**
 * Issue 26 major 7: LAN mode, on loopback addresses only (127.0.0.2 stands for the machine's LAN
 * address). The whole system with `lan: "127.0.0.2"`: the CA certificate is served over plain
 * http on that address; a client that trusts that CA alone (node:https with `ca`) reaches the
 * wallet over https and the certificate names the address; Chromium (the server key's SPKI
 * allowed: the test profile has no NSS tools to import a CA) opens the wallet there as a secure
 * context, receives an offer whose issuer is the https front, and the CN-SH checkpoint page syncs
 * over https. The chain never listens on the LAN address; without `lan`, nothing does.
 */
import { readFileSync } from "node:fs";
import { get } from "node:https";
import { connect } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSystem } from "../../scripts/system.ts";
import { launchChromium, newContext, ready, shot, watchErrors } from "../helpers/browser.ts";
import { startTestSystem } from "../helpers/system.ts";

const LAN = "127.0.0.2";
let system: RunningSystem;
let browser: Browser;
const errors: string[] = [];

const portOpen = (port: number, host: string): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, host);
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });

/** GET over https trusting only `ca`: fails unless the chain leads to it and the certificate names the host. */
const httpsGet = (url: string, ca: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });

beforeAll(async () => {
  system = await startTestSystem({ lan: LAN });
  browser = await launchChromium([`--ignore-certificate-errors-spki-list=${system.lan!.spki}`]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe("LAN mode (issue 26 major 7)", () => {
  it("the CA over http, the services over https on the address that trust it; the chain stays on 127.0.0.1", async () => {
    const lan = system.lan!;
    const ca = await (await fetch(lan.caUrl)).text();
    expect(ca).toBe(readFileSync(lan.caFile, "utf8"));
    expect(ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const config = await httpsGet(`${lan.wallet}/config.json`, ca);
    expect(config.status).toBe(200);
    expect((JSON.parse(config.body) as { bundleUrl: string }).bundleUrl).toBe(`${lan.checkpoints["CN-ZJ"]}/bundle`);
    // Without the CA, the same request is refused: it is the CA that is trusted, nothing looser.
    await expect(httpsGet(`${lan.wallet}/config.json`, "")).rejects.toThrow();
    expect(await portOpen(Number(new URL(system.rpc).port), LAN)).toBe(false);
  });

  it("Chromium: the wallet on the LAN address is a secure context, receives an offer from the https issuer; the checkpoint page syncs", async () => {
    const lan = system.lan!;
    const zj = system.agencies[0]!;
    const context = await newContext(browser, "phone", "zh-CN");
    const wallet = watchErrors(await context.newPage(), errors, "lan-wallet");
    await wallet.goto(`${lan.wallet}/`);
    await ready(wallet);
    expect(await wallet.evaluate(() => window.isSecureContext)).toBe(true);
    const res = await fetch(`${zj.url}/offers`, {
      method: "POST",
      headers: { authorization: `Bearer ${zj.token}`, "content-type": "application/json" },
      body: JSON.stringify({
        type: "HealthCode",
        claims: { healthStatus: "green", givenName: "梅", familyName: "李" },
      }),
    });
    const { offerUri } = (await res.json()) as { offerUri: string };
    expect(decodeURIComponent(offerUri)).toContain(`https://${LAN}:`);
    await wallet.evaluate((uri) => (location.hash = `offer=${encodeURIComponent(uri)}`), offerUri);
    await wallet.waitForSelector("#receive-result[data-outcome=received]", { timeout: 60_000 });
    await expect
      .poll(() => wallet.locator("article.card").getAttribute("data-status"), { timeout: 30_000 })
      .toBe("valid");
    // The holder's name as one name, family name first (issue 26 major 5).
    expect(await wallet.textContent("article.card [data-claim=name]")).toBe("李梅");
    await shot(wallet, "lan-wallet-zh-phone");

    const page = watchErrors(await context.newPage(), errors, "lan-checkpoint");
    await page.goto(`${lan.checkpoints["CN-SH"]}/`);
    await ready(page);
    expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
    expect(await page.getAttribute("#network", "data-outcome")).toBe("synced");
    await shot(page, "lan-checkpoint-zh-phone");
    await context.close();
    expect(errors).toEqual([]);
  });
});
