// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title ITrustRegistry
/// @notice Who may issue what, and which region accepts what from which other region.
/// Governance adds regions and credential types; each region authority manages its own
/// agencies (issuers) and its own recognition policy. Every state change bumps one
/// registry-wide sequence number, carried by its event, so a reader can detect a gap.
/// No personal data is ever written here.
interface ITrustRegistry {
    enum IssuerStatus {
        None,
        Active,
        Suspended,
        Removed
    }

    struct Region {
        address authority;
        bool exists;
    }

    struct CredentialType {
        bytes32 schemaHash;
        string schemaUri;
        // Longest a checkpoint may rely on status data for this type (seconds).
        uint64 maxStatusAge;
        bool exists;
    }

    /// What a credential of a type may be: set by governance with `setCredentialTypePolicy`.
    /// A type without a policy (maxValidity 0) is refused by verifiers.
    struct CredentialTypePolicy {
        // Longest a credential of this type may be valid (exp - iat), seconds. Also how long a
        // credential signed before a key retired (or an accreditation ended) at T is accepted: until T + maxValidity.
        uint64 maxValidity;
        // Whether a holder may carry it on paper (no holder key; checked against an ID document).
        bool paperAllowed;
    }

    struct Issuer {
        bytes32 region;
        IssuerStatus status;
        string name;
    }

    struct Accreditation {
        uint64 validFrom;
        uint64 validUntil;
    }

    /// A region's bundle signer: a key that signs the region's trust bundles off chain and
    /// can do nothing on chain. `removed` is for good (a compromise): the key is never re-added.
    struct BundleSigner {
        uint64 validFrom;
        uint64 validUntil;
        bool removed;
    }

    // ----- events (past tense, each with the registry sequence number) -----
    event GovernanceTransferStarted(uint64 indexed seq, address indexed current, address indexed pending);
    event GovernanceTransferred(uint64 indexed seq, address indexed previous, address indexed current);
    event RegionAdded(uint64 indexed seq, bytes32 indexed region, address authority);
    event RegionAuthorityChanged(uint64 indexed seq, bytes32 indexed region, address authority);
    event CredentialTypeRegistered(
        uint64 indexed seq, bytes32 indexed credentialType, bytes32 schemaHash, string schemaUri, uint64 maxStatusAge
    );
    event CredentialTypePolicySet(
        uint64 indexed seq, bytes32 indexed credentialType, uint64 maxValidity, bool paperAllowed
    );
    event IssuerRegistered(uint64 indexed seq, address indexed issuer, bytes32 indexed region, string name);
    event IssuerStatusChanged(uint64 indexed seq, address indexed issuer, IssuerStatus status);
    event IssuerAccredited(
        uint64 indexed seq, address indexed issuer, bytes32 indexed credentialType, uint64 validFrom, uint64 validUntil
    );
    event AccreditationWithdrawn(uint64 indexed seq, address indexed issuer, bytes32 indexed credentialType);
    event RecognitionSet(
        uint64 indexed seq,
        bytes32 indexed verifyingRegion,
        bytes32 indexed issuingRegion,
        bytes32 credentialType,
        bool recognized
    );

    // ----- key roles (events) -----
    event BundleSignerAdded(
        uint64 indexed seq, bytes32 indexed region, address indexed signer, uint64 validFrom, uint64 validUntil
    );
    event BundleSignerRemoved(uint64 indexed seq, bytes32 indexed region, address indexed signer);
    /// @notice `writer` is the agency's status writer from now on (the zero address: none).
    event StatusWriterSet(uint64 indexed seq, address indexed issuer, address indexed writer);

