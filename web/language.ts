/**
 * The page's language in the DOM: picked from the remembered choice or the browser's
 * preference, switched by the page's language button, remembered in localStorage. Static
 * text carries `data-i18n` (text), `data-i18n-placeholder` and `data-i18n-label` (aria-label)
 * keys; dynamic text is re-rendered by the page's own callback.
 */
import { pickLanguage, t, type Lang, type MessageKey } from "./i18n.ts";

const STORAGE_KEY = "laissez.lang";

export class PageLanguage {
  lang: Lang;
  private readonly listeners: (() => void)[] = [];

  constructor() {
    this.lang = pickLanguage(localStorage.getItem(STORAGE_KEY), navigator.languages ?? [navigator.language]);
  }

  t(key: MessageKey, params: Record<string, string | number> = {}): string {
    return t(this.lang, key, params);
  }

  onChange(render: () => void): void {
    this.listeners.push(render);
  }

  /** Translates the static text, wires the switch button (#lang), and calls the page's renderers. */
  apply(): void {
    document.documentElement.lang = this.lang;
    for (const node of document.querySelectorAll<HTMLElement>("[data-i18n]"))
      node.textContent = this.t(node.dataset.i18n as MessageKey);
    for (const node of document.querySelectorAll<HTMLElement>("[data-i18n-placeholder]"))
      node.setAttribute("placeholder", this.t(node.dataset.i18nPlaceholder as MessageKey));
    for (const node of document.querySelectorAll<HTMLElement>("[data-i18n-label]"))
      node.setAttribute("aria-label", this.t(node.dataset.i18nLabel as MessageKey));
    const button = document.getElementById("lang");
    if (button) {
      button.textContent = this.t("lang.switch");
      button.setAttribute("aria-label", this.t("lang.switch.label"));
      button.setAttribute("lang", this.lang === "zh-CN" ? "en" : "zh-CN");
    }
    for (const render of this.listeners) render();
  }

  /** The switch: the other language, remembered for the next visit. */
  wire(): void {
    document.getElementById("lang")?.addEventListener("click", () => {
      this.lang = this.lang === "zh-CN" ? "en" : "zh-CN";
      localStorage.setItem(STORAGE_KEY, this.lang);
      this.apply();
    });
  }
}
