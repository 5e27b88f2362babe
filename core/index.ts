/**
 * Laissez core's public API: what the services, the wallet, the pages, the CLI and the bench
 * may use. Everything else in core/ is internal (eslint enforces it; see core/README.md).
 */

// Verification: one entry point per kind, and one for a token of unknown kind.
export {
  notLaissezText,
  verifyToken,
  verifyCredential,
  verifyPaperCredential,
  verifyPresentation,
  isPresentation,
  DEFAULT_SKEW,
  DEFAULT_STATIC_WINDOW,
  DEFAULT_CHALLENGE_WINDOW,
} from "./verify.ts";
export type {
  Check,
  CheckCode,
  Verdict,
  VerdictKind,
  VerifyCredentialParameters,
  VerifyPresentationParameters,
  VerifyTokenParameters,
} from "./verify.ts";
export { bundleUnusableVerdict } from "./verdict.ts";
export { PAPER_IDENTITY_CLAIMS } from "./paper.ts";

// Credential formats: one table, one answer to "what kind of text is this?" (core/formats/).
export {
  DEFAULT_FORMAT,
  DEFAULT_FORMAT_NAME,
  FORMAT_NAMES,
  FORMATS,
  formatOf,
  formatOfCredential,
  isCredentialFormat,
  type CredentialFormat,
} from "./formats/index.ts";
export type { Format, PresentOptions, QrTextForm, Statement, TextForm } from "./formats/index.ts";
export { compactCredential, expandCredential, PAPER_PREFIX } from "./formats/jwt-vc/paper.ts";
export {
  describeReason,
  DESCRIBED_REASONS,
  DESCRIBED_REASONS_ZH,
  isReasonCode,
  type ReasonCode,
  type ReasonLanguage,
  type VerifyReason,
} from "./reasons.ts";
export { lowS, nobleVerifier, secp256k1Address, type JwsAlg, type SignatureVerifier } from "./crypto.ts";

// Signing: one interface for every key (software, HSM, KMS).
export {
  jwtSigner,
  probeSigner,
  probeText,
  SIGNED_CONTENT_KINDS,
  type SignedContent,
  type SignedContentKind,
  recoveredFromRsv,
  rsvFromRecovered,
  signDigest,
  signerAddress,
  SignerError,
  softwareSigner,
  type KeySigner,
  type KeySignerAlg,
} from "./signer.ts";

// Trust bundles: build, sign, open, update.
export {
  addressKeyId,
  applyEvents,
  verificationMethodOf,
  BundleError,
  cloneBundle,
  COMPROMISED_ATTRIBUTE,
  emptyBundle,
  publicKeyId,
} from "./bundle.ts";
export type {
  BlockRef,
  BundleErrorCode,
  CredentialTypeEntry,
  IssuerEntry,
  IssuerKey,
  StatusListEntry,
  TrustBundle,
} from "./bundle.ts";
export {
  acceptBundle,
  applyDelta,
  bundleScope,
  delegationAuthority,
  deserializeBundle,
  loadSignedBundle,
  openEnvelope,
  openSignedBundle,
  serializeBundle,
  signDelegation,
  signEnvelope,
} from "./bundle-codec.ts";
export type { BundleDelegation, SignedDelegation } from "./bundle-codec.ts";
export type {
  BundleDelta,
  CheckpointState,
  EnvelopeScope,
  SerializedBundle,
  SignedEnvelope,
  TrustAnchor,
} from "./bundle-codec.ts";
export type { DidEvent, IssuerStatus, LedgerEvent, StatusEvent, StatusPurpose, TrustEvent } from "./ledger-events.ts";

// A device's pinned trust anchor (the pages).
export {
  afterAccepting,
  AnchorError,
  checkPlausible,
  MAX_CHAIN_AHEAD_SECONDS,
  parseAnchorFile,
  replaceAnchor,
  sameAnchor,
  toCheckpointState,
  toTrustAnchor,
} from "./anchor.ts";
export type { AnchorErrorCode, DeviceTrust, PinnedAnchor } from "./anchor.ts";