    // ----- errors (with the offending values) -----
    error NotGovernance(address caller);
    error NotPendingGovernance(address caller);
    error ZeroAddress();
    error InvalidId(bytes32 id);
    error RegionExists(bytes32 region);
    error UnknownRegion(bytes32 region);
    error NotRegionAuthority(bytes32 region, address caller);
    error CredentialTypeExists(bytes32 credentialType);
    error UnknownCredentialType(bytes32 credentialType);
    error InvalidMaxStatusAge(uint64 maxStatusAge);
    error InvalidMaxValidity(uint64 maxValidity);
    error IssuerExists(address issuer);
    error UnknownIssuer(address issuer);
    error IssuerRemoved(address issuer);
    error InvalidIssuerStatus(address issuer, IssuerStatus status);
    error InvalidValidity(uint64 validFrom, uint64 validUntil);
    error NotAccredited(address issuer, bytes32 credentialType);
    error SameRegion(bytes32 region);
    error InvalidName();
    error NotIdentityOwner(address issuer, address caller, address owner);
    error WriterIsIdentityOwner(address issuer, address writer);
    error SignerIsAuthority(bytes32 region, address signer);
    error UnknownBundleSigner(bytes32 region, address signer);
    error BundleSignerWasRemoved(bytes32 region, address signer);

    // ----- governance -----

    /// @notice Starts handing governance to `pending`; takes effect when `pending` accepts.
    /// Requirements: caller is governance; `pending` is not the zero address.
    function transferGovernance(address pending) external;

    /// @notice Completes a governance transfer.
    /// Requirements: caller is the pending governance account.
    function acceptGovernance() external;

    /// @notice Adds a region (ISO 3166-2 code as bytes32) with its authority account.
    /// Requirements: caller is governance; region is new and non-zero; authority non-zero.
    function addRegion(bytes32 region, address authority) external;

    /// @notice Replaces a region's authority account (key rotation or handover).
    /// Requirements: caller is governance; region exists; authority non-zero.
    function setRegionAuthority(bytes32 region, address authority) external;

    /// @notice Registers a credential type with the hash and URI of its JSON Schema.
    /// Requirements: caller is governance; type is new and non-zero; 0 < maxStatusAge <= 365 days.
    function registerCredentialType(bytes32 credentialType, bytes32 schemaHash, string calldata schemaUri, uint64 maxStatusAge)
        external;

    /// @notice Sets a credential type's policy: its maximum validity and whether paper copies are allowed.
    /// Each change is an event; verifiers apply the newest to every credential of the type.
    /// Requirements: caller is governance; type registered; 0 < maxValidity <= 20 years.
    function setCredentialTypePolicy(bytes32 credentialType, uint64 maxValidity, bool paperAllowed) external;

    // ----- region authorities -----

    /// @notice Registers an agency of `region`, identified by its controller account.
    /// Requirements: caller is `region`'s authority; issuer is new and non-zero; name is 1..128 bytes.
    function registerIssuer(bytes32 region, address issuer, string calldata name) external;

    /// @notice Accredits an issuer for a credential type in [validFrom, validUntil).
    /// Re-accrediting replaces the live window from the new validFrom on; verifiers keep the
    /// earlier windows (from the events) so renewal never invalidates earlier credentials.
    /// Requirements: caller is the authority of the issuer's region; issuer not removed;
    /// type registered; validFrom < validUntil.
    function accredit(address issuer, bytes32 credentialType, uint64 validFrom, uint64 validUntil) external;

    /// @notice Withdraws an issuer's accreditation for a type, for cause: verifiers refuse every
    /// credential issued inside the live window (earlier windows are unaffected).
    /// Requirements: caller is the authority of the issuer's region; the accreditation exists.
    function withdrawAccreditation(address issuer, bytes32 credentialType) external;

    /// @notice Suspends an active issuer: it can neither issue nor write status until reinstated.
    /// Requirements: caller is the authority of the issuer's region; issuer is active.
    function suspendIssuer(address issuer) external;

    /// @notice Reinstates a suspended issuer.
    /// Requirements: caller is the authority of the issuer's region; issuer is suspended.
    function reinstateIssuer(address issuer) external;

    /// @notice Removes an issuer for good.
    /// Requirements: caller is the authority of the issuer's region; issuer is not already removed.
    function removeIssuer(address issuer) external;

    /// @notice Records whether `verifyingRegion`'s checkpoints accept `credentialType` from `issuingRegion`.
    /// Requirements: caller is `verifyingRegion`'s authority; both regions exist and differ; type registered.
    function setRecognition(bytes32 verifyingRegion, bytes32 issuingRegion, bytes32 credentialType, bool recognized)
        external;

