// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IStatusRegistry
/// @notice Bitstring status lists (W3C Bitstring Status List / IETF Token Status List with
/// one bit per entry), owned by issuers registered in the TrustRegistry and written only by
/// each issuer's status writer (named there by the agency's ERC-1056 identity owner). A revocation list
/// is one-way (a set bit never clears); a suspension list toggles. Bits are packed in
/// uint256 words, bit `i` of the list being bit `i % 256` (least significant first) of word
/// `i / 256`; updates are given as (word index, mask) pairs so one transaction sets many bits.
interface IStatusRegistry {
    enum Purpose {
        Revocation,
        Suspension
    }

    // One storage slot: 20 + 1 + 4 + 7 bytes (solhint's packing check does not size enums).
    // solhint-disable-next-line gas-struct-packing
    struct StatusList {
        address issuer;
        Purpose purpose;
        uint32 size;
        // Sequence number of the list's latest change (0 = created, never updated).
        uint56 sequence;
    }

    /// @notice A list was created. `seq` is the registry-wide sequence number.
    event StatusListCreated(uint64 indexed seq, uint256 indexed listId, address indexed issuer, Purpose purpose, uint32 size);

    /// @notice Bits changed: for each i, word `wordIndices[i]` was OR-ed with `masks[i]` when
    /// `set`, AND-ed with its complement otherwise. `listSeq` counts this list's updates.
    event StatusUpdated(
        uint64 indexed seq,
        uint256 indexed listId,
        uint64 listSeq,
        bool set,
        uint256[] wordIndices,
        uint256[] masks
    );

    /// @notice Governance changed the bounds on lists: how many per issuer, and their largest size.
    event ListBoundsSet(uint64 indexed seq, uint32 maxListsPerIssuer, uint32 maxListSize);

    /// @notice The issuer's audit log (its issuer service's hash chain) had `count` entries whose
    /// last hash is `head`. A hash and a count: no personal data. Not part of the registry's
    /// `seq` (checkpoints apply status changes; audit heads are for auditors).
    event AuditAnchored(address indexed issuer, uint64 count, bytes32 head);

    /// @notice The agency's identity owner set its audit head to (`count`, `head`), replacing the
    /// one at `previousCount`: heads anchored before this event with a larger count are void
    /// (a stolen writer key anchored them). Count 0 with a zero head: none anchored.
    event AuditHeadReset(address indexed issuer, uint64 previousCount, uint64 count, bytes32 head);

    error IssuerNotActive(address issuer);
    error NotStatusWriter(address issuer, address caller);
    error NotGovernance(address caller);
    error TooManyLists(address issuer, uint256 count, uint256 maximum);
    error InvalidListBounds(uint32 maxListsPerIssuer, uint32 maxListSize);
    error IssuerNotAccredited(address issuer);
    error InvalidListSize(uint256 size, uint256 minimum, uint256 maximum);
    error UnknownList(uint256 listId);
    error RevocationIsPermanent(uint256 listId);
    error WordOutOfRange(uint256 listId, uint256 wordIndex, uint256 wordCount);
    error LengthMismatch(uint256 wordIndices, uint256 masks);
    error EmptyUpdate();
    error ZeroAddress();
    error AuditCountNotIncreasing(address issuer, uint64 count, uint64 lastCount);
    error EmptyAuditHead(address issuer);
    error AuditStepTooLarge(address issuer, uint64 count, uint64 lastCount, uint64 maxStep);
    error NotIdentityOwner(address issuer, address caller);

    /// @notice Bounds every issuer's lists: at most `maxListsPerIssuer` lists, each at most
    /// `maxListSize` entries (every checkpoint and page holds each list in full).
    /// Requirements: caller is the TrustRegistry's governance; maxListsPerIssuer > 0; maxListSize
    /// a multiple of 256 in [131072, 16777216]. Lists already created keep their size.
    function setListBounds(uint32 maxListsPerIssuer, uint32 maxListSize) external;

    /// @notice Creates a status list owned by `issuer`.
    /// Requirements: caller is the issuer's status writer; the issuer is active and accredited for
    /// at least one credential type now; it has fewer lists than the bound; `size` is a multiple of
    /// 256 in [131072, maxListSize].
    /// @return listId the new list's id.
    function createList(address issuer, Purpose purpose, uint32 size) external returns (uint256 listId);

    /// @notice Sets (`set` = true) or clears the bits given as word masks, in one transaction.
    /// Requirements: caller is the list issuer's status writer; the issuer is active, or suspended
    /// and setting bits (revoking and suspending are safety actions); lengths match and are
    /// non-zero; every word index is in range; clearing is allowed only on suspension lists.
    function updateStatus(uint256 listId, uint256[] calldata wordIndices, uint256[] calldata masks, bool set) external;

    /// @notice Anchors the head of the issuer's audit log hash chain after `count` entries.
    /// Requirements: caller is the issuer's status writer; `head` is non-zero; `count` exceeds
    /// the last anchored count (an anchor never moves back) by at most MAX_AUDIT_STEP (a stolen
    /// writer key cannot push the count out of the service's reach).
    function anchorAudit(address issuer, uint64 count, bytes32 head) external;

    /// @notice Sets the issuer's audit head to (`count`, `head`), lower or higher than the last:
    /// the recovery from heads a stolen writer key anchored (`AuditHeadReset`). Requirements:
    /// caller is the issuer's ERC-1056 identity owner (read from the DID registry the trust
    /// registry names); `count` and `head` are both zero or both non-zero.
    function resetAuditHead(address issuer, uint64 count, bytes32 head) external;

    /// @notice The last anchored audit head of `issuer` (count 0: none yet).
    function auditHeadOf(address issuer) external view returns (uint64 count, bytes32 head);

    function trustRegistry() external view returns (address);
    function listBounds() external view returns (uint32 maxListsPerIssuer, uint32 maxListSize);
    function sequence() external view returns (uint64);
    function listCount() external view returns (uint256);
    function getList(uint256 listId) external view returns (StatusList memory);
    /// @notice `count` words of a list starting at word `fromWord` (clamped to the list's end).
    function getWords(uint256 listId, uint256 fromWord, uint256 count) external view returns (uint256[] memory);
    /// @notice Whether bit `index` of a list is set.
    function isSet(uint256 listId, uint256 index) external view returns (bool);
    function listCountOf(address issuer) external view returns (uint256);
    function listsOf(address issuer, uint256 offset, uint256 limit) external view returns (uint256[] memory);
}
