/**
 * The pages' languages: Simplified Chinese (the default when the browser prefers Chinese) and
 * English. Every visible string comes from a catalogue here; credential types, claims, claim
 * values, regions and verdict reasons have display names per language; dates are written in
 * the language's format and the citizen's own time zone. Core's reason codes stay the
 * interface: only the sentences change with the language. Pure: no DOM here.
 */
import { describeReason } from "../core/index.ts";
import { EN, ZH, type Catalogue, type MessageKey } from "./messages.ts";

export type Lang = "zh-CN" | "en";
export const LANGS: readonly Lang[] = ["zh-CN", "en"];
export type { MessageKey };

const CATALOGUES: Record<Lang, Catalogue> = { "zh-CN": ZH, en: EN };

/** The stored choice wins; otherwise Chinese when the browser lists any Chinese before English. */
export function pickLanguage(stored: string | null, preferred: readonly string[]): Lang {
  if (stored === "zh-CN" || stored === "en") return stored;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split("-")[0];
    if (base === "zh") return "zh-CN";
    if (base === "en") return "en";
  }
  return "zh-CN";
}

/** A message with `{name}` placeholders filled in. Unknown keys show the key (never silence). */
export function t(lang: Lang, key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = CATALOGUES[lang][key] ?? EN[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name: string) => (name in params ? String(params[name]) : `{${name}}`));
}

/**
 * Characters that would steer how the text around them is shown, or hide in it: bidi embeddings,
 * overrides, isolates and marks (a right-to-left override turns "gpj.exe" into "exe.jpg"), C0 and
 * C1 controls other than tab and newline, line and paragraph separators, the BOM.
 */
const CONTROLS =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/gu;

/**
 * Text from the chain or a credential as it may be shown: every control character replaced by
 * its visible code ("[U+202E]"), so an officer sees that one was there and the text cannot
 * reorder itself or what follows. Every display name below goes through it.
 */
export const visibleText = (text: string): string =>
  text.replace(CONTROLS, (c) => `[U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}]`);

const own = <T>(table: Record<string, T>, key: string): T | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined;

const TYPE_NAMES: Record<string, Record<Lang, string>> = {
  HealthCode: { "zh-CN": "健康码", en: "Health code" },
  DriverLicence: { "zh-CN": "机动车驾驶证", en: "Driving licence" },
  BusinessLicence: { "zh-CN": "营业执照", en: "Business licence" },
};

/** A credential type's display name; an unregistered name is split from camelCase rather than shown raw. */
export function typeName(type: string, lang: Lang): string {
  return own(TYPE_NAMES, type)?.[lang] ?? visibleText(type.replace(/([a-z])([A-Z])/g, "$1 $2"));
}

const CLAIM_NAMES: Record<string, Record<Lang, string>> = {
  healthStatus: { "zh-CN": "健康状态", en: "Health status" },
  givenName: { "zh-CN": "名", en: "Given name" },
  familyName: { "zh-CN": "姓", en: "Family name" },
  birthDate: { "zh-CN": "出生日期", en: "Date of birth" },
  licenceNumber: { "zh-CN": "证号", en: "Licence number" },
  categories: { "zh-CN": "准驾车型", en: "Categories" },
  unifiedSocialCreditCode: { "zh-CN": "统一社会信用代码", en: "Unified social credit code" },
  entityName: { "zh-CN": "名称", en: "Name of the entity" },
  legalRepresentative: { "zh-CN": "法定代表人", en: "Legal representative" },
  registeredCapitalCny: { "zh-CN": "注册资本（元）", en: "Registered capital (CNY)" },
};

export const claimName = (claim: string, lang: Lang): string =>
  own(CLAIM_NAMES, claim)?.[lang] ?? visibleText(claim.replace(/([a-z])([A-Z])/g, "$1 $2"));

const HEALTH_WORDS: Record<string, Record<Lang, string>> = {
  green: { "zh-CN": "绿码", en: "green" },
  yellow: { "zh-CN": "黄码", en: "yellow" },
  red: { "zh-CN": "红码", en: "red" },
};

/** A claim's value in words: health colours by name, lists joined, dates in the locale's format. */
export const claimValue = (claim: string, value: unknown, lang: Lang): string =>
  visibleText(claimWords(claim, value, lang));

function claimWords(claim: string, value: unknown, lang: Lang): string {
  if (claim === "healthStatus" && typeof value === "string") return own(HEALTH_WORDS, value)?.[lang] ?? value;
  if (claim === "birthDate" && typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value))
    return birthDateInWords(value, lang);
  if (Array.isArray(value))
    return value.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(lang === "zh-CN" ? "、" : ", ");
  return typeof value === "string" ? value : JSON.stringify(value);
}