    // ----- key roles -----

    /// @notice Lets `signer` sign `region`'s trust bundles in [validFrom, validUntil); re-adding
    /// replaces the window. Checkpoints also need a delegation the authority signs off chain
    /// (they pin the authority, not the chain), and refuse a signer once a bundle shows it removed.
    /// Requirements: caller is `region`'s authority; signer is non-zero, not the authority, and
    /// was never removed; validFrom < validUntil.
    function addBundleSigner(bytes32 region, address signer, uint64 validFrom, uint64 validUntil) external;

    /// @notice Removes a bundle signer for good (a stolen checkpoint server): checkpoints refuse it
    /// from the next bundle they accept on.
    /// Requirements: caller is `region`'s authority; the signer was added and not yet removed.
    function removeBundleSigner(bytes32 region, address signer) external;

    /// @notice Names the agency's status writer: the only account StatusRegistry accepts status
    /// writes and new lists from, for this agency. The zero address stops all writes.
    /// Requirements: caller is the agency's ERC-1056 identity owner (not the region authority:
    /// the region governs whether the agency may act, the agency governs its own keys); the
    /// agency is registered and not removed; the writer is not the identity owner itself.
    function setStatusWriter(address issuer, address writer) external;

    /// @notice The ERC-1056 registry whose identity owners govern agencies' keys.
    function didRegistry() external view returns (address);
    function statusWriterOf(address issuer) external view returns (address);
    function issuerStatus(address issuer) external view returns (IssuerStatus);
    function getBundleSigner(bytes32 region, address signer) external view returns (BundleSigner memory);
    /// @notice Every bundle signer `region` ever added (removed ones too; see getBundleSigner).
    function bundleSigners(bytes32 region) external view returns (address[] memory);
    /// @notice True when `signer` is one of `region`'s bundle signers at `timestamp` and not removed.
    function isBundleSigner(bytes32 region, address signer, uint64 timestamp) external view returns (bool);

    // ----- views -----
    function governance() external view returns (address);
    function pendingGovernance() external view returns (address);
    function sequence() external view returns (uint64);
    function getRegion(bytes32 region) external view returns (Region memory);
    function getCredentialType(bytes32 credentialType) external view returns (CredentialType memory);
    function getCredentialTypePolicy(bytes32 credentialType) external view returns (CredentialTypePolicy memory);
    function getIssuer(address issuer) external view returns (Issuer memory);
    function getAccreditation(address issuer, bytes32 credentialType) external view returns (Accreditation memory);
    function isRecognized(bytes32 verifyingRegion, bytes32 issuingRegion, bytes32 credentialType)
        external
        view
        returns (bool);
    /// @notice The credential types `verifyingRegion` accepts from `issuingRegion` (unordered).
    function recognizedTypes(bytes32 verifyingRegion, bytes32 issuingRegion) external view returns (bytes32[] memory);
    /// @notice True when the issuer is active and accredited for the type at `timestamp`.
    function isAccredited(address issuer, bytes32 credentialType, uint64 timestamp) external view returns (bool);
    /// @notice True when the issuer is active and accredited for at least one type at `timestamp`.
    function isAccreditedForAny(address issuer, uint64 timestamp) external view returns (bool);
    /// @notice The credential types an issuer holds (or held) an accreditation for.
    function accreditedTypes(address issuer) external view returns (bytes32[] memory);
    /// @notice True when the issuer is registered and active (not suspended, not removed).
    function isActiveIssuer(address issuer) external view returns (bool);
    function regionCount() external view returns (uint256);
    function regions(uint256 offset, uint256 limit) external view returns (bytes32[] memory);
    function credentialTypeCount() external view returns (uint256);
    function credentialTypes(uint256 offset, uint256 limit) external view returns (bytes32[] memory);
    function issuerCount() external view returns (uint256);
    function issuers(uint256 offset, uint256 limit) external view returns (address[] memory);
}
