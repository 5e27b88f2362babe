/**
 * The parts of OpenID for Verifiable Credential Issuance (pre-authorized code flow) that the
 * issuer service and the wallet both speak: one definition of each constant and message shape.
 */

/** RFC 8693-style grant type of the pre-authorized code flow (OpenID4VCI §4.1.1). */
export const PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
/** The credential formats this issuer delivers: W3C VC as JWT (OpenID4VCI A.1.1) and SD-JWT VC (A.3). */
export const CREDENTIAL_FORMAT = "jwt_vc_json";
export const SD_JWT_VC_FORMAT = "dc+sd-jwt";
export type WireFormat = typeof CREDENTIAL_FORMAT | typeof SD_JWT_VC_FORMAT;
/** Laissez's names for the two formats of one credential. */
export type CredentialFormat = "jwt_vc" | "sd_jwt_vc";
export const WIRE_FORMAT: Record<CredentialFormat, WireFormat> = { jwt_vc: CREDENTIAL_FORMAT, sd_jwt_vc: SD_JWT_VC_FORMAT };

/** A type's configuration id for a format: the type itself for jwt_vc, `<type>.sd-jwt` for SD-JWT VC. */
export const configurationId = (type: string, format: CredentialFormat): string => (format === "sd_jwt_vc" ? `${type}.sd-jwt` : type);

/** The type and format a configuration id names. */
export const parseConfigurationId = (id: string): { type: string; format: CredentialFormat } =>
  id.endsWith(".sd-jwt") ? { type: id.slice(0, -".sd-jwt".length), format: "sd_jwt_vc" } : { type: id, format: "jwt_vc" };
/** The only proof of possession type: a JWT (its `typ` is `PROOF_TYP` in holder-proof.ts). */
export const PROOF_TYPE = "jwt";
export const OFFER_URI_PREFIX = "openid-credential-offer://?credential_offer=";

/** Paths under the credential issuer's URL. */
export const ENDPOINTS = { metadata: "/.well-known/openid-credential-issuer", token: "/token", credential: "/credential" } as const;

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
export const offerUri = (offer: CredentialOffer): string => OFFER_URI_PREFIX + encodeURIComponent(JSON.stringify(offer));

/** The issuer metadata entry for one credential type in one format. */
export const credentialConfiguration = (type: string, format: CredentialFormat = "jwt_vc") => ({
  format: WIRE_FORMAT[format],
  ...(format === "sd_jwt_vc" ? { vct: type } : { credential_definition: { type: ["VerifiableCredential", type] } }),
  cryptographic_binding_methods_supported: format === "sd_jwt_vc" ? ["jwk"] : ["did:key", "did:jwk"],
  proof_types_supported: { [PROOF_TYPE]: { proof_signing_alg_values_supported: ["ES256"] } },
});
