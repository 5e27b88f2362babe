/**
 * What the browser tests share: Chromium (the system's, via playwright-core), pages at phone
 * and desktop sizes in either language, screenshots kept in test-output/screenshots/, and a
 * Y4M video of a still image for Chromium's fake camera.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { PNG } from "pngjs";
import { ROOT } from "./processes.ts";

export const CHROMIUM = process.env.LAISSEZ_CHROMIUM ?? "/usr/bin/chromium";
export const SHOTS = join(ROOT, "test-output", "screenshots");
const BASE_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set LAISSEZ_CHROMIUM)`);
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: [...BASE_ARGS, ...extraArgs] });
}

export type Size = "phone" | "desktop";
export type Locale = "zh-CN" | "en";

/** A context as a citizen's phone (390×844, 2× pixels) or a desk, preferring the language, in China's time zone. */
export function newContext(
  browser: Browser,
  size: Size,
  locale: Locale,
  extra: Parameters<Browser["newContext"]>[0] = {},
): Promise<BrowserContext> {
  const viewport = size === "phone" ? { width: 390, height: 844 } : { width: 1280, height: 860 };
  return browser.newContext({
    viewport,
    deviceScaleFactor: size === "phone" ? 2 : 1,
    locale: locale === "en" ? "en-US" : "zh-CN",
    timezoneId: "Asia/Shanghai",
    ...extra,
  });
}

export async function ready(page: Page): Promise<void> {
  await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 });
}

export const shot = (page: Page, name: string, fullPage = true): Promise<Buffer> =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });

/** Collects uncaught page errors, which every test expects to be none. */
export function watchErrors(page: Page, errors: string[], label: string): Page {
  page.on("pageerror", (e) => errors.push(`${label}: ${e.message}`));
  return page;
}

/**
 * A Y4M (YUV 4:2:0) video of a PNG centred on a white 640×480 frame, for
 * `--use-file-for-fake-video-capture`: the camera sees the image held still.
 */
export function stillVideoY4m(png: Uint8Array, file: string, frames = 3): string {
  const image = PNG.sync.read(Buffer.from(png));
  const [W, H] = [640, 480];
  const scale = Math.min(1, (H - 40) / image.height, (W - 40) / image.width);
  const [w, h] = [Math.floor(image.width * scale), Math.floor(image.height * scale)];
  const [ox, oy] = [Math.floor((W - w) / 2), Math.floor((H - h) / 2)];
  const y = Buffer.alloc(W * H, 235);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const i = (Math.floor(r / scale) * image.width + Math.floor(c / scale)) * 4;
      const luma =
        0.299 * (image.data[i] as number) +
        0.587 * (image.data[i + 1] as number) +
        0.114 * (image.data[i + 2] as number);
      y[(oy + r) * W + ox + c] = Math.round(16 + (luma * 219) / 255);
    }
  }
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), y, chroma]);
  writeFileSync(
    file,
    Buffer.concat([
      Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`),
      ...Array.from({ length: frames }, () => frame),
    ]),
  );
  return file;
}
