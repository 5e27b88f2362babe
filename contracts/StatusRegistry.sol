// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IStatusRegistry} from "./interfaces/IStatusRegistry.sol";
import {ITrustRegistry} from "./interfaces/ITrustRegistry.sol";
import {IIdentityOwners} from "./interfaces/IIdentityOwners.sol";

/// @title StatusRegistry
/// @notice See {IStatusRegistry}. Issuing writes nothing here: only revocation and
/// suspension do, batched by the agency into word masks.
contract StatusRegistry is IStatusRegistry {
    /// Herd privacy: a list this large hides which credential a status read is about.
    uint32 public constant MIN_LIST_SIZE = 131_072;
    /// The most governance may allow: every checkpoint holds each list in full.
    uint32 public constant MAX_LIST_SIZE = 16_777_216;
    /// The most one anchor may add to an agency's audit count (issue 22: a stolen writer key
    /// anchored 2^64-1 and no later anchor could pass it). Far above what an issuer service
    /// writes between two anchors; a service further behind anchors intermediate heads.
    uint64 public constant MAX_AUDIT_STEP = 1_000_000;

    ITrustRegistry private immutable _trust;
    uint64 private _sequence;

    // Bounds governance sets (issue: any agency could fill every checkpoint with 16M-entry lists).
    uint32 private _maxListsPerIssuer = 16;
    uint32 private _maxListSize = 1_048_576;

    StatusList[] private _lists;
    mapping(uint256 => mapping(uint256 => uint256)) private _words;
    mapping(address => uint256[]) private _listsOf;

    struct AuditHead {
        uint64 count;
        bytes32 head;
    }

    mapping(address => AuditHead) private _auditHeads;

    constructor(ITrustRegistry trust) {
        if (address(trust) == address(0)) revert ZeroAddress();
        _trust = trust;
    }

    /// @inheritdoc IStatusRegistry
    function setListBounds(uint32 maxListsPerIssuer, uint32 maxListSize) external {
        if (msg.sender != _trust.governance()) revert NotGovernance(msg.sender);
        if (
            maxListsPerIssuer == 0 || maxListSize < MIN_LIST_SIZE || maxListSize > MAX_LIST_SIZE
                || maxListSize % 256 != 0
        ) revert InvalidListBounds(maxListsPerIssuer, maxListSize);
        _maxListsPerIssuer = maxListsPerIssuer;
        _maxListSize = maxListSize;
        emit ListBoundsSet(++_sequence, maxListsPerIssuer, maxListSize);
    }

    /// @inheritdoc IStatusRegistry
    function createList(address issuer, Purpose purpose, uint32 size) external returns (uint256 listId) {
        _requireStatusWriter(issuer);
        if (!_trust.isAccreditedForAny(issuer, uint64(block.timestamp))) revert IssuerNotAccredited(issuer);
        uint256 count = _listsOf[issuer].length;
        if (count >= _maxListsPerIssuer) revert TooManyLists(issuer, count, _maxListsPerIssuer);
        if (size < MIN_LIST_SIZE || size > _maxListSize || size % 256 != 0) {
            revert InvalidListSize(size, MIN_LIST_SIZE, _maxListSize);
        }
        listId = _lists.length;
        _lists.push(StatusList({issuer: issuer, purpose: purpose, size: size, sequence: 0}));
        _listsOf[issuer].push(listId);
        emit StatusListCreated(++_sequence, listId, issuer, purpose, size);
    }

    /// @inheritdoc IStatusRegistry
    function updateStatus(uint256 listId, uint256[] calldata wordIndices, uint256[] calldata masks, bool set)
        external
    {
        StatusList storage list = _existingList(listId);
        _requireMayWrite(list.issuer, set);
        if (!set && list.purpose == Purpose.Revocation) revert RevocationIsPermanent(listId);
        uint256 n = wordIndices.length;
        if (n != masks.length) revert LengthMismatch(n, masks.length);
        if (n == 0) revert EmptyUpdate();

        uint256 wordCount = uint256(list.size) / 256;
        mapping(uint256 => uint256) storage words = _words[listId];
        for (uint256 k = 0; k < n; ++k) {
            uint256 w = wordIndices[k];
            if (w >= wordCount) revert WordOutOfRange(listId, w, wordCount);
            words[w] = set ? words[w] | masks[k] : words[w] & ~masks[k];
        }
        uint64 listSeq = ++list.sequence;
        emit StatusUpdated(++_sequence, listId, listSeq, set, wordIndices, masks);
    }

    /// @inheritdoc IStatusRegistry
    function anchorAudit(address issuer, uint64 count, bytes32 head) external {
        _requireStatusWriter(issuer);
        if (head == bytes32(0)) revert EmptyAuditHead(issuer);
        AuditHead storage last = _auditHeads[issuer];
        if (count <= last.count) revert AuditCountNotIncreasing(issuer, count, last.count);
        if (count - last.count > MAX_AUDIT_STEP) revert AuditStepTooLarge(issuer, count, last.count, MAX_AUDIT_STEP);
        last.count = count;
        last.head = head;
        emit AuditAnchored(issuer, count, head);
    }

    /// @inheritdoc IStatusRegistry
    function resetAuditHead(address issuer, uint64 count, bytes32 head) external {
        address owner = IIdentityOwners(_trust.didRegistry()).identityOwner(issuer);
        if (msg.sender != owner) revert NotIdentityOwner(issuer, msg.sender);
        if ((count == 0) != (head == bytes32(0))) revert EmptyAuditHead(issuer);
        AuditHead storage last = _auditHeads[issuer];
        emit AuditHeadReset(issuer, last.count, count, head);
        last.count = count;
        last.head = head;
    }

    // ----- views -----

    function auditHeadOf(address issuer) external view returns (uint64 count, bytes32 head) {
        AuditHead storage last = _auditHeads[issuer];
        return (last.count, last.head);
    }

    function trustRegistry() external view returns (address) {
        return address(_trust);
    }

    function listBounds() external view returns (uint32 maxListsPerIssuer, uint32 maxListSize) {
        return (_maxListsPerIssuer, _maxListSize);
    }

    function sequence() external view returns (uint64) {
        return _sequence;
    }

    function listCount() external view returns (uint256) {
        return _lists.length;
    }

    function getList(uint256 listId) external view returns (StatusList memory) {
        return _existingList(listId);
    }

    function getWords(uint256 listId, uint256 fromWord, uint256 count) external view returns (uint256[] memory page) {
        uint256 wordCount = uint256(_existingList(listId).size) / 256;
        if (fromWord >= wordCount) return new uint256[](0);
        if (count > wordCount - fromWord) count = wordCount - fromWord;
        page = new uint256[](count);
        mapping(uint256 => uint256) storage words = _words[listId];
        for (uint256 k = 0; k < count; ++k) page[k] = words[fromWord + k];
    }

    function isSet(uint256 listId, uint256 index) external view returns (bool) {
        uint256 size = _existingList(listId).size;
        if (index >= size) revert WordOutOfRange(listId, index / 256, size / 256);
        return (_words[listId][index / 256] >> (index % 256)) & 1 == 1;
    }

    function listCountOf(address issuer) external view returns (uint256) {
        return _listsOf[issuer].length;
    }

    function listsOf(address issuer, uint256 offset, uint256 limit) external view returns (uint256[] memory page) {
        uint256[] storage ids = _listsOf[issuer];
        if (offset >= ids.length) return new uint256[](0);
        uint256 n = ids.length - offset;
        if (n > limit) n = limit;
        page = new uint256[](n);
        for (uint256 k = 0; k < n; ++k) page[k] = ids[offset + k];
    }

    // ----- internals -----

    function _existingList(uint256 listId) private view returns (StatusList storage) {
        if (listId >= _lists.length) revert UnknownList(listId);
        return _lists[listId];
    }

    /// Revoking and suspending are safety actions: a suspended agency may still take them (a
    /// credential found to be wrong must not stay valid until reinstatement). Giving a credential
    /// back (clearing a suspension) needs an active agency; a removed one writes nothing.
    function _requireMayWrite(address issuer, bool set) private view {
        _requireStatusWriter(issuer);
        ITrustRegistry.IssuerStatus status = _trust.issuerStatus(issuer);
        if (status != ITrustRegistry.IssuerStatus.Active && !(set && status == ITrustRegistry.IssuerStatus.Suspended)) {
            revert IssuerNotActive(issuer);
        }
    }

    /// Only the account the agency's identity owner named in the TrustRegistry writes its lists.
    function _requireStatusWriter(address issuer) private view {
        if (_trust.statusWriterOf(issuer) != msg.sender || msg.sender == address(0)) {
            revert NotStatusWriter(issuer, msg.sender);
        }
    }
}
