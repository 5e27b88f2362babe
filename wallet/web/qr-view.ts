/**
 * The presentation QR, full screen: sized to the viewport with its 4-module quiet zone,
 * framed in the health status colour for a valid health code (green / yellow / red, as citizens
 * know it) — a credential that is not valid never wears it: its frame is grey or red with the
 * status word drawn large in it, and why and what to do next are said — a countdown to the next code (a static presentation is accepted for 5 minutes;
 * a new one is drawn every 2), save as a PNG and print. Escape or "close" returns to the card.
 * Answering a checkpoint's challenge, the QR is bound to it (its audience and nonce): drawn once,
 * no region to pick, the disclosed claims listed and the withheld ones named, a countdown to the
 * challenge's expiry, after which the code is taken off the screen.
 */
import QRCode from "qrcode";
import type { JsonValue } from "../../core/index.ts";
import { claimName, claimValue, dateTimeInWords, regionName, typeName } from "../../web/i18n.ts";
import type { PageLanguage } from "../../web/language.ts";
import { QR_ERROR_CORRECTION, qrSize, qrSvg } from "../../web/qr.ts";
import { byId, el, nowSeconds } from "../../web/ui.ts";

const REGION_KEY = "laissez.wallet.qr-region";
/** A region a checkpoint's request named lately: the next static QR is suggested for it. */
const SUGGESTED_KEY = "laissez.wallet.qr-suggested";
const SUGGESTION_SECONDS = 15 * 60;

/** Remembers that a checkpoint's request named `region` (as the checkpoint's own claim), for the next static QR. */
export function suggestRegion(region: string): void {
  localStorage.setItem(SUGGESTED_KEY, JSON.stringify({ region, at: nowSeconds() }));
}

function suggestedRegion(): string | undefined {
  try {
    const s = JSON.parse(localStorage.getItem(SUGGESTED_KEY) ?? "null") as { region?: unknown; at?: unknown } | null;
    return typeof s?.region === "string" && typeof s.at === "number" && nowSeconds() - s.at < SUGGESTION_SECONDS
      ? s.region
      : undefined;
  } catch {
    return undefined;
  }
}

/** A static QR is accepted for 300 s after it is made; redraw well before that. */
export const QR_REFRESH_SECONDS = 120;
const QUIET_ZONE = 4;

export interface QrRequest {
  readonly type: string;
  /** healthStatus for a health code: the frame's colour. */
  readonly health?: string;
  /**
   * The credential's status when it is not valid: the frame loses the health colour (grey, or
   * red when revoked or invalid), the word is drawn large in it, and why and what to do are said.
   */
  readonly status?: { readonly kind: string; readonly word: string; readonly why: string; readonly next: string };
  /** CSS selector of the element that gets focus back on close. */
  readonly returnFocus?: string;
  /** Regions the holder may address a static QR to (the bundle's). */
  readonly regions: readonly string[];
  /**
   * SD-JWT VC: the claims the holder may show, one checkbox each (all checked at first); the QR
   * discloses the checked ones only. Absent for a jwt_vc, which always shows every claim.
   */
  readonly disclosable?: readonly { readonly name: string; readonly value: JsonValue }[];
  /** The claims ticked at first (what the type needs: its schema's required claims); absent: all. The holder ticks more. */
  readonly initiallyShown?: readonly string[];
  /** Answering a checkpoint's challenge: the presentation is bound to it and drawn once; no region, no picker. */
  readonly bound?: BoundQr;
  /** Makes a fresh presentation's QR text for checkpoints of `region`, disclosing `disclose` (SD-JWT VC). */
  readonly make: (region: string, disclose?: readonly string[]) => Promise<string>;
}

export interface BoundQr {
  /** Who asked (the challenge's audience, shown as the checkpoint gave it). */
  readonly audience: string;
  readonly expiresAt: number;
  readonly disclosed: readonly { readonly name: string; readonly value: JsonValue }[];
  readonly withheld: readonly string[];
  /** A jwt_vc: every claim is shown, the holder cannot withhold any. */
  readonly everything: boolean;
}

/** Claim names in the language's list form. */
export const claimList = (names: readonly string[], lang: "zh-CN" | "en"): string =>
  names.map((n) => claimName(n, lang)).join(lang === "zh-CN" ? "、" : ", ");

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
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++)
      if (qr.modules.get(r, c))
        ctx.fillRect(border + (c + QUIET_ZONE) * scale, border + (r + QUIET_ZONE) * scale, scale, scale);
  return canvas.convertToBlob({ type: "image/png" });
}

