/**
 * Challenges that cost nothing until used: a nonce carries its own expiry and an HMAC under a
 * secret of this service, so handing one out stores nothing, and a flood of requests for them
 * fills no table and shuts out no other client. Only nonces actually used are remembered (until
 * they expire), so a replay is caught; memory is bounded by the presentations verified.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const EXPIRY_BYTES = 4;
const RANDOM_BYTES = 10;
const MAC_BYTES = 16;
const NONCE_BYTES = EXPIRY_BYTES + RANDOM_BYTES + MAC_BYTES;

export class Challenges {
  private readonly secret: Uint8Array;
  private readonly audience: string;
  private readonly ttlSeconds: number;
  /** Used nonces → their expiry; insertion order is close to expiry order (one TTL for all). */
  private readonly used = new Map<string, number>();

  constructor(o: { audience: string; ttlSeconds: number; secret?: Uint8Array }) {
    this.audience = o.audience;
    this.ttlSeconds = o.ttlSeconds;
    this.secret = o.secret ?? randomBytes(32);
  }

  /** The MAC binds the nonce to this checkpoint and to the claims the challenge asks for (none: ""). */
  private mac(head: Uint8Array, claims: readonly string[]): Buffer {
    return createHmac("sha256", this.secret)
      .update(`laissez-challenge\n${this.audience}\n${claims.join(",")}\n`)
      .update(head)
      .digest()
      .subarray(0, MAC_BYTES);
  }

  /**
   * A nonce for a challenge that may ask for claims (e.g. only `healthStatus`): they are bound
   * into its MAC, so whoever hands the presentation back must name the same claims (a relay
   * cannot drop one), and nothing is stored.
   */
  issue(now: number, claims: readonly string[] = []): { nonce: string; expiresAt: number } {
    const head = Buffer.alloc(EXPIRY_BYTES + RANDOM_BYTES);
    const expiresAt = now + this.ttlSeconds;
    head.writeUInt32BE(expiresAt >>> 0, 0);
    randomBytes(RANDOM_BYTES).copy(head, EXPIRY_BYTES);
    return { nonce: Buffer.concat([head, this.mac(head, claims)]).toString("base64url"), expiresAt };
  }

  /** The nonce's expiry if this service issued it, for these claims, and it has not expired; undefined otherwise. */
  check(nonce: string, now: number, claims: readonly string[] = []): number | undefined {
    if (!/^[A-Za-z0-9_-]+$/.test(nonce)) return undefined;
    const bytes = Buffer.from(nonce, "base64url");
    if (bytes.length !== NONCE_BYTES || bytes.toString("base64url") !== nonce) return undefined;
    const head = bytes.subarray(0, EXPIRY_BYTES + RANDOM_BYTES);
    if (!timingSafeEqual(bytes.subarray(EXPIRY_BYTES + RANDOM_BYTES), this.mac(head, claims))) return undefined;
    const expiresAt = head.readUInt32BE(0);
    return expiresAt >= now ? expiresAt : undefined;
  }

  /** Marks a checked nonce used; false when it already was (a replay). */
  use(nonce: string, expiresAt: number, now: number): boolean {
    for (const [n, e] of this.used) {
      if (e >= now) break;
      this.used.delete(n);
    }
    if (this.used.has(nonce)) return false;
    this.used.set(nonce, expiresAt);
    return true;
  }

  /** How many used nonces are remembered: the only memory challenges take. */
  get remembered(): number {
    return this.used.size;
  }
}
