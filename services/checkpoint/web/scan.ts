/**
 * One scan → its verdict, against the bundle held now. With a challenge of this page open, the
 * scan must answer it (core's verifyToken with the challenge's audience, nonce and claims; the
 * nonce used once): a static QR, a bare credential or a paper one cannot, and core says why
 * (wrong_audience, nonce_missing, presentation_required). A challenge ends when it is answered
 * or expires (issue 26 major 2): from then on, as without one, a presentation is verified as a
 * static one-way QR, a bare credential is refused (presentation_required), and a paper
 * credential (a format's paper QR text) is verified as paper, whose verdict tells staff to
 * compare name and birth date — all by verifyToken, the one entrance the checkpoint service and
 * `laissez verify` use too; only an answer to the ended challenge is still judged against it
 * (nonce_reused, challenge_expired).
 */
import { type Challenge, nobleVerifier, notLaissezText, type TrustBundle, verifyToken } from "../../../core/index.ts";
import { challengeExpiredVerdict, type PageChallenges } from "./page-challenge.ts";
import type { ShownVerdict } from "./verdict-view.ts";

export interface ScanContext {
  readonly bundle: TrustBundle | undefined;
  readonly region: string;
  readonly now: number;
  readonly keyCache: Map<string, Uint8Array>;
  readonly challenges: PageChallenges;
}

export function verifyScan(text: string, ctx: ScanContext): ShownVerdict {
  const { bundle, now, challenges } = ctx;
  // Said before anything else, even without a bundle; with one, verifyToken says the same (core's notLaissezText).
  const stranger = notLaissezText(text.trim());
  if (stranger) return { verdict: "reject", reason: "compact_malformed", checks: [stranger] };
  if (!bundle) return { verdict: "unknown", reason: "no_bundle", checks: [] };
  const params = { bundle, region: ctx.region, now, verifier: nobleVerifier, keyCache: ctx.keyCache };
  const c = challenges.current;
  const bound = (ch: Challenge): ShownVerdict =>
    verifyToken(text, {
      ...params,
      challenge: { audience: ch.audience, nonce: ch.nonce, claims: ch.claims },
      consumeNonce: () => challenges.consume(ch.nonce),
    });
  if (c && challenges.state(now) === "open") return bound(c);
  // No challenge, or it ended (answered or expired): static codes again, with no officer's step.
  // One core entry point decides presentation vs credential (issue 10 item 12): a bare credential carries no holder binding.
  const verdict = verifyToken(text, { ...params, requirePresentation: true });
  // A presentation carrying a nonce answers a challenge: the one that just ended judges it (a replay, a late answer).
  if (!c || verdict.reason !== "wrong_nonce") return verdict;
  return now > c.expiresAt ? challengeExpiredVerdict(c, now, bundle.block) : bound(c);
}
