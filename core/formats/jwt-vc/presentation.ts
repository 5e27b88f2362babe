import { holderDidProblem, holderPublicKey } from "../../did.ts";
import { isObject } from "../../json.ts";
import { decodeToken, intClaim } from "../../token-checks.ts";
import { checkSignature } from "../../trust-checks.ts";
import type { Run, VerifyPresentationParameters } from "../../verdict.ts";
import type { Presented } from "../format.ts";
import { TYP } from "./credential.ts";

/** The VP JWT's own checks: typ, alg, holder key, signature, one credential; the binding it states. */
export function checkVpJwt(run: Run, p: VerifyPresentationParameters, token: string): Presented | undefined {
  const jwt = decodeToken(run, token);
  if (!jwt) return undefined;
  const { header, payload } = jwt;
  if (header.typ !== TYP.presentation)
    return void run.fail("typ", "wrong_typ", `typ ${JSON.stringify(header.typ)} is not ${TYP.presentation}`);
  if (header.alg !== "ES256")
    return void run.fail("alg", "unsupported_alg", `holder alg ${JSON.stringify(header.alg)} is not ES256`);
  run.pass("typ", TYP.presentation);
  const holder = typeof payload.iss === "string" ? payload.iss : "";
  const holderKey = holderPublicKey(holder);
  if (!holderKey) {
    const problem = holderDidProblem(holder) ?? "holder_did_unsupported";
    return void run.fail(
      "holder",
      problem,
      problem === "holder_did_noncanonical"
        ? "the presenting holder's DID is another spelling of its key: only the canonical one is accepted"
        : "presentation issuer must be a P-256 did:key or did:jwk",
    );
  }
  if (typeof header.kid === "string" && header.kid.split("#")[0] !== holder)
    return void run.fail("holder", "kid_mismatch", "kid does not belong to the presenting holder");
  if (!checkSignature(run, p, jwt, "ES256", { publicKey: holderKey })) return undefined;

  const vp = payload.vp;
  const vcs = isObject(vp) && Array.isArray(vp.verifiableCredential) ? vp.verifiableCredential : undefined;
  if (!vcs || vcs.length !== 1 || typeof vcs[0] !== "string") {
    return void run.fail(
      "presentation",
      "malformed_presentation",
      "vp.verifiableCredential must hold exactly one credential JWT",
    );
  }
  const aud = Array.isArray(payload.aud) && payload.aud.length === 1 ? payload.aud[0] : payload.aud;
  return {
    binding: {
      holder,
      mode: payload.nonce === undefined ? "static" : "challenge",
      issuedAt: intClaim(payload.iat),
      audience: typeof aud === "string" ? aud : "",
      nonce: payload.nonce,
      exp: payload.exp,
      nbf: payload.nbf,
    },
    credential: vcs[0],
    holderMismatch: "the presenting holder is not the credential's subject",
    holderMatched: "presented by the credential's subject",
  };
}
