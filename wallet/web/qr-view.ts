/**
 * The presentation QR, full screen: sized to the viewport with its 4-module quiet zone,
 * framed in the health status colour for a health code (green / yellow / red, as citizens
 * know it), a countdown to the next code (a static presentation is accepted for 5 minutes;
 * a new one is drawn every 2), save as a PNG and print. Escape or "close" returns to the card.
 */
import QRCode from "qrcode";
import type { JsonValue } from "../../core/index.ts";
import { claimName, claimValue, regionName, typeName } from "../../web/i18n.ts";
import type { PageLanguage } from "../../web/language.ts";
import { QR_ERROR_CORRECTION, qrSize, qrSvg } from "../qr.ts";
import { byId, el } from "../../web/ui.ts";

const REGION_KEY = "laissez.wallet.qr-region";

/** A static QR is accepted for 300 s after it is made; redraw well before that. */
export const QR_REFRESH_SECONDS = 120;
const QUIET_ZONE = 4;

export interface QrRequest {
  readonly type: string;
  /** healthStatus for a health code: the frame's colour. */
  readonly health?: string;
  /** Set when the credential is revoked or suspended: the holder is warned before showing it. */
  readonly warning?: string;
  /** CSS selector of the element that gets focus back on close. */
  readonly returnFocus?: string;
  /** Regions the holder may address a static QR to (the bundle's). */
  readonly regions: readonly string[];
  /**
   * SD-JWT VC: the claims the holder may show, one checkbox each (all checked at first); the QR
   * discloses the checked ones only. Absent for a jwt_vc, which always shows every claim.
   */
  readonly disclosable?: readonly { readonly name: string; readonly value: JsonValue }[];
  /** Makes a fresh presentation's QR text for checkpoints of `region`, disclosing `disclose` (SD-JWT VC). */
  readonly make: (region: string, disclose?: readonly string[]) => Promise<string>;
}

/** The QR as a PNG: dark modules on white with the quiet zone, and the health colour as a border. */
export async function qrPng(text: string, frame: string | undefined): Promise<Blob> {
  const qr = QRCode.create(text, { errorCorrectionLevel: QR_ERROR_CORRECTION });
  const n = qr.modules.size;
  const scale = 8;
  const border = frame ? 3 * scale : 0;
  const side = (n + 2 * QUIET_ZONE) * scale + 2 * border;
  const canvas = new OffscreenCanvas(side, side);
  const ctx = canvas.getContext("2d") as OffscreenCanvasRenderingContext2D;
  ctx.fillStyle = frame ?? "#ffffff";
  ctx.fillRect(0, 0, side, side);
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(border, border, side - 2 * border, side - 2 * border);
  ctx.fillStyle = "#000000";
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.modules.get(r, c)) ctx.fillRect(border + (c + QUIET_ZONE) * scale, border + (r + QUIET_ZONE) * scale, scale, scale);
  return canvas.convertToBlob({ type: "image/png" });
}

const FRAME_COLOURS: Record<string, string> = { green: "#0f7b3a", yellow: "#f2c200", red: "#c5221f" };

export class QrView {
  private timer: ReturnType<typeof setInterval> | undefined;
  private current: { request: QrRequest; text: string; drawnAt: number } | undefined;
  /** Where focus returns on close: the card's button (found again, since cards re-render). */
  private openerSelector: string | undefined;

  private readonly L: PageLanguage;

