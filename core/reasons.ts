import type { BundleErrorCode } from "./bundle.ts";
import type { CompactError } from "./qr-text.ts";
import type { JwtFormatError } from "./jwt.ts";

/** Why a credential or presentation check failed: the stable codes a verdict's checks carry. */
export type VerifyReason =
  // the checkpoint and its data
  | "clock_before_bundle"
  | "status_stale"
  | "schema_unavailable"
  // the token
  | "wrong_typ"
  | "unsupported_alg"
  | "unsupported_header"
  | "signature_malformed"
  | "signature_malleable"
  | "bad_signature"
  // issuer and key
  | "unknown_issuer"
  | "kid_mismatch"
  | "unknown_key"
  | "alg_key_mismatch"
  | "key_revoked"
  | "key_not_valid_at_issuance"
  | "issuer_suspended"
  | "issuer_removed"
  // the credential
  | "missing_time_claims"
  | "claim_type_invalid"
  | "malformed_credential"
  | "issuer_mismatch"
  | "subject_mismatch"
  | "unknown_type"
  | "type_policy_missing"
  | "validity_exceeds_type_maximum"
  | "issuer_not_accredited"
  | "accreditation_expired"
  | "accreditation_not_yet_valid"
  | "accreditation_withdrawn"
  | "region_not_recognized"
  | "not_yet_valid"
  | "expired"
  | "schema_invalid"
  // status
  | "status_entry_malformed"
  | "status_purpose_mismatch"
  | "status_list_unknown"
  | "status_list_wrong_issuer"
  | "status_list_too_short"
  | "status_index_out_of_range"
  | "status_missing"
  | "revoked"
  | "suspended"
  // the presentation
  | "holder_did_unsupported"
  | "holder_did_noncanonical"
  | "malformed_presentation"
  | "presentation_required"
  | "presentation_expired"
  | "presentation_not_yet_valid"
  | "context_invalid"
  | "wrong_audience"
  | "audience_missing"
  | "wrong_nonce"
  | "nonce_missing"
  | "nonce_reused"
  | "holder_mismatch"
  // a credential shown on paper (core/paper.ts)
  | "paper_not_allowed"
  | "paper_identity_missing"
  | "phone_credential_on_paper"
  // SD-JWT VC (RFC 9901) and key binding
  | "key_binding_missing"
  | "sd_hash_mismatch"
  | "holder_key_invalid"
  | "claims_not_disclosed"
  | SdJwtReason;

/** What an SD-JWT (RFC 9901) can be wrong in: the sd_jwt_vc format's own codes (core/formats/sd-jwt-vc/sd-jwt.ts throws them). */
export type SdJwtReason =
  | "sd_jwt_malformed"
  | "sd_alg_unsupported"
  | "sd_disclosure_malformed"
  | "sd_disclosure_duplicate"
  | "sd_disclosure_unreferenced"
  | "sd_digest_duplicate"
  | "sd_claim_invalid"
  | "sd_salt_too_short";

/** Every code a verdict's `reason` can carry, including the pages' own (no QR, no bundle, the page's own challenge expired). */
export type ReasonCode =
  | VerifyReason
  | JwtFormatError["code"]
  | CompactError["code"]
  | BundleErrorCode
  | "no_qr_found"
  | "no_bundle"
  | "challenge_expired";

/**
 * Verdict reasons in plain words, for the person at the checkpoint, in English and Chinese
 * (the pages show both). The code stays the contract (tests, logs, APIs); these sentences are
 * for screens. Both tables are keyed by the union: a code without a sentence in either
 * language does not compile.
 */
