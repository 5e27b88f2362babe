import { formatOfCredential, type JsonValue, regionAudience } from "../core/index.ts";
import type { HolderKey } from "./holder.ts";

/**
 * Where a presentation is for: a checkpoint's challenge (which may name the claims it needs, e.g.
 * only `healthStatus`), or (a static one-way QR) a region.
 */
export type PresentationTarget =
  | { readonly audience: string; readonly nonce: string; readonly claims?: readonly string[] }
  | { readonly region: string };

/** What a presentation of this credential would show and withhold, before the holder signs it. */
export interface DisclosurePlan {
  readonly selective: boolean;
  readonly disclosed: { readonly name: string; readonly value: JsonValue }[];
  readonly withheld: readonly string[];
}

/**
 * The claims a presentation will disclose. An SD-JWT VC discloses exactly `disclose` (or, without
 * it, what the challenge asks for; with neither, every claim); a jwt_vc always shows everything.
 * Throws a RangeError when a named claim is not in the credential.
 */
export function disclosurePlan(
  credential: string,
  claims: Record<string, JsonValue> | undefined,
  disclose?: readonly string[],
  target?: PresentationTarget,
): DisclosurePlan {
  const format = formatOfCredential(credential);
  if (!format.selective)
    return {
      selective: false,
      disclosed: Object.entries(claims ?? {}).map(([name, value]) => ({ name, value })),
      withheld: [],
    };
  const all = format.claims(credential);
  // A challenge that names no claims asks for the whole credential (core/challenge-text.ts), not for none.
  const asked = target && "claims" in target && target.claims?.length ? target.claims : undefined;
  const wanted = disclose ?? asked ?? all.map((c) => c.name);
  const unknown = wanted.filter((n) => !all.some((c) => c.name === n));
  if (unknown.length) throw new RangeError(`the credential has no claim ${unknown.join(", ").slice(0, 80)}`);
  return {
    selective: true,
    disclosed: all.filter((c) => wanted.includes(c.name)).map(({ name, value }) => ({ name, value })),
    withheld: all.filter((c) => !wanted.includes(c.name)).map((c) => c.name),
  };
}

/**
 * A presentation of one credential: bound to a checkpoint's challenge (audience and nonce) when
 * it gave one, otherwise static — for a one-way QR code, naming the region it is for and valid
 * only for a short window after `now`. A jwt_vc goes into a VP JWT; an SD-JWT VC gets the chosen
 * disclosures (see `disclosurePlan`) and a KB-JWT with the same binding.
 */
export function present(
  credential: string,
  key: HolderKey,
  now: number,
  target: PresentationTarget,
  disclose?: readonly string[],
): Promise<string> {
  const binding =
    "region" in target
      ? { audience: regionAudience(target.region) }
      : { audience: target.audience, nonce: target.nonce };
  const names = disclosurePlan(credential, undefined, disclose, target).disclosed.map((c) => c.name);
  return formatOfCredential(credential).present({
    credential,
    holder: key.did,
    signer: key.sign,
    issuedAt: now,
    disclose: names,
    ...binding,
  });
}

/** The holder's claims as the credential carries them (the wallet's own copy: no check needed to show them); {} for something unreadable. */
export function credentialClaims(credential: string): Record<string, JsonValue> {
  try {
    return Object.fromEntries(
      formatOfCredential(credential)
        .claims(credential)
        .map((c) => [c.name, c.value]),
    );
  } catch {
    return {};
  }
}

/**
 * Whether a credential can answer a checkpoint's challenge that asks for `asked` (empty: the
 * whole credential), and what it would disclose: an SD-JWT VC exactly the asked claims (withheld:
 * the rest), a jwt_vc everything (the holder must be told before agreeing). `missing` names the
 * asked claims it does not have (then it cannot answer: the checkpoint would refuse it).
 */
export function challengeAnswer(
  credential: string,
  asked: readonly string[],
): { readonly plan: DisclosurePlan; readonly missing: readonly string[] } {
  const claims = credentialClaims(credential);
  const missing = asked.filter((name) => !Object.hasOwn(claims, name));
  if (missing.length)
    return { plan: { selective: formatOfCredential(credential).selective, disclosed: [], withheld: [] }, missing };
  return {
    plan: disclosurePlan(
      credential,
      claims,
      undefined,
      asked.length ? { audience: "", nonce: "", claims: asked } : undefined,
    ),
    missing,
  };
}