  constructor(L: PageLanguage) {
    this.L = L;
    byId("qr-close").addEventListener("click", () => this.close());
    byId("qr-print").addEventListener("click", () => window.print());
    byId("qr-save").addEventListener("click", () => void this.save());
    byId<HTMLSelectElement>("qr-region").addEventListener("change", (e) => {
      localStorage.setItem(REGION_KEY, (e.target as HTMLSelectElement).value);
      void this.draw();
    });
    byId("qr-view").addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.close();
      if (e.key === "Tab") this.keepFocusInside(e);
    });
    L.onChange(() => this.renderText());
  }

  /** A modal dialog: Tab from its last control goes to its first, Shift+Tab from the first to the last. */
  private keepFocusInside(e: KeyboardEvent): void {
    const controls = [...byId("qr-view").querySelectorAll<HTMLElement>("select, button")].filter((c) => !c.closest("[hidden]"));
    const [first, last] = [controls[0], controls.at(-1)];
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  }

  get open(): boolean {
    return !byId("qr-view").hidden;
  }

  async show(request: QrRequest): Promise<void> {
    this.openerSelector = request.returnFocus;
    this.current = { request, text: "", drawnAt: 0 };
    this.renderClaimPicker(request);
    this.renderRegions();
    await this.draw();
    const view = byId("qr-view");
    view.hidden = false;
    document.body.classList.add("qr-open");
    // Modal: the page behind cannot be reached by Tab or a screen reader while the QR is up.
    for (const e of document.body.children) if (e !== view) (e as HTMLElement).inert = true;
    byId("qr-close").focus();
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.tick(), 1000);
  }

  close(): void {
    clearInterval(this.timer);
    this.current = undefined;
    byId("qr-view").hidden = true;
    document.body.classList.remove("qr-open");
    for (const e of document.body.children) (e as HTMLElement).inert = false;
    if (this.openerSelector) document.querySelector<HTMLElement>(this.openerSelector)?.focus();
  }

  private async draw(): Promise<void> {
    if (!this.current) return;
    const text = await this.current.request.make(byId<HTMLSelectElement>("qr-region").value, this.chosenClaims());
    this.current = { ...this.current, text, drawnAt: Date.now() };
    const holder = byId("qr");
    holder.innerHTML = await qrSvg(text);
    const size = qrSize(text);
    holder.dataset.characters = String(size.characters);
    holder.dataset.version = String(size.version);
    const health = this.current.request.health;
    byId("qr-frame").className = `qr-frame${health && Object.hasOwn(FRAME_COLOURS, health) ? ` health-${health}` : ""}`;
    byId("qr-frame").dataset.health = health ?? "";
    this.renderText();
  }

  private async tick(): Promise<void> {
    if (!this.current) return;
    if (Date.now() - this.current.drawnAt >= QR_REFRESH_SECONDS * 1000) await this.draw();
    else this.renderCountdown();
  }

  private renderCountdown(): void {
    if (!this.current) return;
    const left = Math.max(0, QR_REFRESH_SECONDS - Math.floor((Date.now() - this.current.drawnAt) / 1000));
    byId("qr-countdown").textContent = this.L.t("wallet.qr.refresh", { time: `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}` });
  }

  /** One checkbox per disclosable claim; hidden for a jwt_vc. A change redraws the QR at once. */
  private renderClaimPicker(request: QrRequest): void {
    const picker = byId("qr-claims");
    const claims = request.disclosable ?? [];
    picker.hidden = request.disclosable === undefined;
    const boxes = claims.map((c) => {
      const box = el("input", { type: "checkbox", name: c.name, checked: "" }) as HTMLInputElement;
      box.addEventListener("change", () => void this.draw());
      return el("label", { "data-claim": c.name }, box, el("span", {}, ""));
    });
    picker.replaceChildren(el("legend", {}, ""), ...boxes);
  }

  /** The claims checked in the picker; undefined for a jwt_vc (no choice: every claim). */
  private chosenClaims(): string[] | undefined {
    if (this.current?.request.disclosable === undefined) return undefined;
    return [...byId("qr-claims").querySelectorAll<HTMLInputElement>("input[type=checkbox]")].filter((b) => b.checked).map((b) => b.name);
  }

  /** The static QR names the region it is for: the holder picks it, remembered for next time. */
  private renderRegions(): void {
    const select = byId<HTMLSelectElement>("qr-region");
    const regions = this.current?.request.regions ?? [];
    const chosen = select.value || localStorage.getItem(REGION_KEY) || "";
    select.replaceChildren(...regions.map((r) => el("option", { value: r }, regionName(r, this.L.lang))));
    select.value = regions.includes(chosen) ? chosen : (regions[0] ?? "");
  }

  private renderText(): void {
    if (!this.current) return;
    this.renderRegions();
    const { request, text } = this.current;
    const title = typeName(request.type, this.L.lang);
    byId("qr-title").textContent = title;
    byId("qr").setAttribute("aria-label", this.L.t("wallet.qr.label", { type: title }));
    const warning = byId("qr-warning");
    warning.hidden = !request.warning;
    warning.textContent = request.warning ? this.L.t("wallet.qr.warning", { status: request.warning }) : "";
    const size = qrSize(text);
    const meta = this.L.t("wallet.qr.meta", { region: regionName(byId<HTMLSelectElement>("qr-region").value, this.L.lang), characters: size.characters, version: size.version ?? "—" });
    const chosen = this.chosenClaims();
    const shows = chosen && this.L.t("wallet.qr.shows", { shown: chosen.length, total: request.disclosable?.length ?? 0 });
    byId("qr-meta").textContent = shows ? `${shows} · ${meta}` : meta;
    this.renderClaimText(request);
    this.renderCountdown();
  }

  private renderClaimText(request: QrRequest): void {
    const picker = byId("qr-claims");
    const legend = picker.querySelector("legend");
    if (legend) legend.textContent = this.L.t("wallet.qr.claims");
    for (const c of request.disclosable ?? []) {
      const span = picker.querySelector(`label[data-claim="${CSS.escape(c.name)}"] span`);
      if (span) span.textContent = ` ${claimName(c.name, this.L.lang)}: ${claimValue(c.name, c.value, this.L.lang)}`;
    }
  }

  private async save(): Promise<void> {
    if (!this.current) return;
    const health = this.current.request.health;
    const blob = await qrPng(this.current.text, health && Object.hasOwn(FRAME_COLOURS, health) ? FRAME_COLOURS[health] : undefined);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${this.current.request.type}-qr.png`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }
}
