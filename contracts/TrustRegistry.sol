// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ITrustRegistry} from "./interfaces/ITrustRegistry.sol";
import {IIdentityOwners} from "./interfaces/IIdentityOwners.sol";

/// @title TrustRegistry
/// @notice See {ITrustRegistry}. The consortium's shared answer to "who may issue what, and
/// who accepts it": governance (the consortium) adds regions and credential types, and each
/// region authority governs its own agencies and its own recognition policy — never another
/// region's.
contract TrustRegistry is ITrustRegistry {
    uint64 private constant MAX_STATUS_AGE = 365 days;
    uint256 private constant MAX_NAME_BYTES = 128;
    uint64 private constant MAX_VALIDITY = 20 * 365 days;

    address private _governance;
    address private _pendingGovernance;
    uint64 private _sequence;

    mapping(bytes32 => Region) private _regions;
    bytes32[] private _regionIds;

    mapping(bytes32 => CredentialType) private _types;
    bytes32[] private _typeIds;
    mapping(bytes32 => CredentialTypePolicy) private _policies;

    mapping(address => Issuer) private _issuers;
    address[] private _issuerIds;

    mapping(address => mapping(bytes32 => Accreditation)) private _accreditations;
    mapping(address => bytes32[]) private _accreditedTypes;

    // verifying region => issuing region => credential types recognized (enumerable), and each
    // type's position in that list plus one (0 = not recognized).
    mapping(bytes32 => mapping(bytes32 => bytes32[])) private _recognizedTypes;
    mapping(bytes32 => mapping(bytes32 => mapping(bytes32 => uint256))) private _recognizedAt;

    // Key roles: the ERC-1056 registry whose identity owners govern agencies, each agency's
    // status writer, each region's bundle signers.
    IIdentityOwners private immutable _didRegistry;
    KeyRoles private _keys;

    struct KeyRoles {
        mapping(address => address) statusWriters;
        mapping(bytes32 => RegionSigners) bundleSigners;
    }

    struct RegionSigners {
        mapping(address => BundleSigner) byAddress;
        address[] ids;
    }

    modifier onlyGovernance() {
        if (msg.sender != _governance) revert NotGovernance(msg.sender);
        _;
    }

    constructor(address governance_, address didRegistry_) {
        if (governance_ == address(0) || didRegistry_ == address(0)) revert ZeroAddress();
        _governance = governance_;
        _didRegistry = IIdentityOwners(didRegistry_);
        emit GovernanceTransferred(_next(), address(0), governance_);
    }

    // ----- governance -----

    /// @inheritdoc ITrustRegistry
    function transferGovernance(address pending) external onlyGovernance {
        if (pending == address(0)) revert ZeroAddress();
        _pendingGovernance = pending;
        emit GovernanceTransferStarted(_next(), _governance, pending);
    }

    /// @inheritdoc ITrustRegistry
    function acceptGovernance() external {
        // No transfer pending means no one may accept (not even a zero-address caller).
        if (_pendingGovernance == address(0) || msg.sender != _pendingGovernance) revert NotPendingGovernance(msg.sender);
        address previous = _governance;
        _governance = msg.sender;
        delete _pendingGovernance;
        emit GovernanceTransferred(_next(), previous, msg.sender);
    }

    /// @inheritdoc ITrustRegistry
    function addRegion(bytes32 region, address authority) external onlyGovernance {
        if (region == bytes32(0)) revert InvalidId(region);
        if (authority == address(0)) revert ZeroAddress();
        if (_regions[region].exists) revert RegionExists(region);
        _regions[region] = Region({authority: authority, exists: true});
        _regionIds.push(region);
        emit RegionAdded(_next(), region, authority);
    }

    /// @inheritdoc ITrustRegistry
    function setRegionAuthority(bytes32 region, address authority) external onlyGovernance {
        if (authority == address(0)) revert ZeroAddress();
        Region storage r = _existingRegion(region);
        r.authority = authority;
        emit RegionAuthorityChanged(_next(), region, authority);
    }

    /// @inheritdoc ITrustRegistry
    function registerCredentialType(
        bytes32 credentialType,
        bytes32 schemaHash,
        string calldata schemaUri,
        uint64 maxStatusAge
    ) external onlyGovernance {
        if (credentialType == bytes32(0)) revert InvalidId(credentialType);
        if (_types[credentialType].exists) revert CredentialTypeExists(credentialType);
        if (maxStatusAge == 0 || maxStatusAge > MAX_STATUS_AGE) revert InvalidMaxStatusAge(maxStatusAge);
        _types[credentialType] =
            CredentialType({schemaHash: schemaHash, schemaUri: schemaUri, maxStatusAge: maxStatusAge, exists: true});
        _typeIds.push(credentialType);
        emit CredentialTypeRegistered(_next(), credentialType, schemaHash, schemaUri, maxStatusAge);
    }

    /// @inheritdoc ITrustRegistry
    function setCredentialTypePolicy(bytes32 credentialType, uint64 maxValidity, bool paperAllowed) external onlyGovernance {
        if (!_types[credentialType].exists) revert UnknownCredentialType(credentialType);
        if (maxValidity == 0 || maxValidity > MAX_VALIDITY) revert InvalidMaxValidity(maxValidity);
        _policies[credentialType] = CredentialTypePolicy({maxValidity: maxValidity, paperAllowed: paperAllowed});
        emit CredentialTypePolicySet(_next(), credentialType, maxValidity, paperAllowed);
    }

    // ----- region authorities -----

    /// @inheritdoc ITrustRegistry
    function registerIssuer(bytes32 region, address issuer, string calldata name) external {
        _requireAuthority(region);
        if (issuer == address(0)) revert ZeroAddress();
        uint256 nameLength = bytes(name).length;
        if (nameLength == 0 || nameLength > MAX_NAME_BYTES) revert InvalidName();
        if (_issuers[issuer].status != IssuerStatus.None) revert IssuerExists(issuer);
        _issuers[issuer] = Issuer({region: region, status: IssuerStatus.Active, name: name});
        _issuerIds.push(issuer);
        emit IssuerRegistered(_next(), issuer, region, name);
    }

    /// @inheritdoc ITrustRegistry
    function accredit(address issuer, bytes32 credentialType, uint64 validFrom, uint64 validUntil) external {
        Issuer storage i = _issuerOfCallersRegion(issuer);
        if (i.status == IssuerStatus.Removed) revert IssuerRemoved(issuer);
        if (!_types[credentialType].exists) revert UnknownCredentialType(credentialType);
        if (validFrom >= validUntil) revert InvalidValidity(validFrom, validUntil);
        Accreditation storage a = _accreditations[issuer][credentialType];
        if (a.validUntil == 0) _accreditedTypes[issuer].push(credentialType);
        a.validFrom = validFrom;
        a.validUntil = validUntil;
        emit IssuerAccredited(_next(), issuer, credentialType, validFrom, validUntil);
    }

    /// @inheritdoc ITrustRegistry
    function withdrawAccreditation(address issuer, bytes32 credentialType) external {
        _issuerOfCallersRegion(issuer);
        Accreditation storage a = _accreditations[issuer][credentialType];
        if (a.validUntil == 0 || a.validFrom == a.validUntil) revert NotAccredited(issuer, credentialType);
        // An empty window (from == until) keeps the type in the issuer's list, so it is never pushed twice.
        a.validFrom = a.validUntil;
        emit AccreditationWithdrawn(_next(), issuer, credentialType);
    }

    /// @inheritdoc ITrustRegistry
    function suspendIssuer(address issuer) external {
        _changeStatus(issuer, IssuerStatus.Active, IssuerStatus.Suspended);
    }

    /// @inheritdoc ITrustRegistry
    function reinstateIssuer(address issuer) external {
        _changeStatus(issuer, IssuerStatus.Suspended, IssuerStatus.Active);
    }

    /// @inheritdoc ITrustRegistry
    function removeIssuer(address issuer) external {
        Issuer storage i = _issuerOfCallersRegion(issuer);
        if (i.status == IssuerStatus.Removed) revert IssuerRemoved(issuer);
        i.status = IssuerStatus.Removed;
        emit IssuerStatusChanged(_next(), issuer, IssuerStatus.Removed);
    }

    /// @inheritdoc ITrustRegistry
    function setRecognition(bytes32 verifyingRegion, bytes32 issuingRegion, bytes32 credentialType, bool recognized)
        external
    {
        _requireAuthority(verifyingRegion);
        _existingRegion(issuingRegion);
        if (verifyingRegion == issuingRegion) revert SameRegion(verifyingRegion);
        if (!_types[credentialType].exists) revert UnknownCredentialType(credentialType);
        bytes32[] storage types = _recognizedTypes[verifyingRegion][issuingRegion];
        mapping(bytes32 => uint256) storage at = _recognizedAt[verifyingRegion][issuingRegion];
        uint256 position = at[credentialType];
        if (recognized && position == 0) {
            types.push(credentialType);
            at[credentialType] = types.length;
        } else if (!recognized && position != 0) {
            bytes32 last = types[types.length - 1];
            types[position - 1] = last;
            at[last] = position;
            types.pop();
            delete at[credentialType];
        }
        emit RecognitionSet(_next(), verifyingRegion, issuingRegion, credentialType, recognized);
    }

    // ----- key roles -----

    /// @inheritdoc ITrustRegistry
    function addBundleSigner(bytes32 region, address signer, uint64 validFrom, uint64 validUntil) external {
        _requireAuthority(region);
        if (signer == address(0)) revert ZeroAddress();
        if (signer == msg.sender) revert SignerIsAuthority(region, signer);
        if (validFrom >= validUntil) revert InvalidValidity(validFrom, validUntil);
        BundleSigner storage s = _keys.bundleSigners[region].byAddress[signer];
        if (s.removed) revert BundleSignerWasRemoved(region, signer);
        if (s.validUntil == 0) _keys.bundleSigners[region].ids.push(signer);
        s.validFrom = validFrom;
        s.validUntil = validUntil;
        emit BundleSignerAdded(_next(), region, signer, validFrom, validUntil);
    }

    /// @inheritdoc ITrustRegistry
    function removeBundleSigner(bytes32 region, address signer) external {
        _requireAuthority(region);
        BundleSigner storage s = _keys.bundleSigners[region].byAddress[signer];
        if (s.validUntil == 0) revert UnknownBundleSigner(region, signer);
        if (s.removed) revert BundleSignerWasRemoved(region, signer);
        s.removed = true;
        emit BundleSignerRemoved(_next(), region, signer);
    }

    /// @inheritdoc ITrustRegistry
    function setStatusWriter(address issuer, address writer) external {
        IssuerStatus status = _issuers[issuer].status;
        if (status == IssuerStatus.None) revert UnknownIssuer(issuer);
        if (status == IssuerStatus.Removed) revert IssuerRemoved(issuer);
        address owner = _didRegistry.identityOwner(issuer);
        if (msg.sender != owner) revert NotIdentityOwner(issuer, msg.sender, owner);
        if (writer == owner) revert WriterIsIdentityOwner(issuer, writer);
        _keys.statusWriters[issuer] = writer;
        emit StatusWriterSet(_next(), issuer, writer);
    }

    function didRegistry() external view returns (address) {
        return address(_didRegistry);
    }

    function statusWriterOf(address issuer) external view returns (address) {
        return _keys.statusWriters[issuer];
    }

    function issuerStatus(address issuer) external view returns (IssuerStatus) {
        return _issuers[issuer].status;
    }

    function getBundleSigner(bytes32 region, address signer) external view returns (BundleSigner memory) {
        return _keys.bundleSigners[region].byAddress[signer];
    }

    function bundleSigners(bytes32 region) external view returns (address[] memory) {
        return _keys.bundleSigners[region].ids;
    }

    function isBundleSigner(bytes32 region, address signer, uint64 timestamp) external view returns (bool) {
        BundleSigner storage s = _keys.bundleSigners[region].byAddress[signer];
        return !s.removed && s.validFrom <= timestamp && timestamp < s.validUntil;
    }

    // ----- views -----

    function governance() external view returns (address) {
        return _governance;
    }

    function pendingGovernance() external view returns (address) {
        return _pendingGovernance;
    }

    function sequence() external view returns (uint64) {
        return _sequence;
    }

    function getRegion(bytes32 region) external view returns (Region memory) {
        return _regions[region];
    }

    function getCredentialType(bytes32 credentialType) external view returns (CredentialType memory) {
        return _types[credentialType];
    }

    function getCredentialTypePolicy(bytes32 credentialType) external view returns (CredentialTypePolicy memory) {
        return _policies[credentialType];
    }

    function getIssuer(address issuer) external view returns (Issuer memory) {
        return _issuers[issuer];
    }

    function getAccreditation(address issuer, bytes32 credentialType) external view returns (Accreditation memory) {
        return _accreditations[issuer][credentialType];
    }

    function accreditedTypes(address issuer) external view returns (bytes32[] memory) {
        return _accreditedTypes[issuer];
    }

    function isRecognized(bytes32 verifyingRegion, bytes32 issuingRegion, bytes32 credentialType)
        external
        view
        returns (bool)
    {
        // A region always accepts its own accredited agencies; recognition is about other regions.
        return verifyingRegion == issuingRegion
            ? _regions[verifyingRegion].exists
            : _recognizedAt[verifyingRegion][issuingRegion][credentialType] != 0;
    }

    function recognizedTypes(bytes32 verifyingRegion, bytes32 issuingRegion) external view returns (bytes32[] memory) {
        return _recognizedTypes[verifyingRegion][issuingRegion];
    }

    function isAccredited(address issuer, bytes32 credentialType, uint64 timestamp) public view returns (bool) {
        if (_issuers[issuer].status != IssuerStatus.Active) return false;
        Accreditation storage a = _accreditations[issuer][credentialType];
        return a.validFrom <= timestamp && timestamp < a.validUntil;
    }

    function isAccreditedForAny(address issuer, uint64 timestamp) external view returns (bool) {
        bytes32[] storage types = _accreditedTypes[issuer];
        for (uint256 k = 0; k < types.length; ++k) {
            if (isAccredited(issuer, types[k], timestamp)) return true;
        }
        return false;
    }

    function isActiveIssuer(address issuer) external view returns (bool) {
        return _issuers[issuer].status == IssuerStatus.Active;
    }

    function regionCount() external view returns (uint256) {
        return _regionIds.length;
    }

    function regions(uint256 offset, uint256 limit) external view returns (bytes32[] memory page) {
        page = _page(_regionIds, offset, limit);
    }

    function credentialTypeCount() external view returns (uint256) {
        return _typeIds.length;
    }

    function credentialTypes(uint256 offset, uint256 limit) external view returns (bytes32[] memory page) {
        page = _page(_typeIds, offset, limit);
    }

    function issuerCount() external view returns (uint256) {
        return _issuerIds.length;
    }

    function issuers(uint256 offset, uint256 limit) external view returns (address[] memory page) {
        (uint256 start, uint256 n) = _window(_issuerIds.length, offset, limit);
        page = new address[](n);
        for (uint256 k = 0; k < n; ++k) page[k] = _issuerIds[start + k];
    }

    // ----- internals -----

    function _next() private returns (uint64) {
        return ++_sequence;
    }

    function _existingRegion(bytes32 region) private view returns (Region storage r) {
        r = _regions[region];
        if (!r.exists) revert UnknownRegion(region);
    }

    function _requireAuthority(bytes32 region) private view {
        if (_existingRegion(region).authority != msg.sender) revert NotRegionAuthority(region, msg.sender);
    }

    /// The issuer, after checking that the caller is the authority of the issuer's own region:
    /// this is what keeps one region from managing another region's agencies.
    function _issuerOfCallersRegion(address issuer) private view returns (Issuer storage i) {
        i = _issuers[issuer];
        if (i.status == IssuerStatus.None) revert UnknownIssuer(issuer);
        _requireAuthority(i.region);
    }

    function _changeStatus(address issuer, IssuerStatus from, IssuerStatus to) private {
        Issuer storage i = _issuerOfCallersRegion(issuer);
        if (i.status != from) revert InvalidIssuerStatus(issuer, i.status);
        i.status = to;
        emit IssuerStatusChanged(_next(), issuer, to);
    }

    /// One page of an id list: at most `limit` ids from `offset` (none past the end).
    function _page(bytes32[] storage ids, uint256 offset, uint256 limit) private view returns (bytes32[] memory page) {
        (uint256 start, uint256 n) = _window(ids.length, offset, limit);
        page = new bytes32[](n);
        for (uint256 k = 0; k < n; ++k) page[k] = ids[start + k];
    }

    function _window(uint256 length, uint256 offset, uint256 limit) private pure returns (uint256 start, uint256 n) {
        if (offset >= length) return (length, 0);
        start = offset;
        n = length - offset;
        if (n > limit) n = limit;
    }
}
