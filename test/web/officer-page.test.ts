/**
 * Issue 22 item 12: text that comes from the chain or from a credential is shown isolated
 * (`<bdi>`) with its control characters made visible, never obeyed. An agency registered on a
 * real (in-process) chain with a right-to-left override in its name issues a genuine health
 * code through the issuer service; a forged credential states a type with an override in it;
 * both are scanned on the real checkpoint page (built, served with its CSP) in Chromium, and the
 * registry page lists the agency. What the officer sees must hold no bidi or other control
 * character, show where one was (U+202E), and keep the text in an isolate so it cannot reorder
 * the sentence around it.
 *
 * And what else the officer meets on that page (issue 26 minors): random text is "not a Laissez
 * QR"; a QR made for another region tells the officer what to ask; with stale revocation data
 * an UNKNOWN still names the type, agency and region it read; the network pill stays in sight
 * after the page scrolls to a verdict; the checks list is in the page's language; no sideways
 * scroll at 390 px, and the open registry is no 6,600-px page of one-character columns.
 */
import { mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { getBytes } from "ethers";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nobleVerifier } from "../../core/crypto.ts";
import { es256kIssuerKey } from "../../core/credential.ts";
import { issueCredential } from "../../core/formats/jwt-vc/credential.ts";
import { ethrDid } from "../../core/did.ts";
import { softwareSigner } from "../../core/signer.ts";
import { createCheckpointApp } from "../../services/checkpoint/app.ts";
import { BundleKeeper } from "../../services/checkpoint/keeper.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import { listen } from "../../services/http/server.ts";
import { webDir } from "../../scripts/build-web.ts";
import { demoSchemas } from "../../scripts/context.ts";
import { demoAuthorityKey, demoSchema } from "../../scripts/demo/consortium.ts";
import { createHolderKey } from "../../wallet/holder.ts";
import { present } from "../../wallet/present.ts";
import { presentationQrText } from "../../wallet/qr.ts";
import { receiveOffer } from "../../wallet/receive.ts";
import { launchChromium, newContext, ready, shot, watchErrors, type Locale, type Size } from "../helpers/browser.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { startIssuerService } from "../helpers/issuer.ts";

/** Bidi embeddings, overrides, isolates and marks; C0/C1 controls; line separators; BOM. */
const CONTROLS =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/u;
const EVIL_AGENCY = "Zhejiang \u202eProvincial Health\u202c Commission\u2066";
const EVIL_TYPE = "HealthCode\u202egpj.exe";

let chain: SeededChain;
let servers: Server[] = [];
let checkpointUrl: string;
let chainNow: number;
let browser: Browser;
const errors: string[] = [];
const holder = createHolderKey();
let genuine: string;
let forged: string;

beforeAll(async () => {
  chain = await seededChain({
    edit: (spec) => ({ ...spec, agencies: spec.agencies.map((a, i) => (i === 0 ? { ...a, name: EVIL_AGENCY } : a)) }),
  });
  expect(chain.agencies[0]!.name).toBe(EVIL_AGENCY);
  chainNow = await chain.networkHelpers.time.latest();
  const issuer = await startIssuerService(chain, 0);
  servers.push(issuer.server);
  const token = (await issuer.store.operators.create("desk", ["issue"])).token;
  const { bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas });
  expect(Object.values(bundle.issuers).map((i) => i.name)).toContain(EVIL_AGENCY);
  const res = await fetch(`${issuer.url}/offers`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      type: "HealthCode",
      claims: { healthStatus: "green", givenName: "Mei", familyName: "Li", birthDate: "1990-04-12" },
      format: "jwt_vc",
    }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const { offerUri } = (await res.json()) as { offerUri: string };
  genuine = (
    await receiveOffer({
      offerUri,
      key: holder,
      fetch,
      now: chainNow,
      verify: { bundle, verifier: nobleVerifier },
      allowHttpLoopback: true,
    })
  ).jwt;
  // A forger's own key, its own did:ethr, a type of its choosing: nothing on chain vouches for it.
  const forgerKey = secp256k1.utils.randomSecretKey();
  const forgerDid = ethrDid(31337, `0x${Buffer.from(secp256k1.getPublicKey(forgerKey, false)).toString("hex")}`);
  forged = await issueCredential({
    key: es256kIssuerKey(forgerDid, `${forgerDid}#controller`, forgerKey),
    holder: holder.did,
    credentialType: EVIL_TYPE,
    claims: { healthStatus: "green", givenName: "Mei", familyName: "Li", birthDate: "1990-04-12" },
    schema: demoSchema("HealthCode"),
    status: { revocation: { listUrl: "urn:x:1", index: 1 }, suspension: { listUrl: "urn:x:2", index: 1 } },
    id: "urn:uuid:00000000-0000-4000-8000-000000000001",
    issuedAt: chainNow - 10,
    validUntil: chainNow + 3600,
  });
  const keeper = new BundleKeeper({
    provider: chain.provider,
    deployment: chain.deployment,
    schemas: demoSchemas,
    signerKey: softwareSigner("ES256K", getBytes(demoAuthorityKey("CN-SH").privateKey)),
    path: join(mkdtempSync(join(tmpdir(), "laissez-cp-bidi-")), "bundle.json"),
    region: "CN-SH",
  });
  await keeper.sync();
  const { app } = createCheckpointApp({
    keeper,
    region: "CN-SH",
    chainId: 31337,
    checkpointId: "checkpoint:CN-SH:bidi",
    verifier: nativeVerifier,
    pageDir: webDir("checkpoint"),
    log: () => {},
  });
  const server = await listen(app, 0, "127.0.0.1");
  servers.push(server);
  checkpointUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  servers = [];
  expect(errors).toEqual([]);
});

