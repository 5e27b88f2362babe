/**
 * The parts of OpenID for Verifiable Credential Issuance (pre-authorized code flow) that the
 * issuer service and the wallet both speak: one definition of each constant and message shape.
 */
import { FORMAT_NAMES, FORMATS, type CredentialFormat } from "./formats/index.ts";

export type { CredentialFormat } from "./formats/index.ts";

/** RFC 8693-style grant type of the pre-authorized code flow (OpenID4VCI §4.1.1). */
export const PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
/** The credential formats this issuer delivers, as OpenID4VCI names them: each row of the table (core/formats/) says its own. */
export const CREDENTIAL_FORMAT = FORMATS.jwt_vc.wire;
export const SD_JWT_VC_FORMAT = FORMATS.sd_jwt_vc.wire;
export type WireFormat = (typeof FORMATS)[CredentialFormat]["wire"];
export const WIRE_FORMAT = Object.fromEntries(FORMAT_NAMES.map((f) => [f, FORMATS[f].wire])) as {
  [F in CredentialFormat]: (typeof FORMATS)[F]["wire"];
};
/** Every wire format, for a request's schema. */
export const WIRE_FORMATS = FORMAT_NAMES.map((f) => FORMATS[f].wire) as [WireFormat, ...WireFormat[]];
/** The format a wire name means, or undefined. */
export const formatOfWire = (wire: string): CredentialFormat | undefined =>
  FORMAT_NAMES.find((f) => FORMATS[f].wire === wire);

/** A type's configuration id for a format: the type and the format's suffix (none for jwt_vc, `.sd-jwt` for SD-JWT VC). */
export const configurationId = (type: string, format: CredentialFormat): string =>
  type + FORMATS[format].configurationSuffix;

/** The type and format a configuration id names (the format whose suffix it ends with; the suffixless one otherwise). */
export function parseConfigurationId(id: string): { type: string; format: CredentialFormat } {
  const format =
    FORMAT_NAMES.find((f) => FORMATS[f].configurationSuffix !== "" && id.endsWith(FORMATS[f].configurationSuffix)) ??
    FORMAT_NAMES.find((f) => FORMATS[f].configurationSuffix === "") ??
    FORMAT_NAMES[0];
  return { type: id.slice(0, id.length - FORMATS[format].configurationSuffix.length), format };
}
/** The only proof of possession type: a JWT (its `typ` is `PROOF_TYP` in holder-proof.ts). */
export const PROOF_TYPE = "jwt";
export const OFFER_URI_PREFIX = "openid-credential-offer://?credential_offer=";

/** Paths under the credential issuer's URL. */
export const ENDPOINTS = {
  metadata: "/.well-known/openid-credential-issuer",
  token: "/token",
  credential: "/credential",
} as const;

export interface CredentialOffer {
  readonly credential_issuer: string;
  readonly credential_configuration_ids: readonly string[];
  readonly grants: { readonly [PRE_AUTHORIZED_GRANT]: { readonly "pre-authorized_code": string } };
}

export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: "Bearer";
  readonly expires_in: number;
  readonly c_nonce: string;
  readonly c_nonce_expires_in: number;
}

export interface CredentialRequest {
  readonly format?: WireFormat;
  readonly credential_configuration_id?: string;
  readonly proof: { readonly proof_type: typeof PROOF_TYPE; readonly jwt: string };
}

export interface CredentialResponse {
  readonly credential: string;
  readonly format: WireFormat;
}

/** The offer as the URI a wallet scans or opens. */
export const offerUri = (offer: CredentialOffer): string =>
  OFFER_URI_PREFIX + encodeURIComponent(JSON.stringify(offer));

/** The issuer metadata entry for one credential type in one format. */
export const credentialConfiguration = (type: string, format: CredentialFormat = "jwt_vc") => ({
  format: WIRE_FORMAT[format],
  ...FORMATS[format].metadata(type),
  proof_types_supported: { [PROOF_TYPE]: { proof_signing_alg_values_supported: ["ES256"] } },
});