const REGION_NAMES: Record<string, Record<Lang, string>> = {
  "CN-ZJ": { "zh-CN": "浙江", en: "Zhejiang" },
  "CN-SH": { "zh-CN": "上海", en: "Shanghai" },
  "CN-NM": { "zh-CN": "内蒙古", en: "Inner Mongolia" },
};

/** A region code with its name where the pages know it: "浙江 (CN-ZJ)". */
export function regionName(code: string, lang: Lang): string {
  const name = own(REGION_NAMES, code)?.[lang];
  return name ? `${name} (${code})` : visibleText(code);
}

/** Agency names as registered on chain are the interface; these are their Chinese names for display. */
const AGENCY_NAMES_ZH: Record<string, string> = {
  "Zhejiang Provincial Health Commission": "浙江省卫生健康委员会",
  "Zhejiang Traffic Police": "浙江省公安厅交通管理局",
  "Shanghai Municipal Health Commission": "上海市卫生健康委员会",
  "Shanghai Administration for Market Regulation": "上海市市场监督管理局",
  "Inner Mongolia Health Commission": "内蒙古自治区卫生健康委员会",
  "Inner Mongolia Traffic Police": "内蒙古自治区公安厅交通管理局",
};

export const agencyName = (registered: string, lang: Lang): string =>
  (lang === "zh-CN" ? own(AGENCY_NAMES_ZH, registered) : undefined) ?? visibleText(registered);

/** The checks core records (core/verdict.ts CheckCode), named for the officer. */
const CHECK_NAMES: Record<string, Record<Lang, string>> = {
  encoding: { "zh-CN": "二维码编码", en: "QR encoding" },
  format: { "zh-CN": "格式", en: "Format" },
  typ: { "zh-CN": "令牌类型", en: "Token type" },
  alg: { "zh-CN": "签名算法", en: "Signature algorithm" },
  holder: { "zh-CN": "持证人", en: "Holder" },
  signature: { "zh-CN": "签名", en: "Signature" },
  presentation: { "zh-CN": "出示方式", en: "Presentation" },
  clock: { "zh-CN": "时间", en: "Clock" },
  issuer: { "zh-CN": "签发机关", en: "Issuer" },
  key: { "zh-CN": "签发密钥", en: "Issuer key" },
  validity: { "zh-CN": "有效期", en: "Validity" },
  key_validity: { "zh-CN": "密钥有效期", en: "Key validity" },
  issuer_status: { "zh-CN": "签发机关状态", en: "Issuer status" },
  credential: { "zh-CN": "证件内容", en: "Credential" },
  accreditation: { "zh-CN": "签发资质", en: "Accreditation" },
  recognition: { "zh-CN": "跨地区互认", en: "Recognition" },
  schema: { "zh-CN": "信息项", en: "Schema" },
  status: { "zh-CN": "撤销与暂停状态", en: "Revocation and suspension" },
  freshness: { "zh-CN": "撤销数据时效", en: "Freshness of revocation data" },
  holder_binding: { "zh-CN": "持证人绑定", en: "Holder binding" },
  bundle: { "zh-CN": "撤销数据", en: "Revocation data" },
  paper: { "zh-CN": "纸质证件", en: "Paper" },
  disclosure: { "zh-CN": "选择性出示", en: "Selective disclosure" },
};

export const checkName = (code: string, lang: Lang): string => own(CHECK_NAMES, code)?.[lang] ?? visibleText(code);

/** A verdict reason (core's stable code) as a sentence in the language. */
export const reasonText = (code: string | null, lang: Lang): string =>
  describeReason(code, lang === "zh-CN" ? "zh" : "en");

/** Date and time in the language's format and the device's (the citizen's) time zone. */
export function dateTimeInWords(unix: number, lang: Lang, timeZone?: string): string {
  return new Intl.DateTimeFormat(lang, {
    dateStyle: "long",
    timeStyle: "short",
    ...(timeZone ? { timeZone } : {}),
  }).format(new Date(unix * 1000));
}

/** Unix times (ten digits, 2001–2286) inside core's check details, written as dates: "expired at 1765432100" → "expired at 2025年12月11日 13:48". */
export const timesInWords = (text: string, lang: Lang): string =>
  text.replace(/\b[1-9]\d{9}\b/g, (n) => dateTimeInWords(Number(n), lang));

