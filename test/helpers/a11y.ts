/**
 * The accessibility audit the browser tests run on every page, in real Chromium:
 * - axe-core (pinned; WCAG 2.x A and AA rules: contrast, names and labels, lang, ARIA, landmarks,
 *   headings, duplicate ids), injected through the DevTools protocol so the page's CSP stays on;
 * - the keyboard, which axe cannot judge: Tab reaches every visible control in document order,
 *   each focused control shows a visible focus indicator, no positive tabindex;
 * - `<html lang>` is the language the page shows;
 * - reduced motion: with `prefers-reduced-motion: reduce`, nothing animates or transitions;
 * - touch targets of at least 24×24 CSS pixels (WCAG 2.2 2.5.8).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface Finding {
  readonly rule: string;
  readonly where: string;
  readonly detail: string;
}

interface AxeResult {
  violations: {
    id: string;
    impact: string | null;
    help: string;
    nodes: { target: string[]; failureSummary?: string }[];
  }[];
}

async function axeFindings(page: Page): Promise<Finding[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(`${AXE_SOURCE};0`);
  const result = (await page.evaluate(() =>
    (window as unknown as { axe: { run(ctx: Document, o: object): Promise<unknown> } }).axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
      resultTypes: ["violations"],
    }),
  )) as AxeResult;
  return result.violations.flatMap((v) =>
    v.nodes.map((n) => ({
      rule: `axe:${v.id}`,
      where: n.target.join(" "),
      detail: `${v.help} — ${(n.failureSummary ?? "").replace(/\s+/g, " ").slice(0, 240)}`,
    })),
  );
}

/** Controls a keyboard user must be able to reach (visible, enabled, not inert). */
const CONTROLS =
  "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";

async function keyboardFindings(page: Page, maxTabs = 60): Promise<Finding[]> {
  const findings: Finding[] = [];
  // Start from the top: a click on the page's margin moves Chromium's sequential-focus starting point there.
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  await page.mouse.click(1, 1);
  const expected: string[] = await page.evaluate((selector) => {
    const visible = (e: Element): boolean => {
      // A visually hidden file input inside its label is reached as the label's control.
      const box = (e.closest("label.file") ?? e).getBoundingClientRect();
      const style = getComputedStyle(e.closest("label.file") ?? e);
      return (
        box.width > 0 &&
        box.height > 0 &&
        style.visibility !== "hidden" &&
        !e.closest("[hidden], [inert]") &&
        !(e.closest("details:not([open])") && e.tagName !== "SUMMARY")
      );
    };
    const id = (e: Element, i: number): string => {
      e.setAttribute("data-a11y-id", String(i));
      return `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}[${i}]`;
    };
    // A radio group is one Tab stop (its checked radio, else its first); the arrow keys move inside it.
    const groupStop = (e: Element): boolean => {
      if (!(e instanceof HTMLInputElement) || e.type !== "radio" || !e.name) return true;
      const group = [...document.querySelectorAll<HTMLInputElement>(`input[type=radio][name="${CSS.escape(e.name)}"]`)];
      return e === (group.find((r) => r.checked) ?? group[0]);
    };
    return [...document.querySelectorAll(selector)].filter((e) => visible(e) && groupStop(e)).map(id);
  }, CONTROLS);
  const positive = await page.$$eval("[tabindex]", (es) =>
    es.filter((e) => Number(e.getAttribute("tabindex")) > 0).map((e) => e.outerHTML.slice(0, 80)),
  );
  for (const p of positive)
    findings.push({
      rule: "keyboard:positive-tabindex",
      where: p,
      detail: "a positive tabindex breaks the focus order",
    });

  const reached: string[] = [];
  for (let i = 0; i < Math.min(maxTabs, expected.length + 5); i++) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const e = document.activeElement;
      if (!e || e === document.body) return null;
      const s = getComputedStyle(e);
      const label = e.closest("label.file");
      const ring = label ? getComputedStyle(label) : s;
      const outline = ring.outlineStyle !== "none" && parseFloat(ring.outlineWidth) >= 2;
      const shadow = ring.boxShadow !== "none" && ring.boxShadow !== "";
      return {
        id: e.getAttribute("data-a11y-id"),
        tag: `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}`,
        indicator: outline || shadow,
      };
    });
    if (!focused) break;
    if (focused.id === null) continue;
    const name = expected.find((x) => x.endsWith(`[${focused.id}]`)) ?? focused.tag;
    if (reached.includes(name)) break;
    reached.push(name);
    if (!focused.indicator)
      findings.push({
        rule: "keyboard:focus-visible",
        where: name,
        detail: "no visible focus indicator (outline ≥ 2px or a box shadow)",
      });
  }
  for (const e of expected)
    if (!reached.includes(e))
      findings.push({ rule: "keyboard:unreachable", where: e, detail: "Tab never reaches this control" });
  const order = reached.map((r) => Number(/\[(\d+)\]$/.exec(r)?.[1]));
  if (order.some((n, i) => i > 0 && n < (order[i - 1] as number)))
    findings.push({
      rule: "keyboard:order",
      where: reached.join(" → "),
      detail: "focus order differs from the document order",
    });
  return findings;
}

async function pageFindings(page: Page, lang: "zh-CN" | "en"): Promise<Finding[]> {
  const findings: Finding[] = [];
  const htmlLang = await page.getAttribute("html", "lang");
  if (htmlLang !== lang)
    findings.push({ rule: "lang", where: "html", detail: `lang="${htmlLang}" but the page shows ${lang}` });
  const small = await page.$$eval(CONTROLS, (es) =>
    es
      .filter(
        (e) =>
          e.tagName !== "A" &&
          e.tagName !== "SUMMARY" &&
          !e.closest("[hidden]") &&
          !(e as HTMLInputElement).closest("label.file"),
      )
      .map((e) => ({ e: e.outerHTML.slice(0, 60), r: e.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && (r.width < 24 || r.height < 24))
      .map(({ e, r }) => `${e} ${Math.round(r.width)}×${Math.round(r.height)}`),
  );
  for (const s of small) findings.push({ rule: "target-size", where: s, detail: "smaller than 24×24 CSS pixels" });
  return findings;
}

/** With reduced motion asked for, no element may animate or transition. */
async function motionFindings(page: Page): Promise<Finding[]> {
  await page.emulateMedia({ reducedMotion: "reduce" });
  const moving = await page.$$eval("*", (es) =>
    es
      .filter((e) => {
        const s = getComputedStyle(e);
        const long = (v: string) => v.split(",").some((d) => parseFloat(d) > 0.01);
        return (
          (s.animationName !== "none" && long(s.animationDuration)) ||
          long(s.transitionDuration) ||
          s.scrollBehavior === "smooth"
        );
      })
      .map((e) => e.outerHTML.slice(0, 60)),
  );
  await page.emulateMedia({ reducedMotion: null });
  return moving.map((m) => ({
    rule: "reduced-motion",
    where: m,
    detail: "animates although the user asked for reduced motion",
  }));
}

/** Every finding on the page as it is now; `keyboard: false` for states a Tab would leave (an open dialog is audited separately). */
export async function audit(page: Page, lang: "zh-CN" | "en", o: { keyboard?: boolean } = {}): Promise<Finding[]> {
  return [
    ...(await axeFindings(page)),
    ...(await pageFindings(page, lang)),
    ...(await motionFindings(page)),
    ...(o.keyboard === false ? [] : await keyboardFindings(page)),
  ];
}

export const describeFindings = (findings: readonly Finding[]): string =>
  findings.map((f) => `${f.rule} at ${f.where}: ${f.detail}`).join("\n");