const FRAME_COLOURS: Record<string, string> = { green: "#0f7b3a", yellow: "#f2c200", red: "#c5221f" };
/** A credential that is not valid: red when revoked or invalid, grey otherwise (suspended, expired, issuer withdrawn), amber when unknown. */
const STATUS_COLOURS: Record<string, string> = {
  revoked: "#a50e0e",
  invalid: "#a50e0e",
  suspended: "#5f6368",
  expired: "#5f6368",
  not_accredited: "#5f6368",
  unknown: "#8a4b00",
};

/** The frame's class and colour: the health colour only for a valid credential. */
function frameOf(request: QrRequest): { className: string; colour: string | undefined } {
  const status = request.status;
  if (status)
    return {
      className: `qr-frame not-valid status-${status.kind}`,
      colour: STATUS_COLOURS[status.kind] ?? STATUS_COLOURS.invalid,
    };
  const health = request.health;
  return health && Object.hasOwn(FRAME_COLOURS, health)
    ? { className: `qr-frame health-${health}`, colour: FRAME_COLOURS[health] }
    : { className: "qr-frame", colour: undefined };
}

export class QrView {
  private timer: ReturnType<typeof setInterval> | undefined;
  private current: { request: QrRequest; text: string; drawnAt: number } | undefined;
  /** Where focus returns on close: the card's button (found again, since cards re-render). */
  private openerSelector: string | undefined;
  private onClose: (() => void) | undefined;
  /** The region a checkpoint's request named, when this showing was set to it. */
  private suggested: string | undefined;

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
    const controls = [...byId("qr-view").querySelectorAll<HTMLElement>("select, button, input")].filter(
      (c) => !c.closest("[hidden]"),
    );
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

  /** Shows the QR; `onClose` runs when the holder closes it. */
  async show(request: QrRequest, onClose?: () => void): Promise<void> {
    this.openerSelector = request.returnFocus;
    this.onClose = onClose;
    this.current = { request, text: "", drawnAt: 0 };
    byId("qr-region").closest("label")!.hidden = request.bound !== undefined;
    byId("qr-view").dataset.claims = String(request.bound !== undefined || request.disclosable !== undefined);
    byId("qr-expired").hidden = true;
    byId("qr-frame").hidden = false;
    this.renderClaimPicker(request);
    this.applySuggestion(request);
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
    byId("qr").replaceChildren();
    document.body.classList.remove("qr-open");
    for (const e of document.body.children) (e as HTMLElement).inert = false;
    if (this.openerSelector) document.querySelector<HTMLElement>(this.openerSelector)?.focus();
    const onClose = this.onClose;
    this.onClose = undefined;
    onClose?.();
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
    holder.dataset.bound = String(this.current.request.bound !== undefined);
    const request = this.current.request;
    const frame = byId("qr-frame");
    frame.className = frameOf(request).className;
    // data-health names the colour the frame wears: none for a credential that is not valid.
    frame.dataset.health = request.status ? "" : (request.health ?? "");
    frame.dataset.status = request.status?.kind ?? "valid";
    this.renderText();
  }

  private async tick(): Promise<void> {
    if (!this.current) return;
    const bound = this.current.request.bound;
    // A bound code is drawn once; past the challenge's expiry it is taken off the screen.
    if (bound) return nowSeconds() >= bound.expiresAt ? this.expire() : this.renderCountdown();
    if (Date.now() - this.current.drawnAt >= QR_REFRESH_SECONDS * 1000) await this.draw();
    else this.renderCountdown();
  }

  private expire(): void {
    byId("qr-frame").hidden = true;
    byId("qr").replaceChildren();
    const expired = byId("qr-expired");
    expired.hidden = false;
    expired.textContent = this.L.t("wallet.request.expired", {
      time: dateTimeInWords(this.current?.request.bound?.expiresAt ?? 0, this.L.lang),
    });
    byId("qr-countdown").textContent = "";
    clearInterval(this.timer);
  }

  private renderCountdown(): void {
    if (!this.current) return;
    const bound = this.current.request.bound;
    const left = bound
      ? Math.max(0, bound.expiresAt - nowSeconds())
      : Math.max(0, QR_REFRESH_SECONDS - Math.floor((Date.now() - this.current.drawnAt) / 1000));
    const time = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    byId("qr-countdown").textContent = this.L.t(bound ? "wallet.qr.boundCountdown" : "wallet.qr.refresh", { time });
  }

  /** One checkbox per disclosable claim (static SD-JWT VC); hidden for a jwt_vc and for a bound code. A change redraws the QR at once. */
  private renderClaimPicker(request: QrRequest): void {
    const picker = byId("qr-claims");
    const claims = request.bound ? [] : (request.disclosable ?? []);
    picker.hidden = request.bound !== undefined || request.disclosable === undefined;
    const boxes = claims.map((c) => {
      const ticked = request.initiallyShown === undefined || request.initiallyShown.includes(c.name);
      const box = el("input", {
        type: "checkbox",
        name: c.name,
        ...(ticked ? { checked: "" } : {}),
      }) as HTMLInputElement;
      box.addEventListener("change", () => void this.draw());
      return el("label", { "data-claim": c.name }, box, el("span", {}, ""));
    });
    picker.replaceChildren(el("legend", {}, ""), ...boxes);
  }

