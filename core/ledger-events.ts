/**
 * The chain's state changes, as sync reads them from the three registries' events and as a
 * bundle delta carries them. Plain JSON (addresses lowercase, masks as 0x hex) so a delta
 * can travel as a file and be applied in the browser.
 */
export type StatusPurpose = "revocation" | "suspension";
export type IssuerStatus = "active" | "suspended" | "removed";

interface Sequenced {
  /** The registry's sequence number: contiguous, so a missing event is detected. */
  readonly seq: number;
}

interface Timed {
  /** Timestamp of the block the event is in (DID registry events carry no sequence). */
  readonly timestamp: number;
}

export type TrustEvent = Sequenced &
  (
    | { readonly kind: "GovernanceChanged" }
    | { readonly kind: "RegionAdded" | "RegionAuthorityChanged"; readonly region: string; readonly authority: string }
    | {
        readonly kind: "CredentialTypeRegistered";
        readonly credentialType: string;
        readonly schemaHash: string;
        readonly schemaUri: string;
        readonly maxStatusAge: number;
      }
    | {
        readonly kind: "CredentialTypePolicySet";
        readonly credentialType: string;
        readonly maxValidity: number;
        readonly paperAllowed: boolean;
      }
    | { readonly kind: "IssuerRegistered"; readonly issuer: string; readonly region: string; readonly name: string }
    | { readonly kind: "IssuerStatusChanged"; readonly issuer: string; readonly status: IssuerStatus }
    | {
        readonly kind: "IssuerAccredited";
        readonly issuer: string;
        readonly credentialType: string;
        readonly validFrom: number;
        readonly validUntil: number;
      }
    | { readonly kind: "AccreditationWithdrawn"; readonly issuer: string; readonly credentialType: string }
    | {
        readonly kind: "BundleSignerAdded";
        readonly region: string;
        readonly signer: string;
        readonly validFrom: number;
        readonly validUntil: number;
      }
    | { readonly kind: "BundleSignerRemoved"; readonly region: string; readonly signer: string }
    /** `writer` is the zero address when the agency named none (every status write refused). */
    | { readonly kind: "StatusWriterSet"; readonly issuer: string; readonly writer: string }
    | {
        readonly kind: "RecognitionSet";
        readonly verifyingRegion: string;
        readonly issuingRegion: string;
        readonly credentialType: string;
        readonly recognized: boolean;
      }
  );

export type StatusEvent = Sequenced &
  (
    | { readonly kind: "ListBoundsSet"; readonly maxListsPerIssuer: number; readonly maxListSize: number }
    | {
        readonly kind: "StatusListCreated";
        readonly listId: number;
        readonly issuer: string;
        readonly purpose: StatusPurpose;
        readonly size: number;
      }
    | {
        readonly kind: "StatusUpdated";
        readonly listId: number;
        readonly listSeq: number;
        readonly set: boolean;
        /** [word index, 0x-hex mask] pairs: bit b of word w is list index 256·w + b. */
        readonly words: readonly (readonly [number, string])[];
      }
  );

export type DidEvent = Timed &
  (
    | { readonly kind: "DidOwnerChanged"; readonly identity: string; readonly owner: string }
    | {
        readonly kind: "DidDelegateChanged";
        readonly identity: string;
        readonly delegateType: string;
        readonly delegate: string;
        readonly validTo: number;
      }
    | {
        readonly kind: "DidAttributeChanged";
        readonly identity: string;
        readonly name: string;
        readonly value: string;
        readonly validTo: number;
      }
  );

export type LedgerEvent =
  | ({ readonly source: "trust" } & TrustEvent)
  | ({ readonly source: "status" } & StatusEvent)
  | ({ readonly source: "did" } & DidEvent);
