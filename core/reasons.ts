/**
 * Verdict reasons in plain words, for the person at the checkpoint. The code stays the
 * contract (tests, logs, APIs); these sentences are for screens.
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
};

/** A reason code in words; unknown codes fall back to the code itself, never to silence. */
export function describeReason(code: string | null): string {
  if (code === null) return "All checks passed.";
  return (Object.hasOwn(REASONS, code) ? REASONS[code] : undefined) ?? `Check failed: ${code.replace(/_/g, " ")}.`;
}
