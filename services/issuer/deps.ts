import type { Provider } from "ethers";
import type { IssuerSigningKey, SignatureVerifier } from "../../core/index.ts";
import type { Deployment } from "../chain/ledger.ts";
import type { CustodyStatus } from "../chain/custody.ts";
import type { AgencyLists } from "../chain/lists.ts";
import type { SchemaSource } from "../schemas.ts";
import type { Log } from "../http/app.ts";
import { ServiceError } from "../errors.ts";
import type { Metrics } from "../http/metrics.ts";
import type { PublishingStatus } from "./publish.ts";
import type { IssuerStore } from "./store.ts";

/** What the issuer service is built from: its adapters and settings, each passed in. */
export interface IssuerDeps {
  readonly store: IssuerStore;
  readonly key: IssuerSigningKey;
  /** The agency's controller address (its identity on chain). */
  readonly agency: string;
  readonly provider: Provider;
  readonly deployment: Deployment;
  /** The agency's lists; a function while they may still be unknown (started with the chain down). */
  readonly lists: AgencyLists | (() => AgencyLists | undefined);
  /** The anchoring worker's state, shown on /health. */
  readonly anchoring?: () => PublishingStatus | Promise<PublishingStatus>;
  /** The on-chain key custody check (run when the chain answers), shown on /health; absent: not watched here. */
  readonly custody?: () => CustodyStatus;
  readonly schemas: SchemaSource;
  /** Base URL the credentials name for their status lists. */
  readonly publicUrl: string;
  readonly now?: () => number;
  /**
   * A time at which the credential key was certainly already valid on chain (seen in the DID
   * document then): a batch's copies never take a time before it. Default: when the app was made.
   */
  readonly keyValidSince?: number;
  readonly log?: Log;
  readonly metrics?: Metrics;
  readonly bodyLimit?: number;
  readonly rateLimit?: number;
  /** How long an on-chain answer (accreditation, type, schema) is reused, ms (default 10 s). */
  readonly chainCacheMs?: number;
  /** Checks wallets' proofs of possession (default: noble). */
  readonly verifier?: SignatureVerifier;
}

/** IssuerDeps with the defaults filled in. */
export type IssuerContext = IssuerDeps & {
  readonly now: () => number;
  readonly metrics: Metrics;
  readonly keyValidSince: number;
};

/** The agency's lists, or 503 `chain_unavailable` while they are not yet known. */
export function listsOf(d: IssuerDeps): AgencyLists {
  const lists = typeof d.lists === "function" ? d.lists() : d.lists;
  if (!lists)
    throw new ServiceError(
      "chain_unavailable",
      "the agency's status lists are not known yet: the chain has not answered since the service started",
    );
  return lists;
}
