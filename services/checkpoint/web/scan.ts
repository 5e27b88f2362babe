/**
 * One scan → its verdict, against the bundle held now. With a challenge of this page open, the
 * scan must answer it (core's verifyToken with the challenge's audience, nonce and claims; the
 * nonce used once): a static QR, a bare credential or a paper one cannot, and core says why
 * (wrong_audience, nonce_missing, presentation_required); an expired challenge refuses
 * everything. Without one, a presentation is verified as a static one-way QR, a bare credential
 * is refused (presentation_required), and a paper credential (a format's paper QR text) is
 * verified as paper, whose verdict tells staff to compare name and birth date — all by
 * verifyToken, the one entrance the checkpoint service and `laissez verify` use too.
 */
import { nobleVerifier, type TrustBundle, verifyToken } from "../../../core/index.ts";
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
  if (!bundle) return { verdict: "unknown", reason: "no_bundle", checks: [] };
  const params = { bundle, region: ctx.region, now, verifier: nobleVerifier, keyCache: ctx.keyCache };
  const c = challenges.current;
  // One core entry point decides presentation vs credential (issue 10 item 12): a bare credential carries no holder binding.
  if (!c) return verifyToken(text, { ...params, requirePresentation: true });
  if (now > c.expiresAt) return challengeExpiredVerdict(c, now, bundle.block);
  return verifyToken(text, { ...params, challenge: { audience: c.audience, nonce: c.nonce, claims: c.claims }, consumeNonce: () => challenges.consume(c.nonce) });
}
