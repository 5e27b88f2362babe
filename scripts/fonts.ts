/**
 * Whether this machine has fonts for a text, asked of fontconfig (what Chromium on Linux draws
 * with): a page whose characters no installed font covers prints as boxes ("tofu"), and a paper
 * credential whose holder's Chinese name is boxes is worse than none. Used before `laissez
 * paper --pdf` prints.
 */
import { spawnSync } from "node:child_process";

/** The Debian package that brings the CJK glyphs (README set-up, `.ci/run`). */
export const CJK_FONT_PACKAGE = "fonts-noto-cjk";

/** The text of an HTML page, without its markup, style and QR drawing. */
export const htmlText = (html: string): string =>
  html
    .replace(/<(style|svg)[\s\S]*?<\/\1>/g, "")
    .replace(/<[^>]*>/g, " ")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));

const fontsFor = (chars: readonly string[]): string | null => {
  const charset = chars.map((c) => c.codePointAt(0)!.toString(16)).join(" ");
  const run = spawnSync("fc-list", ["--format", "%{family[0]}\\n", `:charset=${charset}`], {
    encoding: "utf8",
    timeout: 30_000,
  });
  return run.status === 0 ? run.stdout.trim() : null;
};

/**
 * The characters of `text` beyond ASCII that no installed font draws; null when fontconfig
 * cannot be asked (no `fc-list`), which the caller treats as "cannot tell".
 */
export function missingGlyphs(text: string): string[] | null {
  const chars = [...new Set([...text].filter((c) => c.codePointAt(0)! > 0x7e && !/\s/u.test(c)))];
  if (chars.length === 0) return [];
  const all = fontsFor(chars);
  if (all === null) return null;
  // One font draws them all (as Noto Sans CJK does): nothing is missing. Otherwise, which ones?
  if (all !== "") return [];
  return chars.filter((c) => fontsFor([c]) === "");
}

/** Refuses (a sentence naming the package) when the text would print as boxes. */
export function requireGlyphs(text: string, what: string): void {
  const missing = missingGlyphs(text);
  if (missing === null)
    throw new Error(
      `cannot tell whether this machine has fonts for ${what} (fontconfig's fc-list is missing): install fontconfig and ${CJK_FONT_PACKAGE} (apt-get install -y fontconfig ${CJK_FONT_PACKAGE})`,
    );
  if (missing.length)
    throw new Error(
      `${what} would print as empty boxes: no installed font has ${missing.slice(0, 8).join("")}${missing.length > 8 ? "…" : ""}. Install a Chinese font first: apt-get install -y ${CJK_FONT_PACKAGE}`,
    );
}
