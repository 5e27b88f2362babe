/**
 * The page's own challenges (issue 11), made offline: the officer asks for a presentation bound
 * to this checkpoint, the page shows it as `LZCH1:` text (core/challenge-text.ts), the holder's
 * wallet answers with a presentation carrying `aud` = this checkpoint's id and the nonce, and the
 * next scan is verified against it. The nonce is 128 random bits from the browser's CSPRNG, so
 * no server is asked and no other device can predict it; it expires after the service's 120 s;
 * it is usable once (remembered in page memory until it expires). One challenge is open at a
 * time: a new one replaces the last. Pure apart from the random source: no DOM here.
 */
import { base64urlEncode, challengeText, requestedClaims, type Challenge, type Verdict } from "../../../core/index.ts";

/** As long as the checkpoint service's challenges (services/checkpoint/app.ts). */
export const CHALLENGE_SECONDS = 120;
/** 128 bits: as unguessable as the SD-JWT salts. */
const NONCE_BYTES = 16;

export interface PageChallenge extends Challenge {
  /** Its QR text, `LZCH1:…`. */
  readonly text: string;
}

export type ChallengeState = "open" | "answered" | "expired";

export class PageChallenges {
  private readonly audience: string;
  private readonly random: (bytes: number) => Uint8Array;
  /** Nonces answered → their expiry: a replay is refused until then, and after it by expiry. */
  private readonly used = new Map<string, number>();
  current: PageChallenge | undefined;

  constructor(
    audience: string,
    random: (bytes: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n)),
  ) {
    this.audience = audience;
    this.random = random;
  }

  /** A new challenge asking for `claims` (none: the whole credential); it replaces the open one. */
  open(claims: readonly string[], now: number): PageChallenge {
    for (const [nonce, expiresAt] of this.used) if (expiresAt < now) this.used.delete(nonce);
    const sorted = requestedClaims(claims.join(","));
    if (!sorted) throw new RangeError(`not a list of claim names: ${claims.join(",").slice(0, 80)}`);
    const challenge: Challenge = {
      audience: this.audience,
      nonce: base64urlEncode(this.random(NONCE_BYTES)),
      expiresAt: now + CHALLENGE_SECONDS,
      claims: sorted,
    };
    this.current = { ...challenge, text: challengeText(challenge) };
    return this.current;
  }

  /** Back to static QR codes: the next scan is verified without a challenge. */
  close(): void {
    this.current = undefined;
  }

  state(now: number): ChallengeState | undefined {
    const c = this.current;
    if (!c) return undefined;
    return this.used.has(c.nonce) ? "answered" : now > c.expiresAt ? "expired" : "open";
  }

  secondsLeft(now: number): number {
    return this.current ? Math.max(0, this.current.expiresAt - now) : 0;
  }

  /**
   * Marks the open challenge's nonce used; false when it already was (a replay). Keyed on the
   * nonce alone, not on holder + nonce as core offers: one challenge, one answer, whoever gives it.
   * Core calls it only for an answer that passed every other check (issue 22 item 14), so a
   * stranger who reads the challenge off the screen cannot spend it with a junk answer.
   */
  consume(nonce: string): boolean {
    const c = this.current;
    if (!c || c.nonce !== nonce || this.used.has(nonce)) return false;
    this.used.set(nonce, c.expiresAt);
    return true;
  }
}

/** The verdict for any scan once the page's challenge has expired: refused before any other check. */
export function challengeExpiredVerdict(c: Challenge, now: number, block: Verdict["bundle"]["block"]): Verdict {
  const detail = `this checkpoint's challenge expired at ${c.expiresAt} (now ${now}): make a new one`;
  return {
    verdict: "reject",
    reason: "challenge_expired",
    checks: [{ code: "presentation", ok: false, reason: "challenge_expired", detail }],
    bundle: { block, ageSeconds: Math.max(0, now - block.timestamp) },
  };
}