// Issuing and presenting.
export {
  ed25519IssuerKey,
  es256kIssuerKey,
  holderSigner,
  isPaperSubject,
  issuerKey,
  IssueError,
  PAPER_SUBJECT_PREFIX,
  parseStatusListUrl,
  regionAudience,
  statusListUrl,
  STATUS_LIST_CONTEXT,
  STATUS_LIST_TYPES,
  VC_CONTEXT,
} from "./credential.ts";
export { issueCredential, presentCredential, TYP, type StatusEntry } from "./formats/jwt-vc/credential.ts";
export type { IssueCredentialParameters, IssuerSigningKey, PresentParameters, StatusReference } from "./credential.ts";
export { createHolderProof, verifyHolderProof } from "./holder-proof.ts";
export {
  configurationId,
  credentialConfiguration,
  CREDENTIAL_FORMAT,
  ENDPOINTS,
  OFFER_URI_PREFIX,
  formatOfWire,
  offerUri,
  parseConfigurationId,
  PRE_AUTHORIZED_GRANT,
  PROOF_TYPE,
  SD_JWT_VC_FORMAT,
  WIRE_FORMAT,
  WIRE_FORMATS,
} from "./openid4vci.ts";
export type {
  CredentialOffer,
  CredentialRequest,
  CredentialResponse,
  TokenResponse,
  WireFormat,
} from "./openid4vci.ts";

// SD-JWT VC (RFC 9901): issue, present with chosen disclosures and key binding, the LZ2 QR form.
export {
  disclosableClaims,
  holderJwk,
  issueSdJwtVc,
  jwkHolder,
  presentSdJwtVc,
  SD_TYP,
} from "./formats/sd-jwt-vc/sd-jwt-vc.ts";
export type { IssueSdJwtVcParameters, PresentSdJwtParameters } from "./formats/sd-jwt-vc/sd-jwt-vc.ts";
export { joinSdJwt, splitSdJwt, SdJwtError, type SdJwtErrorCode } from "./formats/sd-jwt-vc/sd-jwt.ts";
export {
  compactSdJwtPresentation,
  expandSdJwtPresentation,
  SD_COMPACT_PREFIX,
} from "./formats/sd-jwt-vc/compact-sd-jwt.ts";
export { purposeOf, setsBit, STATUS_ACTIONS, type StatusAction } from "./status-action.ts";
export {
  CHALLENGE_PREFIX,
  challengeText,
  ChallengeError,
  CLAIM_NAME,
  isChallengeAudience,
  isChallengeText,
  MAX_REQUESTED_CLAIMS,
  readChallengeText,
  requestedClaims,
  type Challenge,
  type ChallengeErrorCode,
} from "./challenge-text.ts";
export { compactPresentation, COMPACT_PREFIX, expandPresentation, readPresentation } from "./formats/jwt-vc/compact.ts";
export { CompactError, MAX_COMPACT_CHARS } from "./qr-text.ts";
export {
  ethrDid,
  holderDidProblem,
  holderKeyId,
  holderPublicKey,
  p256DidJwk,
  p256DidKey,
  parseEthrDid,
  type HolderDidProblem,
} from "./did.ts";

// Status bits and lists.
export {
  applyWordMask,
  bitstringToTokenStatusList,
  getBit,
  getTokenStatus,
  setBit,
  setTokenStatus,
  toWordMasks,
  wordMask,
  wordsToBitstring,
  wordsToTokenStatusList,
  WORD_BITS,
} from "./status-bits.ts";
export type { TokenStatusBits, WordMasks } from "./status-bits.ts";
export {
  applyStatusChanges,
  collectWordMask,
  countSet,
  emptyStatusSet,
  hasStatus,
  statusSetFromBitstring,
  statusSetToBitstring,
  type StatusSet,
} from "./status-set.ts";
export { decodeStatusList, encodeStatusList, MIN_STATUS_LIST_SIZE, StatusListError } from "./status-list.ts";
export {
  decodeStatusListToken,
  encodeLst,
  signStatusListToken,
  STATUS_LIST_TYP,
  StatusListTokenError,
  tokenStatusAt,
} from "./token-status-list.ts";
export type { DecodedStatusListToken, StatusListTokenPayload } from "./token-status-list.ts";

// Strict parsing and encodings of untrusted input.
export { decodeJwt, decodeJwtHeader, JwtFormatError, type DecodedJwt } from "./jwt.ts";
export { isObject, JsonError, parseJson, type JsonValue } from "./json.ts";
export { base64urlDecode, base64urlEncode, bytesToHex, hexToBytes, utf8, fromUtf8 } from "./encoding.ts";
export { validateSchema } from "./schema.ts";
export { canonicalize } from "./canonical.ts";
export { hashCanonical } from "./hash.ts";
export { CodedError, isCodedError } from "./errors.ts";
