import type { IssueCredentialParameters, PresentParameters } from "../credential.ts";
import type { CredentialDecoder } from "../decoded-credential.ts";
import type { JsonValue } from "../json.ts";
import type { Binding } from "../presentation-checks.ts";
import type { CredentialFormat } from "../format-names.ts";
import type { Run, VerifyPresentationParameters } from "../verdict.ts";

/**
 * What a text is, once a format has recognised it: a bare `credential` (no holder binding); a
 * `presentation` (the holder's binding inside); its `qr` form (a presentation as QR text); or
 * `paper` (the credential alone, printed as QR text: no holder key, the checkpoint compares the
 * name and birth date with the ID document).
 */
export type TextForm = "credential" | "presentation" | "qr" | "paper";

/** A presentation's own checks passed: the binding the generic checks judge, and the credential inside. */
export interface Presented {
  readonly binding: Binding;
  /** The credential as the format's decoder reads it. */
  readonly credential: string;
  /** The failed check's detail when the credential's holder is not who signed the presentation. */
  readonly holderMismatch: string;
  /** The `holder_binding` check to pass once the credential has verified, if the format has not passed one already. */
  readonly holderMatched?: string;
}

/** What a presentation is made of; `disclose` names the claims to show (a format without selective disclosure shows all). */
export interface PresentOptions extends PresentParameters {
  readonly disclose?: readonly string[];
}

/** What a credential (or the credential inside a presentation) states about itself, read without verifying it. */
export interface Statement {
  readonly id: unknown;
  readonly issuer: unknown;
  readonly holder: unknown;
  readonly type: string | undefined;
  readonly issuedAt: unknown;
}

/** A QR text form: how a presentation (or, on paper, a credential) becomes one QR code's text and back. */
export interface QrTextForm {
  readonly prefix: string;
  /** Throws a CompactError (`compact_unsupported`) for a shape the form does not repack. */
  compact(text: string): string;
  /** Throws a CompactError (`compact_malformed`, `compact_too_large`). */
  expand(qrText: string): string;
}

/**
 * One credential format, everything about it in one place (its folder under core/formats/):
 * every entrance — the CLI, the services, the pages, the wallet — asks the table (`FORMATS`,
 * `formatOf`), never the text itself.
 */
export interface Format {
  /** Laissez's name for it: what the issuer's API, the CLI and a verdict's `format` say. */
  readonly name: CredentialFormat;
  /** OpenID4VCI: the `format` identifier, the configuration id's suffix after the type, the metadata entry's own part. */
  readonly wire: string;
  readonly configurationSuffix: string;
  /** The `typ` of the JWT its issuer signs (what a signing service checks before it signs). */
  readonly credentialTyp: string;
  metadata(type: string): Record<string, JsonValue>;
  /** Can the holder withhold claims when presenting? */
  readonly selective: boolean;
  /** For people: what the format is, and what a verdict adds about how it was presented. */
  readonly words: string;
  readonly presentedWords: string;
  /** Is `text` this format's, and in which form? undefined when it is not recognisably this format's. */
  detect(text: string): TextForm | undefined;
  issue(p: IssueCredentialParameters): Promise<string>;
  /** The credential's format checks and its neutral shape for the trust checks (core/decoded-credential.ts). */
  readonly decode: CredentialDecoder;
  /** A presentation's own checks (form, holder key, signature); the generic checks then judge the binding and the credential. */
  checkPresentation(run: Run, p: VerifyPresentationParameters, token: string): Presented | undefined;
  present(p: PresentOptions): Promise<string>;
  /** The holder's view: the claims a presentation could show. Throws for something unreadable. */
  claims(credential: string): { name: string; value: JsonValue }[];
  /** Throws for something that is not this format's credential or presentation. */
  statement(text: string): Statement | undefined;
  /** The QR form of a presentation. */
  readonly qr: QrTextForm;
  /** The paper form of a credential, when the format has one. */
  readonly paper?: QrTextForm;
}