  /** The claims checked in the picker; undefined for a jwt_vc or a bound code (the request decides). */
  private chosenClaims(): string[] | undefined {
    const request = this.current?.request;
    if (request?.bound || request?.disclosable === undefined) return undefined;
    return [...byId("qr-claims").querySelectorAll<HTMLInputElement>("input[type=checkbox]")]
      .filter((b) => b.checked)
      .map((b) => b.name);
  }

  /** A static QR right after a checkpoint's request named a region: that region, said in a line (the holder may pick another). */
  private applySuggestion(request: QrRequest): void {
    const region = request.bound ? undefined : suggestedRegion();
    this.suggested = region && request.regions.includes(region) ? region : undefined;
    if (!this.suggested) return;
    localStorage.setItem(REGION_KEY, this.suggested);
    byId<HTMLSelectElement>("qr-region").value = "";
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
    const status = request.status;
    const word = byId("qr-status");
    word.hidden = !status;
    word.textContent = status?.word ?? "";
    const warning = byId("qr-warning");
    warning.hidden = !status;
    warning.textContent = status
      ? [status.why, status.next].filter(Boolean).join(this.L.lang === "zh-CN" ? "" : " ")
      : "";
    const size = qrSize(text);
    const numbers = { characters: size.characters, version: size.version ?? "—" };
    const meta = request.bound
      ? this.L.t("wallet.qr.boundMeta", { audience: request.bound.audience, ...numbers })
      : this.L.t("wallet.qr.meta", {
          region: regionName(byId<HTMLSelectElement>("qr-region").value, this.L.lang),
          ...numbers,
        });
    const chosen = this.chosenClaims();
    const shows =
      chosen && this.L.t("wallet.qr.shows", { shown: chosen.length, total: request.disclosable?.length ?? 0 });
    byId("qr-meta").textContent = shows ? `${shows} · ${meta}` : meta;
    const hint = byId("qr-suggested");
    const region = byId<HTMLSelectElement>("qr-region").value;
    hint.hidden = !this.suggested || this.suggested !== region;
    hint.textContent = this.suggested
      ? this.L.t("wallet.qr.suggested", { region: regionName(this.suggested, this.L.lang) })
      : "";
    this.renderClaimText(request);
    this.renderDisclosure(request);
    this.renderCountdown();
  }

  private renderClaimText(request: QrRequest): void {
    const picker = byId("qr-claims");
    const legend = picker.querySelector("legend");
    if (legend) legend.textContent = this.L.t("wallet.qr.claims");
    for (const c of request.disclosable ?? []) {
      const span = picker.querySelector(`label[data-claim="${CSS.escape(c.name)}"] span`);
      if (span)
        span.textContent = ` ${claimName(c.name, this.L.lang)}${this.L.lang === "zh-CN" ? "：" : ": "}${claimValue(c.name, c.value, this.L.lang)}`;
    }
  }

  /** What the code shows (a bound code: the list) and, in both modes, the line naming what it does not show. */
  private renderDisclosure(request: QrRequest): void {
    const { lang } = this.L;
    const bound = request.bound;
    const shown = byId("qr-shown");
    shown.hidden = !bound;
    shown.replaceChildren(
      ...(bound
        ? [
            el("p", { class: "qr-shown-title" }, this.L.t("wallet.qr.claims")),
            el(
              "dl",
              {},
              ...bound.disclosed.flatMap((c) => [
                el("dt", {}, claimName(c.name, lang)),
                el("dd", { "data-claim": c.name }, claimValue(c.name, c.value, lang)),
              ]),
            ),
          ]
        : []),
    );
    const chosen = this.chosenClaims();
    const withheld = bound
      ? bound.withheld
      : chosen
        ? (request.disclosable ?? []).map((c) => c.name).filter((n) => !chosen.includes(n))
        : undefined;
    const line = byId("qr-withheld");
    const everything = bound?.everything || (!bound && request.disclosable === undefined);
    line.hidden = withheld === undefined && !everything;
    line.dataset.withheld = (withheld ?? []).join(",");
    line.textContent = everything
      ? this.L.t("wallet.qr.everything")
      : withheld?.length
        ? this.L.t("wallet.qr.withheld", { claims: claimList(withheld, lang) })
        : this.L.t("wallet.qr.withheldNone");
  }

  private async save(): Promise<void> {
    if (!this.current) return;
    const blob = await qrPng(this.current.text, frameOf(this.current.request).colour);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${this.current.request.type}-qr.png`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }
}