const REASONS: Record<ReasonCode, string> = {
  revoked: "The issuing agency has revoked this credential.",
  suspended: "The issuing agency has suspended this credential.",
  expired: "This credential has expired.",
  not_yet_valid: "This credential is not valid yet.",
  missing_time_claims: "This credential does not say when it was issued or when it expires.",
  status_stale:
    "The revocation data on this device is too old for this kind of credential. Sync when you have a network.",
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
  unsupported_alg: "The token is signed with an algorithm Laissez does not accept.",
  unsupported_header:
    "The token's header asks for features Laissez refuses (embedded or remote keys, critical extensions).",
  kid_mismatch: "The signing key named in the token does not belong to its issuer or holder.",
  alg_key_mismatch: "The signature's algorithm does not fit the issuer's key.",
  key_revoked: "The key that signed this is recorded as compromised.",
  key_not_valid_at_issuance: "The key that signed this was not valid at the time of issuance.",
  unknown_key: "The signing key is not one of the issuer's keys.",
  malformed_credential: "The credential is missing required parts (type, subject or identifier).",
  claim_type_invalid:
    "A standard field of the credential (issuer, subject, validity times, identifier, type, key or status) has the wrong kind of value.",
  issuer_mismatch: "The credential names a different issuer inside than its signer.",
  subject_mismatch: "The credential names a different holder inside than its subject.",
  schema_invalid: "The credential's contents do not follow its type's rules.",
  status_entry_malformed: "The credential's revocation entry is malformed.",
  status_purpose_mismatch: "The credential's revocation entry points at the wrong kind of status list.",
  status_list_unknown: "The credential's revocation list is not in this device's data. Sync when you have a network.",
  status_list_wrong_issuer: "The credential's revocation list belongs to another agency.",
  status_list_too_short: "The credential's revocation list is too small to protect holders' privacy.",
  status_index_out_of_range: "The credential's revocation entry points outside its list.",
  status_missing: "The credential carries no revocation entry, so it cannot be checked.",
  holder_mismatch: "The person presenting is not the holder the credential was issued to.",
  holder_did_unsupported: "The holder's key is of a kind Laissez does not accept.",
  holder_did_noncanonical:
    "The holder's key is written in an unusual form (another spelling of the same key): only its standard form is accepted.",
  presentation_expired: "This QR code is too old or from the future: ask the holder to show a fresh one.",
  presentation_not_yet_valid:
    "This presentation is not valid yet: check this device's clock, or ask the holder for a fresh one.",
  context_invalid: "The credential does not declare the data model it follows (@context).",
  wrong_audience: "This presentation was made for another checkpoint or region.",
  audience_missing: "This QR code does not say which region it is for: ask the holder to make one for this region.",
  wrong_nonce: "This presentation answers another challenge.",
  nonce_missing: "This checkpoint asked for a challenge-bound presentation.",
  nonce_reused: "This presentation was already used here (replay).",
  compact_malformed: "This is not a Laissez QR code, or it was damaged in scanning.",
  compact_too_large: "This QR code holds more data than any presentation may.",
  compact_unsupported: "This presentation cannot be packed into a Laissez QR code.",
  wrong_typ: "This is not a presentation (wrong token type).",
  malformed_jwt: "This is not a valid presentation token.",
  json_syntax: "The token's contents are not valid JSON.",
  json_duplicate_key: "The token's contents name a field twice.",
  json_unsafe_number: "The token's contents carry a number too large to read exactly.",
  json_too_deep: "The token's contents are nested too deeply.",
  json_too_long: "The token is too long.",
  json_lone_surrogate: "The token's contents hold broken text (a lone UTF-16 surrogate).",
  malformed_presentation: "The presentation does not carry exactly one credential.",
  presentation_required:
    "Show the credential from the wallet (a presentation): a bare credential cannot prove who holds it.",
  key_binding_missing: "This presentation carries no proof of the holder's key (key binding stripped).",
  sd_hash_mismatch: "The holder's key binding does not cover the claims shown: something was added or removed.",
  holder_key_invalid: "The credential does not name a valid holder key.",
  claims_not_disclosed: "The holder did not show a claim this checkpoint asked for.",
  sd_jwt_malformed: "This is not a valid selective-disclosure credential.",
  sd_alg_unsupported: "The credential uses a digest algorithm Laissez does not accept.",
  sd_disclosure_malformed: "A disclosed claim is malformed or sits where it does not belong.",
  sd_disclosure_duplicate: "A disclosed claim is shown twice.",
  sd_disclosure_unreferenced: "A disclosed claim was not signed by the issuer: it was altered or added.",
  sd_digest_duplicate: "The credential lists a claim digest twice.",
  sd_claim_invalid: "A disclosed claim has a name that is reserved or already present.",
  sd_salt_too_short: "A disclosed claim's salt is too short to keep withheld claims secret.",
  no_qr_found: "No QR code could be read from that image.",
  no_bundle: "This checkpoint has no revocation data yet. Sync once with a network.",
  challenge_expired: "This checkpoint's challenge has expired: make a new one and ask the holder to scan it.",
  paper_not_allowed: "This kind of credential may not be shown on paper here.",
  paper_identity_missing: "This paper credential lacks the name or date of birth to compare with an ID document.",
  phone_credential_on_paper:
    "This credential was issued to a phone, not printed on paper: only the holder's phone may show it. It may have been copied from someone's QR code.",
  bundle_malformed: "The revocation data file is damaged.",
  bundle_bad_signature: "The revocation data file's signature does not verify: it was altered.",
  bundle_untrusted_signer: "The revocation data file was not signed by this region's authority.",
  bundle_wrong_chain: "The revocation data file is for another ledger.",
  bundle_rollback: "The revocation data file is older than data this device already had.",
  delta_base_mismatch: "The revocation update does not start where this device's data ends. Sync in full.",
  sequence_gap: "The revocation data misses an update. Sync in full.",
  event_invalid: "The revocation data holds an invalid change.",
  bundle_wrong_scope: "The revocation data file is for another region or other registries.",
  bundle_delegation_invalid: "The revocation data file was signed by a key the region authority did not delegate.",
  bundle_delegation_expired: "The region authority's delegation to the revocation data signer has expired.",
  bundle_signer_removed: "The revocation data file was signed by a signer the region has removed.",
  sync_incomplete: "The ledger node left out part of the record: sync again from another node.",
};