async function openPage(size: Size, locale: Locale, path = "/"): Promise<Page> {
  const context = await newContext(browser, size, locale, { serviceWorkers: "block" });
  const page = watchErrors(await context.newPage(), errors, `bidi-${locale}-${size}`);
  await page.clock.install({ time: (chainNow + 5) * 1000 });
  await page.goto(`${checkpointUrl}${path}`);
  await ready(page);
  return page;
}

async function scan(page: Page, text: string): Promise<string | null> {
  const before = Number((await page.getAttribute("#verdict", "data-scan")) ?? "0");
  await page.fill("#paste", text);
  await page.click("#verify");
  await expect.poll(async () => Number((await page.getAttribute("#verdict", "data-scan")) ?? "0")).toBe(before + 1);
  return page.getAttribute("#verdict", "data-verdict");
}

/** Every text node under `selector`: none may hold a control character. */
const texts = (page: Page, selector: string): Promise<string[]> =>
  page.$$eval(selector, (nodes) => {
    const out: string[] = [];
    for (const n of nodes) {
      const walk = document.createTreeWalker(n, NodeFilter.SHOW_TEXT);
      for (let t = walk.nextNode(); t; t = walk.nextNode()) out.push(t.textContent ?? "");
    }
    return out;
  });

describe("text from the chain or a credential on the officer's screen (issue 22 item 12)", () => {
  for (const [size, locale] of [
    ["phone", "zh-CN"],
    ["desktop", "en"],
  ] as const) {
    it(`an agency name with a right-to-left override is isolated, its controls shown, on an ACCEPT (${size}, ${locale})`, async () => {
      const page = await openPage(size, locale);
      expect(
        await scan(page, presentationQrText(await present(genuine, holder, chainNow + 5, { region: "CN-SH" }))),
      ).toBe("accept");
      const issuer = page.locator("#verdict [data-fact=issuer]");
      const shown = (await issuer.textContent()) ?? "";
      expect(shown).not.toMatch(CONTROLS);
      expect(shown).toContain("U+202E");
      expect(shown).toContain("Provincial Health");
      // The name sits in an isolate: it cannot reorder the words around it.
      expect(await issuer.locator("bdi").count()).toBeGreaterThan(0);
      for (const t of await texts(page, "body")) expect(t).not.toMatch(CONTROLS);
      await shot(page, `bidi-agency-${locale}-${size}`);
      await page.context().close();
    });

    it(`a forged credential's stated type with an override is isolated and its controls shown, on a REJECT (${size}, ${locale})`, async () => {
      const page = await openPage(size, locale);
      expect(
        await scan(page, presentationQrText(await present(forged, holder, chainNow + 5, { region: "CN-SH" }))),
      ).not.toBe("accept");
      const type = page.locator("#verdict [data-fact=type]");
      const shown = (await type.textContent()) ?? "";
      expect(shown).not.toMatch(CONTROLS);
      expect(shown).toContain("U+202E");
      expect(await type.locator("bdi").count()).toBeGreaterThan(0);
      // The history and the checks list (core's details may quote the type) too.
      for (const t of await texts(page, "body")) expect(t).not.toMatch(CONTROLS);
      await shot(page, `bidi-type-${locale}-${size}`);
      await page.context().close();
    });
  }

  it("the open registry lists the agency with its controls shown, isolated", async () => {
    const page = await openPage("phone", "zh-CN", "/registry.html");
    await page.waitForSelector("[data-table=agencies]");
    const cells = page.locator("[data-table=agencies] tbody th", { hasText: "U+202E" });
    expect(await cells.count()).toBe(1);
    expect(await cells.locator("bdi").count()).toBe(1);
    for (const t of await texts(page, "body")) expect(t).not.toMatch(CONTROLS);
    await page.context().close();
  });
});