export function dateInWords(unix: number, lang: Lang, timeZone?: string): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: "long", ...(timeZone ? { timeZone } : {}) }).format(
    new Date(unix * 1000),
  );
}

/** A calendar date (birth date) is no instant: formatted in UTC so no time zone moves it a day. */
export function birthDateInWords(iso: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: "long", timeZone: "UTC" }).format(new Date(`${iso}T00:00:00Z`));
}

const UNITS: Record<"second" | "minute" | "hour" | "day", Record<Lang, (n: number) => string>> = {
  second: { "zh-CN": (n) => `${n} 秒`, en: (n) => `${n} second${n === 1 ? "" : "s"}` },
  minute: { "zh-CN": (n) => `${n} 分钟`, en: (n) => `${n} minute${n === 1 ? "" : "s"}` },
  hour: { "zh-CN": (n) => `${n}小时`, en: (n) => `${n} hour${n === 1 ? "" : "s"}` },
  day: { "zh-CN": (n) => `${n}天`, en: (n) => `${n} day${n === 1 ? "" : "s"}` },
};

/**
 * A duration in whole units, as people say it: "8 秒", "5 分钟", "1小时12分", "3天2小时";
 * "1 hour 12 minutes" (never "1.2 小时"). Seconds under a minute, minutes under an hour, then hours and
 * minutes under two days, then days and hours.
 */
export function durationInWords(seconds: number, lang: Lang): string {
  const s = Math.max(0, Math.round(seconds));
  const u = (unit: keyof typeof UNITS, n: number): string => UNITS[unit][lang](n);
  if (s < 60) return u("second", s);
  if (s < 3600) return u("minute", Math.round(s / 60));
  const [big, small, size, smallSize] =
    s < 172_800 ? (["hour", "minute", 3600, 60] as const) : (["day", "hour", 86400, 3600] as const);
  const whole = Math.floor(s / size);
  const rest = Math.round((s - whole * size) / smallSize);
  if (rest === 0) return u(big, whole);
  // "1小时12分": after hours, Chinese says minutes as 分.
  if (lang === "zh-CN") return `${u(big, whole)}${small === "minute" ? `${rest}分` : u(small, rest)}`;
  return `${u(big, whole)} ${u(small, rest)}`;
}

const HAN = /\p{Script=Han}/u;

/**
 * A person's name as the language writes it: a Chinese name family name first with no space
 * (李梅) in either language; a Latin spelling family name first on Chinese pages ("Li Mei"),
 * given name first in English ("Mei Li").
 */
export function personName(name: { readonly familyName?: unknown; readonly givenName?: unknown }, lang: Lang): string {
  const family = typeof name.familyName === "string" ? name.familyName.trim() : "";
  const given = typeof name.givenName === "string" ? name.givenName.trim() : "";
  if (HAN.test(family) || HAN.test(given)) return visibleText(`${family}${given}`);
  return visibleText((lang === "zh-CN" ? [family, given] : [given, family]).filter(Boolean).join(" "));
}

/** A claim as shown: its label and value in words; family and given name become one "姓名" row, where the first of them stood. */
export interface ClaimRow {
  readonly key: string;
  readonly label: string;
  readonly value: string;
}

export function claimRows(claims: Readonly<Record<string, unknown>>, lang: Lang): ClaimRow[] {
  const rows: ClaimRow[] = [];
  const named = "familyName" in claims && "givenName" in claims;
  for (const [key, value] of Object.entries(claims)) {
    if (named && (key === "familyName" || key === "givenName")) {
      if (!rows.some((r) => r.key === "name"))
        rows.push({ key: "name", label: lang === "zh-CN" ? "姓名" : "Name", value: personName(claims, lang) });
      continue;
    }
    rows.push({ key, label: claimName(key, lang), value: claimValue(key, value, lang) });
  }
  return rows;
}

/** How long until (or since) a moment, in words: "29 天后" / "in 29 days". */
export function relativeInWords(unix: number, now: number, lang: Lang): string {
  const d = unix - now;
  const a = Math.abs(d);
  const [value, unit]: [number, Intl.RelativeTimeFormatUnit] =
    a < 90
      ? [d, "second"]
      : a < 5400
        ? [Math.round(d / 60), "minute"]
        : a < 172_800
          ? [Math.round(d / 3600), "hour"]
          : [Math.round(d / 86400), "day"];
  return new Intl.RelativeTimeFormat(lang, { numeric: "auto" }).format(value, unit);
}
