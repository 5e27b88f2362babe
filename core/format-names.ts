/**
 * The formats' names, a leaf every part of core may import (a verdict names its format): one per
 * row of `FORMATS` (core/formats/index.ts), which must have exactly these rows (tsc checks it). The first is the
 * default: issued when none is asked for, and what a text no format recognises is read as.
 */
export const FORMAT_NAMES = ["jwt_vc", "sd_jwt_vc"] as const;
export type CredentialFormat = (typeof FORMAT_NAMES)[number];
