/**
 * The open registry page, served by each checkpoint service: the consortium as the chain
 * records it — regions and authorities, agencies and accreditations, the recognition matrix,
 * credential types with their schemas and maximum status age, and per agency the counts of
 * revocations and suspensions over the syncs this device kept. Read-only, from the signed
 * bundle under this device's pinned anchor, so it works offline; nothing about a person.
 */
import type { TrustBundle } from "../../../core/index.ts";
import {
  agencyName,
  claimName,
  dateInWords,
  dateTimeInWords,
  durationInWords,
  regionName,
  typeName,
  type Lang,
} from "../../../web/i18n.ts";
import { PageLanguage } from "../../../web/language.ts";
import { appendCounts, recognitionMatrix, schemaClaims, type CountsAt } from "../../../web/registry-model.ts";
import { TrustStore } from "../../../web/trust-store.ts";
import { byId, downloadBundle, el, isolated, nowSeconds, registerServiceWorker } from "../../../web/ui.ts";

const SERIES_KEY = "laissez.registry.counts";
const FOREVER = 2 ** 53 - 1;

/** A table under its heading (`h-<name>`): the first cell of a row heads the row; the wrapper scrolls on a phone, so it takes focus (arrow keys scroll it) and is named by the heading. */
function table(head: string[], rows: (string | Node)[][], name: string): HTMLElement {
  const row = (r: (string | Node)[]): HTMLElement =>
    el("tr", {}, ...r.map((c, i) => (i === 0 ? el("th", { scope: "row" }, c) : el("td", {}, c))));
  return el(
    "div",
    { class: "table-wrap", role: "region", tabindex: "0", "aria-labelledby": `h-${name}` },
    el(
      "table",
      { "data-table": name },
      el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...rows.map(row)),
    ),
  );
}

function regions(b: TrustBundle, L: PageLanguage): HTMLElement[] {
  const rows = Object.entries(b.regions)
    .sort()
    .map(([code, r]) => [regionName(code, L.lang), el("span", { class: "mono" }, r.authority)]);
  return [
    el("h2", { id: "h-regions" }, L.t("registry.regions")),
    table([L.t("registry.region"), L.t("registry.authority")], rows, "regions"),
  ];
}

function agencies(b: TrustBundle, L: PageLanguage): HTMLElement[] {
  const lang: Lang = L.lang;
  const rows = Object.values(b.issuers)
    .sort((x, y) => x.region.localeCompare(y.region) || x.name.localeCompare(y.name))
    .map((a) => [
      isolated(agencyName(a.name, lang)),
      regionName(a.region, lang),
      L.t(`registry.status.${a.status}`),
      el(
        "ul",
        {},
        // Every window the chain recorded, with how it ended (accreditation history).
        ...Object.entries(a.accreditations).flatMap(([type, windows]) =>
          windows.map((w) =>
            el(
              "li",
              { "data-end": w.end },
              `${typeName(type, lang)}: ${L.t("registry.window", { from: dateInWords(w.validFrom, lang), until: w.validUntil >= FOREVER || w.validUntil === 0 ? L.t("registry.forever") : dateInWords(w.validUntil, lang) })}${w.end === "scheduled" ? "" : ` (${L.t(`registry.end.${w.end}`)})`}`,
            ),
          ),
        ),
      ),
    ]);
  return [
    el("h2", { id: "h-agencies" }, L.t("registry.agencies")),
    table(
      [L.t("registry.agency"), L.t("registry.region"), L.t("registry.agencyStatus"), L.t("registry.accreditations")],
      rows,
      "agencies",
    ),
  ];
}

function recognition(b: TrustBundle, L: PageLanguage): HTMLElement[] {
  const m = recognitionMatrix(b);
  const rows = m.regions.map((v) => [
    regionName(v, L.lang),
    ...m.regions.map((i) => {
      const a = m.accepts(v, i);
      return a === "own"
        ? L.t("registry.recognition.own")
        : a.length
          ? a.map((t) => typeName(t, L.lang)).join(L.lang === "zh-CN" ? "、" : ", ")
          : L.t("registry.recognition.none");
    }),
  ]);
  return [
    el("h2", { id: "h-recognition" }, L.t("registry.recognition")),
    el("p", { class: "note" }, L.t("registry.recognition.note")),
    table([L.t("registry.recognition.corner"), ...m.regions.map((r) => regionName(r, L.lang))], rows, "recognition"),
  ];
}

