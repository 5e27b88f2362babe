/**
 * A credential format lives in its folder under core/formats/ and one row of `FORMATS`
 * (core/formats/index.ts); everything else asks the table (`formatOf`, `FORMATS[name]`). This
 * fails when a format-specific branch appears outside its folder — the sniffs and literals that
 * were spread over 21 files before (issue 21 §1): adding ISO mdoc must not mean finding them all.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The product code: what runs in a service, a page, the wallet or the CLI. */
const PRODUCT = ["core", "services", "wallet", "web", "scripts", "io"];
/** Where a format may name itself: its own folder. */
const FORMAT_FOLDER = /^core\/formats\/[^/]+\//;

/** Branches on one format, with why each is one. */
const BRANCHES: readonly (readonly [RegExp, string])[] = [
  [/\bisSdJwt\b/, "sniffs SD-JWT: ask formatOf"],
  [/["'`](dc\+sd-jwt|kb\+jwt|vc\+jwt|vp\+jwt)["'`]/, "a format's typ: its folder owns it"],
  [/["'`]LZP?\d+:/, "a format's QR prefix: its folder owns it (format.qr.prefix, format.paper.prefix)"],
  [/startsWith\((SD_)?COMPACT_PREFIX|startsWith\(PAPER_PREFIX/, "sniffs a QR form: ask formatOf"],
  [
    /[!=]==\s*["'`](jwt_vc|sd_jwt_vc|jwt_vc_json)["'`]|["'`](jwt_vc|sd_jwt_vc|jwt_vc_json)["'`]\s*[!=]==/,
    "branches on a format's name: ask FORMATS[name]",
  ],
  [
    /\b(expandSdJwtPresentation|compactSdJwtPresentation|issueSdJwtVc|presentSdJwtVc|decodeSdJwtVc|decodeJwtVc)\(/,
    "calls one format's function: call the table's",
  ],
];

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name === "dist") return [];
    return statSync(join(ROOT, path)).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** The code of a line: comments say what they like. */
const code = (line: string): string => (/^\s*(\*|\/\/|\/\*)/.test(line) ? "" : line.replace(/\s\/\/.*$/, ""));

export function formatBranches(paths: readonly string[], read: (path: string) => string): string[] {
  const found: string[] = [];
  for (const path of paths) {
    if (FORMAT_FOLDER.test(path)) continue;
    read(path)
      .split("\n")
      .forEach((line, i) => {
        for (const [pattern, why] of BRANCHES)
          if (pattern.test(code(line))) found.push(`${path}:${i + 1}: ${why}: ${line.trim().slice(0, 100)}`);
      });
  }
  return found;
}

it("no format-specific branch outside its folder under core/formats/", () => {
  const paths = PRODUCT.filter((d) => {
    try {
      return statSync(join(ROOT, d)).isDirectory();
    } catch {
      return false;
    }
  })
    .flatMap(files)
    .map((p) => relative(ROOT, join(ROOT, p)));
  expect(paths.length).toBeGreaterThan(50);
  expect(formatBranches(paths, (p) => readFileSync(join(ROOT, p), "utf8"))).toEqual([]);
});

it("catches each kind of branch it names (the check can fail)", () => {
  const planted: Record<string, string> = {
    "wallet/qr.ts": "const x = isSdJwt(text) ? a : b;",
    "services/checkpoint/web/scan.ts": 'if (text.startsWith("LZP1:")) paper();',
    "web/stated-facts.ts": 'if (header.typ === "dc+sd-jwt") sd();',
    "scripts/commands/wallet.ts": 'const selective = format === "sd_jwt_vc";',
    "core/verify.ts": "if (t.startsWith(SD_COMPACT_PREFIX)) x();",
    "services/issuer/issuance.ts": "return issueSdJwtVc(p);",
    "core/formats/sd-jwt-vc/index.ts": 'if (isSdJwt(text)) return "presentation";',
  };
  const found = formatBranches(Object.keys(planted), (p) => planted[p] as string);
  expect(found.map((f) => f.split(":")[0])).toEqual(Object.keys(planted).slice(0, -1));
});
