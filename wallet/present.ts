import { presentCredential } from "../core/credential.ts";
import type { HolderKey } from "./holder.ts";

/**
 * A presentation of one credential: bound to a checkpoint's challenge (audience and nonce) when
 * it gave one, otherwise static — for a one-way QR code, valid only for a short window after `now`.
 */
export function present(credential: string, key: HolderKey, now: number, challenge?: { audience: string; nonce: string }): Promise<string> {
  return presentCredential({ credential, holder: key.did, signer: key.sign, issuedAt: now, ...(challenge ?? {}) });
}
