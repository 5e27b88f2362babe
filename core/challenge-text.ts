/**
 * A checkpoint's challenge as QR text, for the two-screen flow without a network between the
 * phones: the checkpoint page shows `LZCH1:…`, the wallet scans it, discloses what it names and
 * shows a presentation bound to it (`aud`, `nonce`), which the page scans back and verifies.
 *
 * Form: `LZCH1:<audience>/<nonce>/<expiresAt>/<claims>` — the audience percent-encoded, the nonce
 * base64url, `expiresAt` in Unix seconds, the claims comma-separated (sorted, without repeats:
 * one list has one form, since a service binds it into the nonce). Every field is checked
 * strictly, because the text comes from a camera: a wallet must never sign for an audience it
 * cannot show the holder, or for a claim name that is not a plain identifier.
 */
import { CodedError } from "./errors.ts";

export const CHALLENGE_PREFIX = "LZCH1:";
/** A claim name a challenge may ask for: a plain identifier. */
export const CLAIM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** At most this many claims in one challenge. */
export const MAX_REQUESTED_CLAIMS = 16;
/** A challenge's text is short (its longest: 128 CJK characters of audience and 16 claim names of 64); anything longer is not one. */
const MAX_CHALLENGE_CHARS = 2304;
/** An audience's percent-encoded form fits this many characters (128 CJK characters take 9 each). */
const MAX_ENCODED_AUDIENCE = 1152;
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
/** No control, format or space characters (nothing a screen could hide): what a wallet shows as "who asks". */
const AUDIENCE = /^[^\p{C}\p{Z}]{1,128}$/u;

export interface Challenge {
  /** The checkpoint's id: the presentation's `aud`. */
  readonly audience: string;
  /** Used once: the presentation's `nonce`. */
  readonly nonce: string;
  /** Unix seconds after which the checkpoint refuses a presentation for it. */
  readonly expiresAt: number;
  /** The claims the checkpoint needs (an SD-JWT VC discloses exactly them); empty: the whole credential. */
  readonly claims: readonly string[];
}

export type ChallengeErrorCode = "challenge_malformed";

export class ChallengeError extends CodedError<ChallengeErrorCode> {}

/**
 * The claims a challenge asks for, from a comma-separated list: sorted and without repeats.
 * Undefined for a malformed list (a name that is not an identifier, or too many).
 */
export function requestedClaims(text: string | undefined): string[] | undefined {
  if (text === undefined || text === "") return [];
  const names = [...new Set(text.split(","))].sort();
  return names.length <= MAX_REQUESTED_CLAIMS && names.every((n) => CLAIM_NAME.test(n)) ? names : undefined;
}

/** The QR text of a challenge. Throws `challenge_malformed` for a field the reader would refuse. */
export function challengeText(c: Challenge): string {
  const claims = c.claims.join(",");
  const text = `${CHALLENGE_PREFIX}${encodeURIComponent(c.audience)}/${c.nonce}/${c.expiresAt}/${claims}`;
  readChallengeText(text); // one definition of valid: what we write, we can read
  return text;
}

function malformed(why: string): never {
  throw new ChallengeError("challenge_malformed", `not a checkpoint challenge: ${why}`);
}

/** Reads `LZCH1:` text strictly; throws `challenge_malformed` naming what is wrong. */
export function readChallengeText(text: string): Challenge {
  if (text.length > MAX_CHALLENGE_CHARS) malformed(`longer than ${MAX_CHALLENGE_CHARS} characters`);
  if (!text.startsWith(CHALLENGE_PREFIX)) malformed(`it does not start with ${CHALLENGE_PREFIX}`);
  const fields = text.slice(CHALLENGE_PREFIX.length).split("/");
  if (fields.length !== 4) malformed("it needs four fields: audience/nonce/expiresAt/claims");
  const [rawAudience, nonce, rawExpiry, rawClaims] = fields as [string, string, string, string];
  let audience: string;
  try {
    audience = decodeURIComponent(rawAudience);
  } catch {
    return malformed("the audience is not percent-encoded text");
  }
  if (!isChallengeAudience(audience) || encodeURIComponent(audience) !== rawAudience)
    malformed("the audience must be 1–128 visible characters, encoded one way");
  if (!NONCE.test(nonce)) malformed("the nonce must be 16–64 base64url characters");
  if (!/^(0|[1-9][0-9]{0,10})$/.test(rawExpiry) || Number(rawExpiry) > 0xffffffff)
    malformed("expiresAt must be Unix seconds");
  const claims = requestedClaims(rawClaims);
  if (claims === undefined || claims.join(",") !== rawClaims)
    malformed(`claims must be up to ${MAX_REQUESTED_CLAIMS} identifiers, sorted, without repeats`);
  return { audience, nonce, expiresAt: Number(rawExpiry), claims };
}

/**
 * Whether an id can be a challenge's audience: 1–128 characters, none of them control, format or
 * space characters. A checkpoint's configured id is checked with it, so its page's challenges
 * can always be written.
 */
export function isChallengeAudience(id: string): boolean {
  return AUDIENCE.test(id) && encodeURIComponent(id).length <= MAX_ENCODED_AUDIENCE;
}

/** Whether QR text is a challenge (by its prefix; reading it may still refuse it). */
export function isChallengeText(text: string): boolean {
  return text.startsWith(CHALLENGE_PREFIX);
}