describe("the officer's page (issue 26 minors)", () => {
  const inView = (page: Page, selector: string): Promise<boolean> =>
    page.$eval(selector, (n) => {
      const r = n.getBoundingClientRect();
      return r.width > 0 && r.top >= 0 && r.bottom <= innerHeight;
    });
  const noSidewaysScroll = async (page: Page): Promise<void> =>
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  it("zh-CN phone: random text, another region's QR, the pill in sight, the checks in Chinese, no sideways scroll", async () => {
    const page = await openPage("phone", "zh-CN");
    expect(await scan(page, "hello, this is a shop's wifi password")).toBe("reject");
    expect(await page.getAttribute("#verdict", "data-reason")).toBe("compact_malformed");
    expect(await page.textContent("#verdict-reason")).toContain("不是 Laissez 二维码");
    await noSidewaysScroll(page);

    expect(
      await scan(page, presentationQrText(await present(genuine, holder, chainNow + 5, { region: "CN-NM" }))),
    ).toBe("reject");
    expect(await page.getAttribute("#verdict", "data-reason")).toBe("wrong_audience");
    expect(await page.textContent("#verdict-hint")).toBe("请持证人在钱包中选择 上海 (CN-SH)，再出示新的二维码。");
    expect(await page.isVisible("#verdict-hint")).toBe(true);
    // The network state is in sight on the verdict the page scrolled to.
    expect(await inView(page, "#verdict-online")).toBe(true);
    expect(await page.textContent("#verdict-online")).toBe("在线");
    await page.click("#verdict summary");
    const checks = await page.locator("#verdict-checks li").allTextContents();
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.join("\n")).toMatch(/✗ 出示方式：此出示凭证是为其他核验点或地区生成的。/);
    await noSidewaysScroll(page);
    await shot(page, "officer-wrong-region-zh-CN-phone");
    await page.context().close();
  });

  it("en desktop: stale revocation data — the UNKNOWN still names the type, agency and region it read", async () => {
    const page = await openPage("desktop", "en");
    // Past the health code's hour of revocation data, with no network to sync.
    await page.context().setOffline(true);
    await page.clock.fastForward(2 * 3600 * 1000);
    expect(
      await scan(
        page,
        presentationQrText(await present(genuine, holder, chainNow + 2 * 3600 + 5, { region: "CN-SH" })),
      ),
    ).toBe("unknown");
    expect(await page.textContent("[data-fact=type]")).toContain("Health code");
    expect(await page.textContent("[data-fact=issuer]")).toContain("Provincial Health");
    expect(await page.textContent("[data-fact=region]")).toContain("Zhejiang (CN-ZJ)");
    expect(await page.textContent("#verdict-online")).toBe("Offline");
    expect(await inView(page, "#verdict-online")).toBe(true);
    await shot(page, "officer-stale-unknown-en-desktop");
    await page.context().close();
  });

  it("the open registry on a phone: no sideways scroll, no column one character wide, a page of reasonable length", async () => {
    for (const locale of ["zh-CN", "en"] as const) {
      const page = await openPage("phone", locale, "/registry.html");
      await page.waitForSelector("[data-table=types]");
      await noSidewaysScroll(page);
      // Every cell is at least two characters wide (a schema hash wrapped one character a line made a 6,600-px page).
      const narrowest = await page.$$eval("td, th", (cells) =>
        Math.min(...cells.map((c) => c.getBoundingClientRect().width)),
      );
      expect(narrowest).toBeGreaterThan(24);
      expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThan(4000);
      await shot(page, `officer-registry-${locale}-phone`);
      await page.context().close();
    }
  });
});
