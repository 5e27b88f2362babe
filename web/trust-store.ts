/**
 * The signed bundle a page trusts, kept in the device's storage with its pinned trust anchor
 * and rollback state (core/anchor.ts). The anchor the server names (`checkpoint.json`,
 * `config.json`) is used once, on first use; after that it is only compared, and a
 * difference is shown, never followed. Storage is passed in (localStorage in the pages).
 */
import {
  afterAccepting,
  checkPlausible,
  type DeviceTrust,
  loadSignedBundle,
  type PinnedAnchor,
  replaceAnchor,
  sameAnchor,
  toCheckpointState,
  toTrustAnchor,
  type TrustBundle,
} from "../core/index.ts";

export interface ServedAnchor {
  readonly region: string;
  readonly chainId: number;
  readonly authority: string;
}

type KeyValueStorage = Pick<Storage, "getItem" | "setItem">;

export class TrustStore {
  private readonly key: string;
  private readonly storage: KeyValueStorage;
  bundle: TrustBundle | undefined;
  /** The server's anchor when it differs from the pinned one (shown to the operator). */
  servedMismatch: ServedAnchor | undefined;

  constructor(name: string, storage: KeyValueStorage) {
    this.key = `laissez.${name}`;
    this.storage = storage;
    const text = storage.getItem(`${this.key}.bundle`);
    const trust = this.trust;
    if (text && trust) {
      try {
        this.bundle = loadSignedBundle(text, toTrustAnchor(trust.anchor), {
          ...toCheckpointState(trust),
          highestBlock: 0,
        }).bundle;
      } catch (e) {
        console.warn("stored bundle refused:", e);
      }
    }
  }

  get trust(): DeviceTrust | undefined {
    const raw = this.storage.getItem(`${this.key}.trust`);
    return raw ? (JSON.parse(raw) as DeviceTrust) : undefined;
  }

  private save(trust: DeviceTrust, bundleText?: string): void {
    if (bundleText !== undefined) this.storage.setItem(`${this.key}.bundle`, bundleText);
    this.storage.setItem(`${this.key}.trust`, JSON.stringify(trust));
  }

  /** First use pins the server's anchor; later, a different one is only remembered for display. */
  offer(served: ServedAnchor, now: number): void {
    const candidate: PinnedAnchor = {
      region: served.region,
      chainId: served.chainId,
      authorities: [served.authority.toLowerCase()],
      contracts: null,
      pinnedAt: now,
    };
    const trust = this.trust;
    if (!trust) {
      this.save({ anchor: candidate, highestBlock: 0, highestTimestamp: 0 });
      this.servedMismatch = undefined;
      return;
    }
    // The authority the chain rotated to (followed since) is no mismatch.
    const followed =
      trust.authority !== undefined &&
      trust.authority === served.authority.toLowerCase() &&
      served.region === trust.anchor.region &&
      served.chainId === trust.anchor.chainId;
    this.servedMismatch = followed || sameAnchor(trust.anchor, candidate) ? undefined : served;
  }

  /**
   * Accepts a downloaded bundle under the pinned anchor: signature, chain, rollback and
   * plausibility; only then is it stored. Throws a CodedError otherwise.
   */
  accept(text: string, now: number): TrustBundle {
    const trust = this.trust;
    if (!trust) throw new Error("no trust anchor on this device yet");
    const { bundle, state } = loadSignedBundle(text, toTrustAnchor(trust.anchor), toCheckpointState(trust));
    checkPlausible(bundle, trust, now);
    this.save(afterAccepting(bundle, trust, state), text);
    this.bundle = bundle;
    return bundle;
  }

  /** The operator's step: a new anchor from the region (file or QR); the old bundle goes unless it verifies under the new one. */
  replace(anchor: PinnedAnchor): void {
    this.save(replaceAnchor(this.trust, anchor));
    this.servedMismatch = undefined;
    const text = this.storage.getItem(`${this.key}.bundle`);
    try {
      this.bundle = text ? loadSignedBundle(text, toTrustAnchor(anchor), undefined).bundle : undefined;
    } catch {
      this.bundle = undefined;
    }
  }
}
