/** An error with a stable, machine-readable code (never parse codes out of messages). */
export class CodedError<C extends string = string> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * True when `e` is an Error carrying a string `code` (one of `codes`, when given). Structural on
 * purpose: it also reads the codes of errors we do not construct (Node's `ENOENT`, ethers'
 * `TIMEOUT`), so no caller needs its own `(e as { code?: string }).code` shape check.
 */
export function isCodedError<C extends string>(e: unknown, ...codes: readonly C[]): e is Error & { readonly code: C } {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" && (codes.length === 0 || (codes as readonly string[]).includes(code));
}
