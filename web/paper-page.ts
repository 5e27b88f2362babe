/**
 * The printed credential for a citizen without a smartphone: one A4/A5 page in Chinese and
 * English with the credential's QR code (the credential alone, `LZP1:`), the holder's name
 * and date of birth, the issuing agency and region, and the validity. Pure: returns HTML with
 * its print CSS inline in a <style> element (the page is a file, opened and printed locally).
 */
import {
  agencyName,
  birthDateInWords,
  claimName,
  claimValue,
  dateInWords,
  personName,
  regionName,
  typeName,
} from "./i18n.ts";

export interface PaperFacts {
  readonly type: string;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly agency: string;
  readonly region: string;
  readonly validFrom: number;
  readonly validUntil: number;
  readonly credentialId: string;
  /** SVG markup of the QR code (4-module quiet zone). */
  readonly qrSvg: string;
  /** QR version at level M, printed small for the record. */
  readonly qrVersion: number | null;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `
@page { size: A5 portrait; margin: 12mm; }
body { font-family: "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", system-ui, sans-serif; color: #000; margin: 0 auto; max-width: 148mm; }
h1 { font-size: 20pt; margin: 0 0 2mm; } h1 span { font-size: 13pt; font-weight: 400; }
.qr svg { width: 80mm; height: 80mm; display: block; margin: 4mm auto; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 1.5mm 5mm; font-size: 11pt; }
dt { color: #333; } dd { margin: 0; font-weight: 700; }
.note { border: 1px solid #000; padding: 2mm 3mm; font-size: 10pt; }
.small { font-size: 8pt; color: #333; word-break: break-all; }
@media screen { body { padding: 8mm; } }
@media print { body { padding: 0; } .qr svg { width: 70mm; height: 70mm; } }
`;

/** Both languages on one sheet: Chinese first, English beside it. */
function both(zh: string, en: string): string {
  return `${escapeHtml(zh)} <span lang="en">${escapeHtml(en)}</span>`;
}

export function paperCredentialHtml(f: PaperFacts): string {
  // Chinese order, no space for a Chinese name (李梅); a Latin spelling once per language's order.
  const [nameZh, nameEn] = [personName(f.claims, "zh-CN"), personName(f.claims, "en")];
  const birth = typeof f.claims.birthDate === "string" ? f.claims.birthDate : "";
  const others = Object.entries(f.claims).filter(([k]) => !["givenName", "familyName", "birthDate"].includes(k));
  const row = (zh: string, en: string, value: string): string => `<dt>${both(zh, en)}</dt><dd>${value}</dd>`;
  const rows = [
    row("姓名", "Name", nameZh === nameEn ? escapeHtml(nameZh) : both(nameZh, nameEn)),
    row(
      "出生日期",
      "Date of birth",
      birth ? both(birthDateInWords(birth, "zh-CN"), birthDateInWords(birth, "en")) : "—",
    ),
    ...others.map(([k, v]) =>
      row(claimName(k, "zh-CN"), claimName(k, "en"), both(claimValue(k, v, "zh-CN"), claimValue(k, v, "en"))),
    ),
    row("签发机关", "Issued by", both(agencyName(f.agency, "zh-CN"), f.agency)),
    row("签发地区", "Region", both(regionName(f.region, "zh-CN"), regionName(f.region, "en"))),
    row(
      "有效期",
      "Valid",
      both(
        `${dateInWords(f.validFrom, "zh-CN")} 至 ${dateInWords(f.validUntil, "zh-CN")}`,
        `${dateInWords(f.validFrom, "en")} – ${dateInWords(f.validUntil, "en")}`,
      ),
    ),
  ];
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(typeName(f.type, "zh-CN"))} · ${escapeHtml(typeName(f.type, "en"))}</title><style>${STYLE}</style></head>
<body><main>
<h1>${both(typeName(f.type, "zh-CN"), typeName(f.type, "en"))}</h1>
<div class="qr" role="img" aria-label="${escapeHtml(`${typeName(f.type, "zh-CN")}二维码`)}" aria-describedby="qr-en">${f.qrSvg}</div>
<dl>${rows.join("")}</dl>
<p class="note">${both("纸质证件：核验点须将姓名和出生日期与持证人的身份证件核对。", "Paper credential: the checkpoint compares the name and date of birth with the holder's ID document.")}</p>
<p class="small"><span id="qr-en" lang="en">${escapeHtml(typeName(f.type, "en"))} QR code</span> · ${escapeHtml(f.credentialId)} · QR ${f.qrVersion ?? "—"} (M)</p>
</main></body></html>
`;
}
