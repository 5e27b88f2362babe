import { existsSync } from "node:fs";
import type { Provider } from "ethers";
import {
  delegationAuthority,
  isCodedError,
  type KeySigner,
  type SignedDelegation,
  signerAddress,
  type TrustBundle,
} from "../../core/index.ts";
import type { Deployment } from "../chain/ledger.ts";
import type { SchemaSource } from "../schemas.ts";
import { type BundleSigning, readSignedBundle, writeSignedBundle } from "./bundle-file.ts";
import { syncBundle } from "./sync.ts";

export interface SignedBundle {
  readonly bundle: TrustBundle;
  /** The signed envelope as served: what a page or a USB stick carries. */
  readonly envelope: string;
  readonly syncedAt: number;
}

/**
 * Keeps a region's signed trust bundle current: each `sync` reads the chain from the last
 * bundle's block (a delta), applies it, signs the result with this service's bundle signer key
 * (the region authority's delegation travels with it) and writes it to disk, so a restarted
 * service resumes from it instead of from the deployment.
 */
export class BundleKeeper {
  current: SignedBundle | undefined;
  /** The region authority that signed the delegation: what pages and checkpoints pin. */
  readonly authority: string;
  readonly region: string;
  readonly signer: string;
  private readonly signing: BundleSigning;
  private readonly provider: Provider;
  private readonly deployment: Deployment;
  private readonly schemas: SchemaSource;
  private readonly path: string;

  /** `signerKey` signs (software, HSM, KMS); `delegation` absent: it is the authority's own key (operator tools, tests). */
  constructor(o: {
    provider: Provider;
    deployment: Deployment;
    schemas: SchemaSource;
    signerKey: KeySigner;
    delegation?: SignedDelegation;
    path: string;
    region: string;
  }) {
    this.region = o.region;
    this.provider = o.provider;
    this.deployment = o.deployment;
    this.schemas = o.schemas;
    this.signing = { region: o.region, key: o.signerKey, delegation: o.delegation };
    this.path = o.path;
    this.signer = signerAddress(o.signerKey);
    this.authority = o.delegation ? delegationAuthority(o.delegation, this.signer, o.deployment.chainId) : this.signer;
    if (existsSync(this.path)) {
      try {
        this.current = {
          ...readSignedBundle(this.path, {
            chainId: o.deployment.chainId,
            authorities: [this.authority],
            region: o.region,
            contracts: o.deployment,
          }),
          syncedAt: 0,
        };
      } catch {
        // A damaged or foreign file is rebuilt from the chain by the first sync.
        this.current = undefined;
      }
    }
  }

  /** The last sync's failure, while syncs fail (cleared by the next success): what /health reports. */
  lastError: { readonly message: string; readonly at: number } | undefined;

  /** One sync step: how many ledger events it applied. Chain errors propagate (the old bundle stays), remembered for /health. */
  async sync(now = Math.floor(Date.now() / 1000)): Promise<number> {
    try {
      const events = await this.syncOnce(now);
      this.lastError = undefined;
      return events;
    } catch (e) {
      this.lastError = { message: (e instanceof Error ? e.message : String(e)).slice(0, 200), at: now };
      throw e;
    }
  }

  private async syncOnce(now: number): Promise<number> {
    let result;
    try {
      result = await syncBundle(this.provider, this.deployment, { base: this.current?.bundle, schemas: this.schemas });
    } catch (e) {
      // A base from another chain, or a block the chain no longer has (a reset): start over from the deployment.
      if (!isCodedError(e, "delta_base_mismatch")) throw e;
      result = await syncBundle(this.provider, this.deployment, { schemas: this.schemas });
    }
    if (this.current && result.bundle.block.number === this.current.bundle.block.number) {
      this.current = { ...this.current, syncedAt: now };
      return 0;
    }
    const envelope = await writeSignedBundle(this.path, result.bundle, this.signing);
    this.current = { bundle: result.bundle, envelope, syncedAt: now };
    return result.delta.events.length;
  }
}
