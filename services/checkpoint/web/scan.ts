/**
 * One scan → its verdict, against the bundle held now. With a challenge of this page open, the
 * scan must answer it (core's verifyToken with the challenge's audience, nonce and claims; the
 * nonce used once): a static QR, a bare credential or a paper one cannot, and core says why
 * (wrong_audience, nonce_missing, presentation_required). A challenge ends when it is answered
 * or expires (issue 26 major 2): from then on, as without one, a presentation is verified as a
 * static one-way QR, a bare credential is refused (presentation_required), and a paper
 * credential (LZP1:) is verified as paper, whose verdict tells staff to compare name and birth
 * date; only an answer to the ended challenge is still judged against it (nonce_reused,
 * challenge_expired).
 */
import { type Challenge, nobleVerifier, PAPER_PREFIX, type TrustBundle, verifyPaperCredential, verifyToken } from "../../../core/index.ts";
import { challengeExpiredVerdict, type PageChallenges } from "./page-challenge.ts";
import type { ShownVerdict } from "./verdict-view.ts";

export interface ScanContext {
  readonly bundle: TrustBundle | undefined;
  readonly region: string;
  readonly now: number;
  readonly keyCache: Map<string, Uint8Array>;
  readonly challenges: PageChallenges;
}

/** A Laissez QR text (LZ1:, LZ2:, LZP1:, …: base45, spaces included) or a token (JWT, SD-JWT): anything else is some other QR code. */
const LAISSEZ_FORM = /^(LZ[A-Z0-9]*:[\s\S]+|[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*(~\S*)?)$/;

/** Random text, a web address, another app's code: said as such, not "show it from a wallet". */
function notLaissez(text: string): ShownVerdict {
  const detail = `not a Laissez QR code (${text.length} characters, starting ${JSON.stringify(text.slice(0, 12))})`;
  return { verdict: "reject", reason: "compact_malformed", checks: [{ code: "encoding", ok: false, reason: "compact_malformed", detail }] };
}

export function verifyScan(text: string, ctx: ScanContext): ShownVerdict {
  const { bundle, now, challenges } = ctx;
  if (!LAISSEZ_FORM.test(text)) return notLaissez(text);
  if (!bundle) return { verdict: "unknown", reason: "no_bundle", checks: [] };
  const params = { bundle, region: ctx.region, now, verifier: nobleVerifier, keyCache: ctx.keyCache };
  const c = challenges.current;
  const bound = (ch: Challenge): ShownVerdict => verifyToken(text, { ...params, challenge: { audience: ch.audience, nonce: ch.nonce, claims: ch.claims }, consumeNonce: () => challenges.consume(ch.nonce) });
  if (c && challenges.state(now) === "open") return bound(c);
  // No challenge, or it ended (answered or expired): static codes again, with no officer's step.
  // One core entry point decides presentation vs credential (issue 10 item 12): a bare credential carries no holder binding.
  const verdict = text.startsWith(PAPER_PREFIX) ? verifyPaperCredential(text, params) : verifyToken(text, { ...params, requirePresentation: true });
  // A presentation carrying a nonce answers a challenge: the one that just ended judges it (a replay, a late answer).
  if (!c || verdict.reason !== "wrong_nonce") return verdict;
  return now > c.expiresAt ? challengeExpiredVerdict(c, now, bundle.block) : bound(c);
}
