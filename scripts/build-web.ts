/**
 * Builds the web pages into dist/web/<page>/: the HTML, one script per HTML page (its
 * TypeScript and what it imports from core/, web/ and wallet/, bundled for the browser),
 * style.css, the wallet's app manifest and icons (drawn here, so no binary is committed), and
 * sw.js (the service worker, told which files make the page). Run by `npm start`, `npm test`
 * and `npm run demo` before anything serves the pages.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { build } from "esbuild";
import { PNG } from "pngjs";

const root = new URL("../", import.meta.url);
const path = (p: string): string => fileURLToPath(new URL(p, root));

interface PageSpec {
  readonly source: string;
  /** HTML file → its script (both in `source`). */
  readonly entries: Record<string, string>;
  /** Files the server adds (configuration, the bundle): cached for offline use. */
  readonly data: readonly string[];
  readonly installable?: boolean;
}

export const PAGES: Record<"wallet" | "checkpoint", PageSpec> = {
  wallet: { source: "wallet/web", entries: { "index.html": "app" }, data: ["config.json"], installable: true },
  // The checkpoint service serves its open registry page beside the checkpoint page: same bundle, same offline cache.
  checkpoint: {
    source: "services/checkpoint/web",
    entries: { "index.html": "app", "registry.html": "registry" },
    data: ["checkpoint.json", "bundle"],
  },
};

export const webDir = (page: keyof typeof PAGES): string => path(`dist/web/${page}`);

/** A square icon: the brand blue with a white QR-like mark (three finder rings and a few modules) on a 12×12 grid. */
export function drawIcon(size: number): Buffer {
  const png = new PNG({ width: size, height: size });
  const ring = (mx: number, my: number, ox: number, oy: number): boolean =>
    mx >= ox && mx <= ox + 2 && my >= oy && my <= oy + 2 && !(mx === ox + 1 && my === oy + 1);
  const white = (mx: number, my: number): boolean =>
    ring(mx, my, 2, 2) ||
    ring(mx, my, 7, 2) ||
    ring(mx, my, 2, 7) ||
    (mx >= 7 && mx <= 9 && my >= 7 && my <= 9 && (mx + my) % 2 === 0);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [r, g, b] = white(Math.floor((x * 12) / size), Math.floor((y * 12) / size))
        ? [255, 255, 255]
        : [11, 87, 208];
      png.data.set([r, g, b, 255], (y * size + x) * 4);
    }
  }
  return PNG.sync.write(png);
}

function writeInstallable(out: string): string[] {
  for (const size of [192, 512]) writeFileSync(`${out}/icon-${size}.png`, drawIcon(size));
  const manifest = {
    name: "Laissez 电子证照夹 · wallet",
    short_name: "证照夹",
    lang: "zh-CN",
    start_url: "./",
    scope: "./",
    display: "standalone",
    background_color: "#ffffff",
    theme_color: "#0b57d0",
    icons: [192, 512].map((s) => ({
      src: `icon-${s}.png`,
      sizes: `${s}x${s}`,
      type: "image/png",
      purpose: "any maskable",
    })),
  };
  writeFileSync(`${out}/manifest.webmanifest`, JSON.stringify(manifest, null, 2));
  return ["manifest.webmanifest", "icon-192.png", "icon-512.png"];
}

async function bundleScript(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
  });
}

export async function buildWeb(): Promise<void> {
  for (const [page, spec] of Object.entries(PAGES)) {
    const out = path(`dist/web/${page}`);
    mkdirSync(out, { recursive: true });
    const files: string[] = ["style.css"];
    for (const [html, script] of Object.entries(spec.entries)) {
      await bundleScript(path(`${spec.source}/${script}.ts`), `${out}/${script}.js`);
      copyFileSync(path(`${spec.source}/${html}`), `${out}/${html}`);
      files.push(html, `${script}.js`);
    }
    copyFileSync(path("web/style.css"), `${out}/style.css`);
    if (spec.installable) files.push(...writeInstallable(out));
    // The cache name changes with the code, so a new build replaces the old cached page.
    const hash = createHash("sha256");
    for (const f of files) hash.update(readFileSync(`${out}/${f}`));
    const version = hash.digest("hex").slice(0, 12);
    await build({
      entryPoints: [path("web/service-worker.ts")],
      outfile: `${out}/sw.js`,
      bundle: true,
      format: "iife",
      platform: "browser",
      target: "es2022",
      minify: true,
      logLevel: "warning",
      define: {
        CACHE_NAME: JSON.stringify(`laissez-${page}-${version}`),
        SHELL: JSON.stringify(["./", ...files, ...spec.data]),
      },
    });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildWeb();
  console.log(`web pages built in ${path("dist/web")}`);
}
