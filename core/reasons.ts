/**
 * Verdict reasons in plain words, for the person at the checkpoint, in English and Chinese.
 * The code stays the contract (tests, logs, APIs); these sentences are for screens.
 */
const REASONS: Record<string, string> = {
  revoked: "The issuing agency has revoked this credential.",
  suspended: "The issuing agency has suspended this credential.",
  expired: "This credential has expired.",
  not_yet_valid: "This credential is not valid yet.",
  status_stale: "The revocation data on this device is too old for this kind of credential. Sync when you have a network.",
  clock_before_bundle: "This device's clock is earlier than its revocation data: check the date and time.",
  schema_unavailable: "This device does not know the rules for this credential type yet. Sync when you have a network.",
  region_not_recognized: "This region does not accept this kind of credential from the issuing region.",
  issuer_not_accredited: "The issuing agency is not accredited for this kind of credential.",
  accreditation_expired: "The issuing agency's accreditation had ended when it issued this.",
  accreditation_withdrawn: "The issuing agency's accreditation in force when it issued this was withdrawn for cause.",
  accreditation_not_yet_valid: "The issuing agency was not yet accredited when it issued this.",
  issuer_suspended: "The issuing agency is suspended.",
  issuer_removed: "The issuing agency has been removed from the registry.",
  unknown_issuer: "The issuer is not a registered agency.",
  unknown_type: "This credential type is not registered.",
  type_policy_missing: "This credential type has no validity policy on the ledger yet.",
  validity_exceeds_type_maximum: "This credential claims a longer validity than its type allows.",
  bad_signature: "The signature does not match: the credential or presentation was altered or forged.",
  signature_malformed: "The signature is malformed.",
  signature_malleable: "The signature is in a non-canonical form.",
  key_revoked: "The key that signed this is recorded as compromised.",
  key_not_valid_at_issuance: "The key that signed this was not valid at the time of issuance.",
  unknown_key: "The signing key is not one of the issuer's keys.",
  holder_mismatch: "The person presenting is not the holder the credential was issued to.",
  presentation_expired: "This QR code is too old or from the future: ask the holder to show a fresh one.",
  wrong_audience: "This presentation was made for another checkpoint or region.",
  audience_missing: "This QR code does not say which region it is for: ask the holder to make one for this region.",
  wrong_nonce: "This presentation answers another challenge.",
  nonce_missing: "This checkpoint asked for a challenge-bound presentation.",
  nonce_reused: "This presentation was already used here (replay).",
  schema_invalid: "The credential's contents do not follow its type's rules.",
  compact_malformed: "This is not a Laissez QR code, or it was damaged in scanning.",
  compact_too_large: "This QR code holds more data than any presentation may.",
  wrong_typ: "This is not a presentation (wrong token type).",
  malformed_jwt: "This is not a valid presentation token.",
  malformed_presentation: "The presentation does not carry exactly one credential.",
  no_qr_found: "No QR code could be read from that image.",
  no_bundle: "This checkpoint has no revocation data yet. Sync once with a network.",
  paper_not_allowed: "This kind of credential may not be shown on paper here.",
  paper_identity_missing: "This paper credential lacks the name or date of birth to compare with an ID document.",
};

const REASONS_ZH: Record<string, string> = {
  revoked: "发证机关已撤销此证件。",
  suspended: "发证机关已暂停此证件。",
  expired: "此证件已过期。",
  not_yet_valid: "此证件尚未生效。",
  status_stale: "本设备的撤销数据对此类证件而言已过旧。请在有网络时同步。",
  clock_before_bundle: "本设备的时钟早于其撤销数据：请检查日期和时间。",
  schema_unavailable: "本设备尚不知道此证件类型的规则。请在有网络时同步。",
  region_not_recognized: "本地区不接受该签发地区的此类证件。",
  issuer_not_accredited: "发证机关未获准签发此类证件。",
  accreditation_expired: "签发时发证机关的资质已到期。",
  accreditation_withdrawn: "签发时有效的发证资质后来因故被撤销。",
  accreditation_not_yet_valid: "签发时发证机关尚未获得资质。",
  issuer_suspended: "发证机关已被暂停。",
  issuer_removed: "发证机关已从名录中除名。",
  unknown_issuer: "签发方不是已登记的发证机关。",
  unknown_type: "此证件类型未登记。",
  type_policy_missing: "此证件类型在账本上尚无有效期政策。",
  validity_exceeds_type_maximum: "此证件声明的有效期超过其类型允许的上限。",
  bad_signature: "签名不符：证件或出示凭证被篡改或伪造。",
  signature_malformed: "签名格式错误。",
  signature_malleable: "签名不是规范形式。",
  key_revoked: "签署此证件的密钥已被记录为泄露。",
  key_not_valid_at_issuance: "签署此证件的密钥在签发时无效。",
  unknown_key: "签名密钥不属于该发证机关。",
  holder_mismatch: "出示人不是证件的持有人。",
  presentation_expired: "此二维码已过时或来自未来：请持证人出示新的二维码。",
  wrong_audience: "此出示凭证是为其他核验点或地区生成的。",
  audience_missing: "此二维码未注明用于哪个地区：请持证人生成用于本地区的二维码。",
  wrong_nonce: "此出示凭证回应的是另一个挑战。",
  nonce_missing: "本核验点要求绑定挑战的出示凭证。",
  nonce_reused: "此出示凭证已在此使用过（重放）。",
  schema_invalid: "证件内容不符合其类型的规则。",
  compact_malformed: "这不是 Laissez 二维码，或扫描时已损坏。",
  compact_too_large: "此二维码的数据超出任何出示凭证的上限。",
  wrong_typ: "这不是出示凭证（令牌类型错误）。",
  malformed_jwt: "这不是有效的出示凭证。",
  malformed_presentation: "出示凭证未恰好包含一个证件。",
  no_qr_found: "无法从该图片中读取二维码。",
  no_bundle: "本核验点尚无撤销数据。请在有网络时同步一次。",
  paper_not_allowed: "此类证件在此不接受纸质形式。",
  paper_identity_missing: "此纸质证件缺少可与身份证件核对的姓名或出生日期。",
};

export type ReasonLanguage = "en" | "zh";

/** A reason code in words; unknown codes fall back to the code itself, never to silence. */
export function describeReason(code: string | null, lang: ReasonLanguage = "en"): string {
  const zh = lang === "zh";
  if (code === null) return zh ? "全部检查通过。" : "All checks passed.";
  const table = zh ? REASONS_ZH : REASONS;
  if (Object.hasOwn(table, code)) return table[code] as string;
  return zh ? `检查未通过：${code}。` : `Check failed: ${code.replace(/_/g, " ")}.`;
}

/** Codes with a sentence (a test keeps both languages complete). */
export const DESCRIBED_REASONS: readonly string[] = Object.keys(REASONS);
export const DESCRIBED_REASONS_ZH: readonly string[] = Object.keys(REASONS_ZH);
