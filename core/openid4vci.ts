/**
 * The parts of OpenID for Verifiable Credential Issuance (pre-authorized code flow) that the
 * issuer service and the wallet both speak: one definition of each constant and message shape.
 */

/** RFC 8693-style grant type of the pre-authorized code flow (OpenID4VCI §4.1.1). */
export const PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
/** The credential format this issuer delivers (OpenID4VCI Appendix A.1.1, W3C VC as JWT). */
export const CREDENTIAL_FORMAT = "jwt_vc_json";
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
  readonly format?: typeof CREDENTIAL_FORMAT;
  readonly credential_configuration_id?: string;
  readonly proof: { readonly proof_type: typeof PROOF_TYPE; readonly jwt: string };
}

export interface CredentialResponse {
  readonly credential: string;
  readonly format: typeof CREDENTIAL_FORMAT;
}

/** The offer as the URI a wallet scans or opens. */
export const offerUri = (offer: CredentialOffer): string => OFFER_URI_PREFIX + encodeURIComponent(JSON.stringify(offer));

/** The issuer metadata entry for one credential type. */
export const credentialConfiguration = (type: string) => ({
  format: CREDENTIAL_FORMAT,
  credential_definition: { type: ["VerifiableCredential", type] },
  cryptographic_binding_methods_supported: ["did:key", "did:jwk"],
  proof_types_supported: { [PROOF_TYPE]: { proof_signing_alg_values_supported: ["ES256"] } },
});
