/**
 * Builds the two web pages into dist/web/<page>/: index.html, app.js (the page's TypeScript
 * and what it imports from core/ and wallet/, bundled for the browser), style.css, and sw.js
 * (the service worker, told which files make the page). Run by `npm start`, `npm test` and
 * `npm run demo` before anything serves the pages.
 */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { build } from "esbuild";

const root = new URL("../", import.meta.url);
const path = (p: string): string => fileURLToPath(new URL(p, root));

export const PAGES = {
  wallet: { source: "wallet/web", data: ["config.json"] },
  checkpoint: { source: "services/checkpoint/web", data: ["checkpoint.json", "bundle"] },
} as const;

export const webDir = (page: keyof typeof PAGES): string => path(`dist/web/${page}`);

export async function buildWeb(): Promise<void> {
  for (const [page, { source, data }] of Object.entries(PAGES)) {
    const out = path(`dist/web/${page}`);
    mkdirSync(out, { recursive: true });
    await build({
      entryPoints: [path(`${source}/app.ts`)],
      outfile: `${out}/app.js`,
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: true,
      sourcemap: false,
      legalComments: "none",
      logLevel: "warning",
    });
    copyFileSync(path(`${source}/index.html`), `${out}/index.html`);
    copyFileSync(path("web/style.css"), `${out}/style.css`);
    // The cache name changes with the code, so a new build replaces the old cached page.
    const version = createHash("sha256").update(readFileSync(`${out}/app.js`)).update(readFileSync(`${out}/style.css`)).digest("hex").slice(0, 12);
    await build({
      entryPoints: [path("web/service-worker.ts")],
      outfile: `${out}/sw.js`,
      bundle: true,
      format: "iife",
      platform: "browser",
      target: "es2022",
      minify: true,
      logLevel: "warning",
      define: { CACHE_NAME: JSON.stringify(`laissez-${page}-${version}`), SHELL: JSON.stringify(["./", "index.html", "app.js", "style.css", ...data]) },
    });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildWeb();
  console.log(`web pages built in ${path("dist/web")}`);
}
