import { formatOf } from "./formats/index.ts";
import type { Format } from "./formats/format.ts";
import { paperVerdict, type PaperStatement } from "./paper.ts";
import { checkBinding, checkRequestedClaims, spendNonce } from "./presentation-checks.ts";
import { CompactError } from "./qr-text.ts";
import { checkCredential } from "./trust-checks.ts";
import {
  finish,
  Run,
  type Check,
  type Verdict,
  type VerifyCredentialParameters,
  type VerifyPresentationParameters,
} from "./verdict.ts";

export type {
  Check,
  CheckCode,
  Verdict,
  VerdictKind,
  VerifyCredentialParameters,
  VerifyPresentationParameters,
} from "./verdict.ts";
export { DEFAULT_CHALLENGE_WINDOW, DEFAULT_SKEW, DEFAULT_STATIC_WINDOW } from "./verdict.ts";

/** Verifies a bare credential (no holder binding) against the bundle: never throws for a bad credential. */
export function verifyCredential(token: string, p: VerifyCredentialParameters): Verdict {
  const run = new Run();
  const facts = checkCredential(run, p, token, formatOf(token).format.decode);
  return finish(run, p, facts ?? {});
}

/**
 * Verifies a holder's presentation, in any format of the table (core/formats/) or its QR form:
 * the format's own checks (a VP JWT's signature by the holder's P-256 key; an SD-JWT's KB-JWT by
 * the credential's cnf key), then for every format the binding — the checkpoint's challenge
 * (aud, nonce, once) or, for a static QR, a short iat window — and the credential inside through
 * the shared trust checks, holder = the one who presented. The verdict says which mode.
 */
export function verifyPresentation(token: string, p: VerifyPresentationParameters): Verdict {
  const run = new Run();
  const { format, form } = formatOf(token);
  if (form === "qr") {
    try {
      token = format.qr.expand(token);
      run.pass("encoding", `compact QR form (${format.qr.prefix})`);
    } catch (e) {
      run.fail("encoding", e instanceof CompactError ? e.code : "compact_malformed", (e as Error).message);
      return finish(run, p);
    }
  }
  const presented = format.checkPresentation(run, p, token);
  if (!presented || !checkBinding(run, p, presented.binding)) return finish(run, p);
  const facts = checkCredential(run, p, presented.credential, format.decode);
  if (facts && facts.holder !== presented.binding.holder)
    run.fail("holder_binding", "holder_mismatch", presented.holderMismatch);
  else if (facts) {
    if (presented.holderMatched) run.pass("holder_binding", presented.holderMatched);
    checkRequestedClaims(run, p, facts.claims);
  }
  const { holder, mode, issuedAt, audience } = presented.binding;
  spendNonce(run, p, holder);
  return finish(run, p, { ...(facts ?? {}), presentation: { mode, issuedAt: issuedAt as number, audience } });
}

/** What a credential states about itself (its type and iat), read without trusting it; undefined when unreadable. */
function statedBy(format: Format, credential: string): PaperStatement | undefined {
  try {
    return format.statement(credential);
  } catch {
    return undefined;
  }
}

/**
 * Verifies a paper credential (a format's paper QR text, e.g. `LZP1:`, or the credential itself):
 * every check a phone's credential gets except holder binding, then the type's paper policy and
 * the identity claims the checkpoint compares with the ID document (core/paper.ts). The
 * verdict's `presentation.mode` is `paper`.
 */
export function verifyPaperCredential(text: string, p: VerifyCredentialParameters): Verdict {
  const t = text.trim();
  const { format, form } = formatOf(t);
  let credential = t;
  const encoding: Check[] = [];
  if (form === "paper" && format.paper) {
    try {
      credential = format.paper.expand(t);
      encoding.push({ code: "encoding", ok: true, detail: `paper QR form (${format.paper.prefix})` });
    } catch (e) {
      const reason = e instanceof CompactError ? e.code : "compact_malformed";
      return {
        verdict: "reject",
        reason,
        checks: [{ code: "encoding", ok: false, reason, detail: (e as Error).message }],
        bundle: { block: p.bundle.block, ageSeconds: Math.max(0, p.now - p.bundle.block.timestamp) },
      };
    }
  }
  return paperVerdict(verifyCredential(credential, p), p, statedBy(formatOf(credential).format, credential), encoding);
}

/**
 * Is this token a presentation (VP JWT, an SD-JWT with its KB-JWT, or their QR forms), rather
 * than a bare credential or a paper one? An SD-JWT ending in `~` carries no key binding: a bare credential.
 */
export function isPresentation(token: string): boolean {
  const { form } = formatOf(token);
  return form === "presentation" || form === "qr";
}

/** A Laissez text: a QR form (`LZ…:`, base45, spaces included) or a token's shape (JWS, SD-JWT); anything else is some other QR code. */
const LAISSEZ_TEXT = /^(LZ[A-Z0-9]*:[\s\S]+|[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*(~\S*)?)$/;

/**
 * Random text, a web address, another app's QR code: the check that says so (`compact_malformed`,
 * "not a Laissez QR code"), or undefined for a Laissez text. A checkpoint (service, page) says it
 * rather than "show it from a wallet".
 */
export function notLaissezText(text: string): Check | undefined {
  if (typeof text === "string" && LAISSEZ_TEXT.test(text)) return undefined;
  const t = typeof text === "string" ? text : "";
  return {
    code: "encoding",
    ok: false,
    reason: "compact_malformed",
    detail: `not a Laissez QR code (${t.length} characters, starting ${JSON.stringify(t.slice(0, 12))})`,
  };
}

export interface VerifyTokenParameters extends VerifyPresentationParameters {
  /** Refuse a bare credential even without a challenge (a checkpoint always wants holder binding). */
  readonly requirePresentation?: boolean;
}

/**
 * The one entry point for a text of unknown kind (what a scanner, a pasted file, the CLI or the
 * checkpoint service is given), in every verifier: a presentation (any format, or its QR text)
 * is verified as one; a paper credential (a format's paper QR text) as paper, unless a challenge
 * was demanded; anything else as a bare credential — unless a challenge was demanded or a
 * presentation is required: a bare credential carries no holder binding, so it cannot answer a
 * challenge (`presentation_required`). Paper answers no challenge either: it has no holder key.
 * Surrounding whitespace is ignored, as `laissez verify` always ignored it.
 */
export function verifyToken(text: string, p: VerifyTokenParameters): Verdict {
  // Whitespace around a text is no part of any form (a scanner's or a file's newline): every entrance reads the same text.
  const token = typeof text === "string" ? text.trim() : text;
  const stranger = p.challenge || p.requirePresentation ? notLaissezText(token) : undefined;
  if (stranger)
    return {
      verdict: "reject",
      reason: "compact_malformed",
      checks: [stranger],
      bundle: { block: p.bundle.block, ageSeconds: Math.max(0, p.now - p.bundle.block.timestamp) },
    };
  const { form } = formatOf(token);
  if (form === "presentation" || form === "qr") return verifyPresentation(token, p);
  if (form === "paper" && !p.challenge) return verifyPaperCredential(token, p);
  if (p.challenge || p.requirePresentation) {
    const run = new Run();
    run.fail(
      "presentation",
      "presentation_required",
      p.challenge
        ? "a challenge was demanded: only a presentation bound to it answers, not a bare credential"
        : "a presentation (holder binding) is required, not a bare credential",
    );
    return finish(run, p);
  }
  return verifyCredential(token, p);
}