const REASONS_ZH: Record<ReasonCode, string> = {
  revoked: "发证机关已撤销此证件。",
  suspended: "发证机关已暂停此证件。",
  expired: "此证件已过期。",
  not_yet_valid: "此证件尚未生效。",
  missing_time_claims: "此证件未注明签发时间或到期时间。",
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
  unsupported_alg: "此令牌使用了 Laissez 不接受的签名算法。",
  unsupported_header: "此令牌的头部要求 Laissez 拒绝的功能（内嵌或远程密钥、关键扩展）。",
  kid_mismatch: "令牌中指明的签名密钥不属于其签发方或持证人。",
  alg_key_mismatch: "签名算法与发证机关的密钥不符。",
  key_revoked: "签署此证件的密钥已被记录为泄露。",
  key_not_valid_at_issuance: "签署此证件的密钥在签发时无效。",
  unknown_key: "签名密钥不属于该发证机关。",
  malformed_credential: "此证件缺少必需的部分（类型、主体或标识）。",
  claim_type_invalid: "此证件的某个标准字段（签发方、主体、有效时间、标识、类型、密钥或状态）的值类型错误。",
  issuer_mismatch: "证件内部注明的签发方与其签名方不同。",
  subject_mismatch: "证件内部注明的持证人与其主体不同。",
  schema_invalid: "证件内容不符合其类型的规则。",
  status_entry_malformed: "此证件的撤销条目格式错误。",
  status_purpose_mismatch: "此证件的撤销条目指向了错误种类的状态列表。",
  status_list_unknown: "本设备的数据中没有此证件的撤销列表。请在有网络时同步。",
  status_list_wrong_issuer: "此证件的撤销列表属于另一发证机关。",
  status_list_too_short: "此证件的撤销列表过小，不足以保护持证人的隐私。",
  status_index_out_of_range: "此证件的撤销条目指向列表之外。",
  status_missing: "此证件没有撤销条目，因此无法核查。",
  holder_mismatch: "出示人不是证件的持证人。",
  holder_did_unsupported: "持证人的密钥类型不被 Laissez 接受。",
  holder_did_noncanonical: "持证人的密钥以非标准形式书写（同一密钥的另一种写法）：只接受其标准形式。",
  presentation_expired: "此二维码已过时或来自未来：请持证人出示新的二维码。",
  presentation_not_yet_valid: "此出示凭证尚未生效：请检查本设备的时钟，或请持证人出示新的二维码。",
  context_invalid: "此证件未声明其遵循的数据模型（@context）。",
  presentation_required: "请从钱包出示证件（出示凭证）：单独的证件无法证明持证人是谁。",
  wrong_audience: "此出示凭证是为其他核验点或地区生成的。",
  audience_missing: "此二维码未注明用于哪个地区：请持证人生成用于本地区的二维码。",
  wrong_nonce: "此出示凭证回应的是另一个挑战。",
  nonce_missing: "本核验点要求绑定挑战的出示凭证。",
  nonce_reused: "此出示凭证已在此使用过（重放）。",
  compact_malformed: "这不是 Laissez 二维码，或扫描时已损坏。",
  compact_too_large: "此二维码的数据超出任何出示凭证的上限。",
  compact_unsupported: "此出示凭证无法压缩为 Laissez 二维码。",
  wrong_typ: "这不是出示凭证（令牌类型错误）。",
  malformed_jwt: "这不是有效的出示凭证。",
  json_syntax: "令牌内容不是有效的 JSON。",
  json_duplicate_key: "令牌内容中同一字段出现了两次。",
  json_unsafe_number: "令牌内容中的数字过大，无法精确读取。",
  json_too_deep: "令牌内容嵌套过深。",
  json_too_long: "令牌过长。",
  json_lone_surrogate: "令牌内容含有损坏的文本（孤立的 UTF-16 代理项）。",
  malformed_presentation: "出示凭证未恰好包含一个证件。",
  key_binding_missing: "此出示凭证未证明持证人的密钥（密钥绑定被去除）。",
  sd_hash_mismatch: "持证人的密钥绑定未覆盖所出示的信息：有内容被添加或删除。",
  holder_key_invalid: "此证件未注明有效的持证人密钥。",
  claims_not_disclosed: "持证人未出示本核验点要求的信息。",
  sd_jwt_malformed: "这不是有效的选择性披露证件。",
  sd_alg_unsupported: "此证件使用了 Laissez 不接受的摘要算法。",
  sd_disclosure_malformed: "某项出示的信息格式错误或位置不当。",
  sd_disclosure_duplicate: "某项出示的信息出示了两次。",
  sd_disclosure_unreferenced: "某项出示的信息未经发证机关签署：已被改动或添加。",
  sd_digest_duplicate: "此证件重复列出了某项信息的摘要。",
  sd_claim_invalid: "某项出示的信息名称为保留名称或已存在。",
  sd_salt_too_short: "某项出示信息的盐值过短，无法保护未出示的信息。",
  no_qr_found: "无法从该图片中读取二维码。",
  no_bundle: "本核验点尚无撤销数据。请在有网络时同步一次。",
  challenge_expired: "本核验点的挑战已过期：请生成新的挑战，并请持证人扫描。",
  paper_not_allowed: "此类证件在此不接受纸质形式。",
  paper_identity_missing: "此纸质证件缺少可与身份证件核对的姓名或出生日期。",
  phone_credential_on_paper:
    "此证件是签发给手机的，不是纸质证件：只能由持证人的手机出示。它可能是从他人的二维码复制的。",
  bundle_malformed: "撤销数据文件已损坏。",
  bundle_bad_signature: "撤销数据文件的签名无法验证：文件已被改动。",
  bundle_untrusted_signer: "撤销数据文件不是由本地区的主管机构签署的。",
  bundle_delegation_invalid: "撤销数据文件由地区主管机构未授权的密钥签署。",
  bundle_delegation_expired: "地区主管机构对撤销数据签署方的授权已到期。",
  bundle_signer_removed: "撤销数据文件由本地区已除名的签署方签署。",
  bundle_wrong_chain: "撤销数据文件属于另一账本。",
  bundle_rollback: "撤销数据文件比本设备已有的数据更旧。",
  delta_base_mismatch: "撤销数据更新的起点与本设备数据的终点不符。请完整同步。",
  sequence_gap: "撤销数据缺少一次更新。请完整同步。",
  event_invalid: "撤销数据包含无效的变更。",
  bundle_wrong_scope: "撤销数据文件属于其他地区或其他登记册。",
  sync_incomplete: "账本节点遗漏了部分记录：请从另一节点重新同步。",
};

export type ReasonLanguage = "en" | "zh";

export function isReasonCode(code: string): code is ReasonCode {
  return Object.hasOwn(REASONS, code);
}

/** A reason code in words; codes this build does not know fall back to the code itself, never to silence. */
export function describeReason(code: string | null, lang: ReasonLanguage = "en"): string {
  const zh = lang === "zh";
  if (code === null) return zh ? "全部检查通过。" : "All checks passed.";
  if (isReasonCode(code)) return (zh ? REASONS_ZH : REASONS)[code];
  return zh ? `检查未通过：${code}。` : `Check failed: ${code.replace(/_/g, " ")}.`;
}

/** Codes with a sentence (a test keeps both languages complete; the compiler already does). */
export const DESCRIBED_REASONS: readonly string[] = Object.keys(REASONS);
export const DESCRIBED_REASONS_ZH: readonly string[] = Object.keys(REASONS_ZH);
