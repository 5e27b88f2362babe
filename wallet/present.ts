import { presentCredential, regionAudience } from "../core/index.ts";
import type { HolderKey } from "./holder.ts";

/** Where a presentation is for: a checkpoint's challenge, or (a static one-way QR) a region. */
export type PresentationTarget = { readonly audience: string; readonly nonce: string } | { readonly region: string };

/**
 * A presentation of one credential: bound to a checkpoint's challenge (audience and nonce) when
 * it gave one, otherwise static — for a one-way QR code, naming the region it is for and valid
 * only for a short window after `now`.
 */
export function present(credential: string, key: HolderKey, now: number, target: PresentationTarget): Promise<string> {
  const binding = "region" in target ? { audience: regionAudience(target.region) } : { audience: target.audience, nonce: target.nonce };
  return presentCredential({ credential, holder: key.did, signer: key.sign, issuedAt: now, ...binding });
}
