/**
 * Issue 26 major 3: Chinese is drawn as glyphs, not boxes. Chromium renders the paper page (a
 * Chinese name, 李梅) and the checkpoint page; each distinct Chinese character the page shows is
 * drawn in the page's own font and compared, pixel for pixel, with what the same font draws for
 * a character no font has (U+10FFFD, the "tofu" box) and with nothing: a match is a missing
 * glyph. The same check run with fontconfig limited to DejaVu (no CJK font) finds the boxes, so
 * it can fail; and there `laissez paper --pdf` refuses, naming the package, before anything is
 * issued.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webDir } from "../../scripts/build-web.ts";
import { missingGlyphs } from "../../scripts/fonts.ts";
import { qrSvg } from "../../web/qr.ts";
import { paperCredentialHtml } from "../../web/paper-page.ts";
import { launchChromium, newContext, shot } from "../helpers/browser.ts";
import { runLaissez } from "../helpers/processes.ts";

const dir = mkdtempSync(join(tmpdir(), "laissez-glyphs-"));
/** fontconfig with DejaVu alone: what a machine without the README's CJK font has. */
const NO_CJK = join(dir, "fonts.conf");
writeFileSync(
  NO_CJK,
  `<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>${join(dir, "cache")}</cachedir></fontconfig>`,
);
const CLAIMS = { healthStatus: "green", givenName: "梅", familyName: "李", birthDate: "1990-04-12" };

let paperFile: string;
let withFonts: Browser;
let withoutFonts: Browser;

beforeAll(async () => {
  const html = paperCredentialHtml({
    type: "HealthCode",
    claims: CLAIMS,
    agency: "Zhejiang Provincial Health Commission",
    region: "CN-ZJ",
    validFrom: 1_765_000_000,
    validUntil: 1_765_600_000,
    credentialId: "urn:uuid:0",
    qrSvg: await qrSvg("LZP1:TEST"),
    qrVersion: 3,
  });
  paperFile = join(dir, "paper.html");
  writeFileSync(paperFile, html);
  withFonts = await launchChromium();
  withoutFonts = await (
    await import("playwright-core")
  ).chromium.launch({
    executablePath: process.env.LAISSEZ_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
    env: { ...process.env, FONTCONFIG_FILE: NO_CJK },
  });
}, 120_000);

afterAll(async () => {
  await withFonts?.close();
  await withoutFonts?.close();
});

/** The page's Chinese characters that its font draws as the tofu box (or as nothing). */
function boxes(page: Page, selector = "body"): Promise<string[]> {
  return page.$eval(selector, (root) => {
    const chars = [...new Set([...(root as HTMLElement).innerText].filter((c) => /\p{Script=Han}/u.test(c)))];
    const canvas = new OffscreenCanvas(64, 64);
    const ctx = canvas.getContext("2d")!;
    const family = getComputedStyle(root).fontFamily;
    const draw = (c: string): string => {
      ctx.clearRect(0, 0, 64, 64);
      ctx.font = `48px ${family}`;
      ctx.fillText(c, 4, 52);
      return Array.from(ctx.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3)).join(",");
    };
    const tofu = draw("\u{10FFFD}");
    const blank = draw(" ");
    if (chars.length === 0) return ["(no Chinese on the page)"];
    return chars.filter((c) => {
      const d = draw(c);
      return d === tofu || d === blank;
    });
  });
}

describe("Chinese glyphs (issue 26 major 3)", () => {
  it("the paper page's Chinese, the holder's name 李梅 included, is drawn with real glyphs (phone and desktop)", async () => {
    for (const size of ["phone", "desktop"] as const) {
      const page = await (await newContext(withFonts, size, "zh-CN")).newPage();
      await page.goto(pathToFileURL(paperFile).href);
      expect(await page.textContent("dd")).toBe("李梅");
      expect(await boxes(page)).toEqual([]);
      await shot(page, `glyphs-paper-${size}`);
      await page.context().close();
    }
  });

  it("the checkpoint page's Chinese is drawn with real glyphs", async () => {
    const page = await (await newContext(withFonts, "phone", "zh-CN")).newPage();
    await page.goto(pathToFileURL(join(webDir("checkpoint"), "index.html")).href);
    expect(await boxes(page)).toEqual([]);
    await page.context().close();
  });

  it("without a CJK font the same check finds the boxes, and fontconfig agrees", async () => {
    const page = await (await newContext(withoutFonts, "phone", "zh-CN")).newPage();
    await page.goto(pathToFileURL(paperFile).href);
    expect(await boxes(page)).toEqual(expect.arrayContaining(["李", "梅", "姓", "名"]));
    await shot(page, "glyphs-paper-without-cjk-font");
    await page.context().close();
    expect(missingGlyphs("姓名 李梅")).toEqual([]);
    const saved = process.env.FONTCONFIG_FILE;
    process.env.FONTCONFIG_FILE = NO_CJK;
    try {
      expect(missingGlyphs("姓名 李梅 Mei")).toEqual(["姓", "名", "李", "梅"]);
    } finally {
      if (saved === undefined) delete process.env.FONTCONFIG_FILE;
      else process.env.FONTCONFIG_FILE = saved;
    }
  });

  it("`laissez paper --pdf` refuses, naming the package, when no font has the holder's name; nothing is read or issued", async () => {
    const out = join(dir, "li.html");
    const run = await runLaissez(
      [
        "paper",
        "--service",
        "http://127.0.0.1:9",
        "--type",
        "HealthCode",
        "--claims",
        JSON.stringify(CLAIMS),
        "--bundle",
        join(dir, "absent.json"),
        "--out",
        out,
        "--pdf",
        join(dir, "li.pdf"),
      ],
      {
        env: { ...process.env, FONTCONFIG_FILE: NO_CJK, LAISSEZ_ISSUER_TOKEN: "x" },
      },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/empty boxes: no installed font has .*李.*apt-get install -y fonts-noto-cjk/s);
  });
});
