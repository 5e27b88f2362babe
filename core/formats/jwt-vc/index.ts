import { decodeJwt, decodeJwtHeader } from "../../jwt.ts";
import { isObject, type JsonValue } from "../../json.ts";
import type { Format, Statement } from "../format.ts";
import { COMPACT_PREFIX, compactPresentation, expandPresentation } from "./compact.ts";
import { issueCredential, presentCredential, TYP } from "./credential.ts";
import { decodeJwtVc } from "./jwt-vc.ts";
import { compactCredential, expandCredential, PAPER_PREFIX } from "./paper.ts";
import { checkVpJwt } from "./presentation.ts";

/** The credential a jwt_vc text is or carries (a VP JWT's one credential), decoded; undefined for neither. */
function credentialPayload(text: string): Record<string, JsonValue> | undefined {
  const { payload } = decodeJwt(text);
  const vp = payload.vp;
  if (isObject(vp) && Array.isArray(vp.verifiableCredential) && typeof vp.verifiableCredential[0] === "string")
    return decodeJwt(vp.verifiableCredential[0]).payload;
  return isObject(payload.vc) ? payload : undefined;
}

function statement(text: string): Statement | undefined {
  const payload = credentialPayload(text);
  if (!payload) return undefined;
  const vc = payload.vc;
  const type =
    isObject(vc) && Array.isArray(vc.type)
      ? vc.type.find((t): t is string => typeof t === "string" && t !== "VerifiableCredential")
      : undefined;
  return { id: payload.jti, issuer: payload.iss, holder: payload.sub, type, issuedAt: payload.iat };
}

/** The subject's claims, without the subject id: a jwt_vc shows them all. */
function claims(credential: string): { name: string; value: JsonValue }[] {
  const vc = decodeJwt(credential).payload.vc;
  if (!isObject(vc) || !isObject(vc.credentialSubject)) return [];
  const { id: _id, ...subject } = vc.credentialSubject;
  return Object.entries(subject).map(([name, value]) => ({ name, value }));
}

/** W3C VC as a JWT (the `vc` claim form), presented in a VP JWT (`LZ1:` on a QR code), printable on paper (`LZP1:`). */
export const jwtVc = {
  name: "jwt_vc",
  wire: "jwt_vc_json",
  configurationSuffix: "",
  credentialTyp: TYP.credential,
  metadata: (type) => ({
    credential_definition: { type: ["VerifiableCredential", type] },
    cryptographic_binding_methods_supported: ["did:key", "did:jwk"],
  }),
  selective: false,
  words: "jwt_vc (every claim shown)",
  presentedWords: "",
  detect(text) {
    if (typeof text !== "string") return undefined;
    if (text.startsWith(COMPACT_PREFIX)) return "qr";
    if (text.startsWith(PAPER_PREFIX)) return "paper";
    if (text.includes("~")) return undefined; // a compact JWS has none
    try {
      return decodeJwtHeader(text).typ === TYP.presentation ? "presentation" : "credential";
    } catch {
      return undefined;
    }
  },
  issue: issueCredential,
  decode: decodeJwtVc,
  checkPresentation: checkVpJwt,
  present: (p) =>
    presentCredential({
      credential: p.credential,
      holder: p.holder,
      signer: p.signer,
      issuedAt: p.issuedAt,
      ...(p.audience !== undefined ? { audience: p.audience } : {}),
      ...(p.nonce !== undefined ? { nonce: p.nonce } : {}),
    }),
  claims,
  statement,
  qr: { prefix: COMPACT_PREFIX, compact: compactPresentation, expand: expandPresentation },
  paper: { prefix: PAPER_PREFIX, compact: compactCredential, expand: expandCredential },
} as const satisfies Format;
