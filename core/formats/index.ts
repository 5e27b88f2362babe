import type { Format, TextForm } from "./format.ts";
import { type CredentialFormat, FORMAT_NAMES } from "../format-names.ts";
import { jwtVc } from "./jwt-vc/index.ts";
import { sdJwtVc } from "./sd-jwt-vc/index.ts";

export type { Format, PresentOptions, Presented, QrTextForm, Statement, TextForm } from "./format.ts";
export { FORMAT_NAMES, type CredentialFormat } from "../format-names.ts";

/**
 * Every credential format, one row each (its folder beside this file). Adding one (an ISO mdoc
 * next) is a folder, a row here, its name in core/format-names.ts and its reasons, vectors and words:
 * docs/core.md lists the files.
 */
export const FORMATS = { jwt_vc: jwtVc, sd_jwt_vc: sdJwtVc } as const satisfies {
  readonly [F in CredentialFormat]: Format & { readonly name: F };
};

/** The first row: the format issued when none is asked for, and what a text no format recognises is read as (its checks then say why it is not one). */
export const DEFAULT_FORMAT_NAME: CredentialFormat = FORMAT_NAMES[0];
export const DEFAULT_FORMAT: Format = FORMATS[DEFAULT_FORMAT_NAME];

export const isCredentialFormat = (name: unknown): name is CredentialFormat =>
  typeof name === "string" && Object.hasOwn(FORMATS, name);

/**
 * The one answer to "what kind of text is this?": the format whose detector recognises it, and
 * in which form. A text no format recognises is a credential of the first format (its decoder
 * then reports what is wrong with it, as `malformed_jwt`).
 */
export function formatOf(text: string): { readonly format: Format; readonly form: TextForm } {
  for (const format of Object.values(FORMATS) as Format[]) {
    const form = format.detect(text);
    if (form) return { format, form };
  }
  return { format: DEFAULT_FORMAT, form: "credential" };
}

/** The format that issued a credential (or made a presentation), for the holder's view and for presenting it. */
export const formatOfCredential = (credential: string): Format => formatOf(credential).format;
