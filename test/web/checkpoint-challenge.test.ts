/**
 * The checkpoint page's own challenges (issue 11), in real Chromium against the real checkpoint
 * service (its built page, signed bundle and CSP) on an in-process chain, with credentials the
 * CN-ZJ issuer service issued and the CLI's wallet code received and presents:
 * the officer's challenge appears as a QR code whose `LZCH1:` text (read from the page and from
 * the code's pixels) names this checkpoint, a fresh 128-bit nonce, 120 s and the claims asked;
 * an SD-JWT VC answering "health status only" is accepted once, showing that claim and how many
 * were not disclosed; the same presentation again is refused (nonce_reused); a static QR and a
 * bare credential cannot answer (wrong_audience, presentation_required); a jwt_vc answers a
 * whole-credential challenge; an expired challenge refuses its answer (the page's clock is moved
 * on by Playwright, no sleeping). Accessibility audit of the new views; screenshots at phone
 * and desktop size in both languages.
 */
import { mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getBytes } from "ethers";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readChallengeText, type Challenge } from "../../core/challenge-text.ts";
import { nobleVerifier } from "../../core/crypto.ts";
import { base64urlDecode } from "../../core/encoding.ts";
import { softwareSigner } from "../../core/signer.ts";
import { compactCredential } from "../../core/formats/jwt-vc/paper.ts";
import { createCheckpointApp } from "../../services/checkpoint/app.ts";
import { BundleKeeper } from "../../services/checkpoint/keeper.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import { listen } from "../../services/http/server.ts";
import { webDir } from "../../scripts/build-web.ts";
import { demoSchemas } from "../../scripts/context.ts";
import { demoAuthorityKey } from "../../scripts/demo/consortium.ts";
import { createHolderKey } from "../../wallet/holder.ts";
import { present, type PresentationTarget } from "../../wallet/present.ts";
import { presentationQrText } from "../../wallet/qr.ts";
import { qrPng, readQrPng } from "../../scripts/qr-file.ts";
import { receiveOffer } from "../../wallet/receive.ts";
import type { StoredCredential } from "../../wallet/store.ts";
import { audit, describeFindings } from "../helpers/a11y.ts";
import { launchChromium, newContext, ready, shot, watchErrors, type Locale, type Size } from "../helpers/browser.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { startIssuerService } from "../helpers/issuer.ts";

const AUDIENCE = "checkpoint:CN-SH:page-test";
let chain: SeededChain;
let servers: Server[] = [];
let checkpointUrl: string;
let spacedUrl: string;
let chainNow: number;
let browser: Browser;
const errors: string[] = [];
const holder = createHolderKey();
const credentials: Record<"jwt_vc" | "sd_jwt_vc", StoredCredential> = {} as never;

