import { decodeJwt } from "../../jwt.ts";
import type { Format } from "../format.ts";
import { compactSdJwtPresentation, expandSdJwtPresentation, SD_COMPACT_PREFIX } from "./compact-sd-jwt.ts";
import { isSdJwt, splitSdJwt } from "./sd-jwt.ts";
import { disclosableClaims, issueSdJwtVc, jwkHolder, presentSdJwtVc, SD_TYP } from "./sd-jwt-vc.ts";
import { checkSdJwtPresentation, decodeSdJwtVc } from "./sd-jwt-verify.ts";

/** IETF SD-JWT VC: every claim disclosable, presented with a KB-JWT (`LZ2:` on a QR code); no paper form. */
export const sdJwtVc = {
  name: "sd_jwt_vc",
  wire: "dc+sd-jwt",
  configurationSuffix: ".sd-jwt",
  credentialTyp: SD_TYP.credential,
  metadata: (type) => ({ vct: type, cryptographic_binding_methods_supported: ["jwk"] }),
  selective: true,
  words: "sd_jwt_vc (each claim disclosed only when chosen)",
  presentedWords: ", SD-JWT VC with key binding",
  detect(text) {
    if (typeof text !== "string") return undefined;
    if (text.startsWith(SD_COMPACT_PREFIX)) return "qr";
    // An SD-JWT ending in `~` carries no key binding: a bare credential.
    if (isSdJwt(text)) return text.endsWith("~") ? "credential" : "presentation";
    return undefined;
  },
  issue: issueSdJwtVc,
  decode: decodeSdJwtVc,
  checkPresentation: checkSdJwtPresentation,
  present: (p) =>
    presentSdJwtVc({
      credential: p.credential,
      disclose: p.disclose ?? disclosableClaims(p.credential).map((c) => c.name),
      signer: p.signer,
      issuedAt: p.issuedAt,
      ...(p.audience !== undefined ? { audience: p.audience } : {}),
      ...(p.nonce !== undefined ? { nonce: p.nonce } : {}),
    }),
  claims: (credential) => disclosableClaims(credential).map(({ name, value }) => ({ name, value })),
  statement(text) {
    const { payload } = decodeJwt(splitSdJwt(text).issuerJwt);
    return {
      id: payload.jti,
      issuer: payload.iss,
      holder: jwkHolder(payload.cnf)?.did,
      type: typeof payload.vct === "string" ? payload.vct : undefined,
      issuedAt: payload.iat,
    };
  },
  qr: { prefix: SD_COMPACT_PREFIX, compact: compactSdJwtPresentation, expand: expandSdJwtPresentation },
} as const satisfies Format;