function types(b: TrustBundle, L: PageLanguage): HTMLElement[] {
  const rows = Object.entries(b.credentialTypes)
    .sort()
    .map(([type, t]) => [
      el("span", {}, isolated(typeName(type, L.lang)), " (", isolated(type), ")"),
      durationInWords(t.maxStatusAge, L.lang),
      t.maxValidity === null ? L.t("registry.noPolicy") : durationInWords(t.maxValidity, L.lang),
      L.t(t.paperAllowed ? "registry.yes" : "registry.no"),
      schemaClaims(t.schema)
        .map((c) => `${claimName(c.name, L.lang)}${c.required ? " *" : ""}`)
        .join(L.lang === "zh-CN" ? "、" : ", ") || "—",
      // The hash to compare, not to read: its ends, the whole of it on hover and to copy.
      el(
        "span",
        { class: "mono short", title: t.schemaHash },
        `${t.schemaHash.slice(0, 10)}…${t.schemaHash.slice(-6)}`,
      ),
    ]);
  return [
    el("h2", { id: "h-types" }, L.t("registry.types")),
    table(
      [
        L.t("registry.type"),
        L.t("registry.maxStatusAge"),
        L.t("registry.maxValidity"),
        L.t("registry.paper"),
        L.t("registry.schema"),
        L.t("registry.schemaHash"),
      ],
      rows,
      "types",
    ),
  ];
}

function counts(b: TrustBundle, series: readonly CountsAt[], L: PageLanguage): HTMLElement[] {
  const latest = series.at(-1)?.counts ?? {};
  const rows = Object.entries(b.issuers).map(([address, a]) => {
    const c = latest[address] ?? { entries: 0, revoked: 0, suspended: 0 };
    const trend = series.map(
      (p) =>
        `${dateTimeInWords(p.timestamp, L.lang)}: ${p.counts[address]?.revoked ?? 0} / ${p.counts[address]?.suspended ?? 0}`,
    );
    return [
      isolated(agencyName(a.name, L.lang)),
      String(c.revoked),
      String(c.suspended),
      String(c.entries),
      el("details", {}, el("summary", {}, L.t("registry.history")), el("ul", {}, ...trend.map((x) => el("li", {}, x)))),
    ];
  });
  return [
    el("h2", { id: "h-counts" }, L.t("registry.counts")),
    el("p", { class: "note" }, L.t("registry.counts.note")),
    table(
      [
        L.t("registry.agency"),
        L.t("registry.revoked"),
        L.t("registry.suspended"),
        L.t("registry.issued"),
        L.t("registry.history"),
      ],
      rows,
      "counts",
    ),
  ];
}

async function main(): Promise<void> {
  void registerServiceWorker();
  const L = new PageLanguage();
  L.wire();
  const info = (await (await fetch("checkpoint.json")).json()) as {
    region: string;
    chainId: number;
    authority: string;
    bundle: string;
  };
  const store = new TrustStore("checkpoint", localStorage);
  store.offer(info, nowSeconds());
  try {
    if (navigator.onLine) store.accept((await downloadBundle(info.bundle)).text, nowSeconds());
  } catch (e) {
    console.warn("registry: sync failed, showing the stored bundle:", e);
  }
  let series = JSON.parse(localStorage.getItem(SERIES_KEY) ?? "[]") as CountsAt[];
  if (store.bundle) {
    series = appendCounts(series, store.bundle);
    localStorage.setItem(SERIES_KEY, JSON.stringify(series));
  }
  const render = (): void => {
    const b = store.bundle;
    const region = store.trust?.anchor.region ?? info.region;
    byId("intro").textContent = L.t("registry.intro", { region: regionName(region, L.lang) });
    byId("as-of").textContent = b
      ? L.t("registry.asOf", {
          block: b.block.number,
          time: dateTimeInWords(b.block.timestamp, L.lang),
          age: durationInWords(nowSeconds() - b.block.timestamp, L.lang),
        })
      : L.t("registry.none");
    byId("registry").replaceChildren(
      ...(b
        ? [...regions(b, L), ...agencies(b, L), ...recognition(b, L), ...types(b, L), ...counts(b, series, L)]
        : []),
    );
  };
  L.onChange(render);
  L.apply();
  document.body.dataset.ready = "true";
}

void main();