beforeAll(async () => {
  chain = await seededChain();
  chainNow = await chain.networkHelpers.time.latest();
  const issuer = await startIssuerService(chain, 0);
  servers.push(issuer.server);
  const token = (await issuer.store.operators.create("desk", ["issue"])).token;
  const { bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas });
  for (const format of ["jwt_vc", "sd_jwt_vc"] as const) {
    const res = await fetch(`${issuer.url}/offers`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        type: "HealthCode",
        claims: { healthStatus: "green", givenName: "Mei", familyName: "Li", birthDate: "1990-04-12" },
        format,
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const { offerUri } = (await res.json()) as { offerUri: string };
    credentials[format] = await receiveOffer({
      offerUri,
      key: holder,
      fetch,
      now: chainNow,
      verify: { bundle, verifier: nobleVerifier },
      allowHttpLoopback: true,
    });
  }
  const keeper = new BundleKeeper({
    provider: chain.provider,
    deployment: chain.deployment,
    schemas: demoSchemas,
    signerKey: softwareSigner("ES256K", getBytes(demoAuthorityKey("CN-SH").privateKey)),
    path: join(mkdtempSync(join(tmpdir(), "laissez-cp-page-")), "bundle.json"),
    region: "CN-SH",
  });
  await keeper.sync();
  const { app } = createCheckpointApp({
    keeper,
    region: "CN-SH",
    chainId: 31337,
    checkpointId: AUDIENCE,
    verifier: nativeVerifier,
    pageDir: webDir("checkpoint"),
    log: () => {},
  });
  const server = await listen(app, 0, "127.0.0.1");
  servers.push(server);
  checkpointUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The service takes any id up to 200 characters; a challenge's audience must be visible characters, at most 128.
  const spaced = await listen(
    createCheckpointApp({
      keeper,
      region: "CN-SH",
      chainId: 31337,
      checkpointId: "gate 3 (east)",
      verifier: nativeVerifier,
      pageDir: webDir("checkpoint"),
      log: () => {},
    }).app,
    0,
    "127.0.0.1",
  );
  servers.push(spaced);
  spacedUrl = `http://127.0.0.1:${(spaced.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  servers = [];
});

/**
 * The checkpoint page on a device whose clock reads the chain's time (the in-process chain runs
 * ahead of the wall clock); Playwright's clock lets a test move it on without waiting.
 */
async function openPage(size: Size, locale: Locale, url = checkpointUrl): Promise<Page> {
  const context = await newContext(browser, size, locale, { serviceWorkers: "block" });
  const page = watchErrors(await context.newPage(), errors, `challenge-${locale}-${size}`);
  await page.clock.install({ time: (chainNow + 5) * 1000 });
  await page.goto(`${url}/`);
  await ready(page);
  // The page is ready after its first sync: it synced, or says why not.
  expect(await page.getAttribute("#network", "data-outcome"), (await page.textContent("#network")) ?? "").toBe(
    "synced",
  );
  return page;
}

const pageNow = (page: Page): Promise<number> => page.evaluate(() => Math.floor(Date.now() / 1000));

/** Starts a challenge for what is ticked and reads it back from the page: its text, and its QR code's pixels. */
async function startChallenge(page: Page, button = "#challenge-start"): Promise<Challenge & { text: string }> {
  const before = await page.inputValue("#challenge-text");
  const clicked = await pageNow(page);
  await page.click(button);
  await expect.poll(() => page.inputValue("#challenge-text")).not.toBe(before);
  const shown = await pageNow(page);
  await page.waitForSelector("#challenge-qr svg");
  const text = await page.inputValue("#challenge-text");
  expect(readQrPng(await page.locator("#challenge-qr").screenshot())).toBe(text);
  const challenge = readChallengeText(text);
  // 120 s from when the officer asked, by the page's clock.
  expect(challenge.expiresAt).toBeGreaterThanOrEqual(clicked + 120);
  expect(challenge.expiresAt).toBeLessThanOrEqual(shown + 120);
  return { ...challenge, text };
}

/** The wallet (as the CLI runs it) answers a challenge, or makes a static QR for a region. */
async function answer(page: Page, format: "jwt_vc" | "sd_jwt_vc", target: PresentationTarget): Promise<string> {
  return presentationQrText(await present(credentials[format].jwt, holder, await pageNow(page), target));
}

/** Pastes text as the officer would a scan, and waits for its verdict. */
async function scan(page: Page, text: string): Promise<{ verdict: string | null; reason: string | null }> {
  const before = Number((await page.getAttribute("#verdict", "data-scan")) ?? "0");
  await page.fill("#paste", text);
  await page.click("#verify");
  await expect.poll(async () => Number((await page.getAttribute("#verdict", "data-scan")) ?? "0")).toBe(before + 1);
  return {
    verdict: await page.getAttribute("#verdict", "data-verdict"),
    reason: (await page.getAttribute("#verdict", "data-reason")) || null,
  };
}

/** Picks a QR image as the officer would with "Read a QR image", and waits for its verdict. */
async function pickImage(page: Page, png: Buffer): Promise<{ verdict: string | null; reason: string | null }> {
  const before = Number((await page.getAttribute("#verdict", "data-scan")) ?? "0");
  await page.setInputFiles("#image", { name: "answer.png", mimeType: "image/png", buffer: png });
  // jsQR in the page takes seconds on a loaded machine.
  await expect
    .poll(async () => Number((await page.getAttribute("#verdict", "data-scan")) ?? "0"), { timeout: 60_000 })
    .toBe(before + 1);
  return {
    verdict: await page.getAttribute("#verdict", "data-verdict"),
    reason: (await page.getAttribute("#verdict", "data-reason")) || null,
  };
}

const fact = (page: Page, name: string): Promise<string | null> => page.textContent(`[data-fact=${name}]`);

describe("the checkpoint page asks for a presentation bound to it (its own challenge, made offline)", () => {
  const WORDS = {
    "zh-CN": {
      healthOnly: "健康状态",
      asks: "将要求出示：健康状态",
      mode: "已绑定本核验点的挑战",
      green: "绿码",
      left: /^剩余有效时间 [12]:\d\d$/,
      whole: "整个证件",
      answered: "已回应，挑战已结束。现在按静态二维码核验；下一位持证人需要时请生成新的挑战。",
    },
    en: {
      healthOnly: "Health status",
      asks: "Will ask for: Health status",
      mode: "bound to this checkpoint's challenge",
      green: "green",
      left: /^Valid for [12]:\d\d$/,
      whole: "the whole credential",
      answered:
        "Answered: the challenge has ended. Static QR codes are verified again; make a new challenge when the next holder needs one.",
    },
  } as const;

  for (const [locale, size] of [
    ["zh-CN", "phone"],
    ["en", "desktop"],
    ["en", "phone"],
    ["zh-CN", "desktop"],
  ] as const) {
    const tag = `${locale === "en" ? "en" : "zh"}-${size}`;
    const words = WORDS[locale];

    it(`${tag}: health status only — the QR names this checkpoint; an SD-JWT answer is accepted once, a replay, a static QR and a bare credential are refused`, async () => {
      const page = await openPage(size, locale);
      expect(await page.textContent("#challenge-summary")).toBe(words.asks);
      await page.locator("#challenge").scrollIntoViewIfNeeded();
      await shot(page, `challenge-${tag}-setup`, false);
      const c = await startChallenge(page);
      expect([c.audience, c.claims]).toEqual([AUDIENCE, ["healthStatus"]]);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("challenge-scan");
      expect(base64urlDecode(c.nonce, "nonce").length).toBeGreaterThanOrEqual(16);
      expect(await page.textContent("#challenge-countdown")).toMatch(words.left);
      expect(await page.getAttribute("#challenge", "data-state")).toBe("open");
      await shot(page, `challenge-${tag}-qr`, false);

      // What cannot answer leaves the challenge open: the core names why, the page says what to do.
      expect(await scan(page, await answer(page, "sd_jwt_vc", { region: "CN-SH" }))).toEqual({
        verdict: "reject",
        reason: "wrong_audience",
      });
      expect(await page.isVisible("#verdict-hint")).toBe(true);
      await shot(page, `challenge-${tag}-refused-static`, false);
      expect(await scan(page, credentials.jwt_vc.jwt)).toEqual({ verdict: "reject", reason: "presentation_required" });
      expect(await page.getAttribute("#challenge", "data-state")).toBe("open");

      const sd = await answer(page, "sd_jwt_vc", c);
      // Once as the officer's other inputs give it: a QR image (read in the page), elsewhere pasted text.
      expect(
        size === "desktop" && locale === "en" ? await pickImage(page, await qrPng(sd)) : await scan(page, sd),
      ).toEqual({ verdict: "accept", reason: null });
      expect(await fact(page, "mode")).toBe(words.mode);
      expect(await fact(page, "asked")).toBe(words.healthOnly);
      expect(await fact(page, "disclosed")).toBe(words.healthOnly);
      expect(await page.textContent("[data-claim=healthStatus]")).toBe(words.green);
      expect(await page.locator("#verdict-claims dd").count()).toBe(1);
      expect(Number(/\d+/.exec((await fact(page, "withheld")) ?? "")?.[0])).toBeGreaterThanOrEqual(3);
      expect(await page.textContent("#verdict")).not.toMatch(/Mei|Li\b|1990/);
      expect(await page.getAttribute("#challenge", "data-state")).toBe("answered");
      expect(await page.isVisible("#challenge-qr")).toBe(false);
      await page.locator("#verdict").scrollIntoViewIfNeeded();
      await shot(page, `challenge-${tag}-sdjwt-accept`, false);
      if (size === "phone") await shot(page, `challenge-${tag}-sdjwt-accept-full`);

      // Answered, the challenge has ended: the next holder's static QR is verified as one, with no officer's step (issue 26 major 2).
      expect(await page.isVisible("#challenge-end")).toBe(false);
      expect(await page.textContent("#challenge-state")).toBe(words.answered);
      expect(await scan(page, await answer(page, "sd_jwt_vc", { region: "CN-SH" }))).toEqual({
        verdict: "accept",
        reason: null,
      });
      expect(await page.isVisible("[data-fact=asked]")).toBe(false);
      expect(await page.isVisible("#verdict-hint")).toBe(false);
      // The ended challenge's answer, shown again, is still judged against it.
      expect(await scan(page, sd)).toEqual({ verdict: "reject", reason: "nonce_reused" });
      if (locale === "zh-CN" && size === "phone") await auditPage(page, locale, `${tag} verdict under a challenge`);
      await page.context().close();
    });

    it(`${tag}: the whole credential — a jwt_vc answers; an expired challenge refuses its answer`, async () => {
      const page = await openPage(size, locale);
      await page.uncheck("#challenge-claim-list input[name=healthStatus]");
      expect(await page.textContent("#challenge-summary")).toContain(words.whole);
      const whole = await startChallenge(page);
      expect(whole.claims).toEqual([]);
      if (locale === "en" && size === "desktop") await auditPage(page, locale, `${tag} open challenge`);
      expect(await scan(page, await answer(page, "jwt_vc", whole))).toEqual({ verdict: "accept", reason: null });
      expect(await fact(page, "asked")).toBe(words.whole);
      // One name, in the language's order (issue 26 major 5): family name first on a Chinese page.
      expect(await page.textContent("[data-claim=name]")).toBe(locale === "zh-CN" ? "Li Mei" : "Mei Li");
      await page.locator("#verdict").scrollIntoViewIfNeeded();
      await shot(page, `challenge-${tag}-jwt-accept`, false);
      // An SD-JWT VC answering a whole-credential challenge discloses every claim.
      const all = await startChallenge(page, "#challenge-new");
      expect(await scan(page, await answer(page, "sd_jwt_vc", all))).toEqual({ verdict: "accept", reason: null });
      expect(await page.locator("#verdict-claims dd").count()).toBe(3);

      const late = await startChallenge(page, "#challenge-new");
      expect(late.nonce).not.toBe(whole.nonce);
      await page.clock.fastForward(121_000);
      await expect.poll(() => page.getAttribute("#challenge", "data-state")).toBe("expired");
      expect(await page.isVisible("#challenge-qr")).toBe(false);
      expect(await scan(page, await answer(page, "jwt_vc", late))).toEqual({
        verdict: "reject",
        reason: "challenge_expired",
      });
      await shot(page, `challenge-${tag}-expired`, false);
      // Expired, the challenge has ended: static QR codes are verified again with no officer's step (issue 26 major 2).
      expect(await scan(page, await answer(page, "sd_jwt_vc", { region: "CN-SH" }))).toEqual({
        verdict: "accept",
        reason: null,
      });
      expect(await page.isVisible("[data-fact=asked]")).toBe(false);

      // Ended by the officer: back to static QR codes, which the page accepts again.
      await startChallenge(page, "#challenge-new");
      await page.click("#challenge-end");
      expect(await page.getAttribute("#challenge", "data-state")).toBe("none");
      expect(await scan(page, await answer(page, "sd_jwt_vc", { region: "CN-SH" }))).toEqual({
        verdict: "accept",
        reason: null,
      });
      expect(await page.isVisible("[data-fact=asked]")).toBe(false);
      // Without a challenge too, a bare credential proves nothing about who holds it.
      expect(await scan(page, credentials.sd_jwt_vc.jwt)).toEqual({
        verdict: "reject",
        reason: "presentation_required",
      });
      expect(await page.isVisible("#verdict-hint")).toBe(false);
      await page.context().close();
    });
  }

  it("a checkpoint id the challenge form cannot carry: the page says so, and stays in static mode", async () => {
    const page = await openPage("phone", "en", spacedUrl);
    await page.click("#challenge-start");
    await expect
      .poll(() => page.textContent("#challenge-summary"))
      .toMatch(/^No challenge could be made: not a checkpoint challenge: the audience/);
    expect(await page.getAttribute("#challenge", "data-state")).toBe("none");
    expect(await scan(page, await answer(page, "jwt_vc", { region: "CN-SH" }))).toEqual({
      verdict: "accept",
      reason: null,
    });
    await page.context().close();
  });

  it("issue 22 items 14 and 11 in the page: a stranger's answer under their own key leaves the challenge open for the holder; a phone credential re-packed as paper is refused", async () => {
    const page = await openPage("desktop", "en");
    const c = await startChallenge(page);
    // Whoever reads the challenge off the screen answers first, with the holder's credential and their own key.
    const junk = presentationQrText(await present(credentials.jwt_vc.jwt, createHolderKey(), await pageNow(page), c));
    expect(await scan(page, junk)).toEqual({ verdict: "reject", reason: "holder_mismatch" });
    expect(await page.getAttribute("#challenge", "data-state")).toBe("open");
    expect(await scan(page, await answer(page, "jwt_vc", c))).toEqual({ verdict: "accept", reason: null });
    expect(await page.getAttribute("#challenge", "data-state")).toBe("answered");
    // The holder's phone credential, lifted and re-packed as a paper QR text.
    expect(await scan(page, compactCredential(credentials.jwt_vc.jwt))).toEqual({
      verdict: "reject",
      reason: "phone_credential_on_paper",
    });
    await page.context().close();
  });

  it("no page raised an uncaught error", () => {
    expect(errors).toEqual([]);
  });
});

async function auditPage(page: Page, locale: Locale, where: string): Promise<void> {
  const found = await audit(page, locale);
  expect(found.length ? `${where}:\n${describeFindings(found)}` : "").toBe("");
}
