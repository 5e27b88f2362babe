// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {CheatTest} from "./Vm.sol";
import {TrustRegistry} from "../../contracts/TrustRegistry.sol";
import {StatusRegistry} from "../../contracts/StatusRegistry.sol";
import {ITrustRegistry} from "../../contracts/interfaces/ITrustRegistry.sol";
import {IStatusRegistry} from "../../contracts/interfaces/IStatusRegistry.sol";
import {EthereumDIDRegistry} from "./vendor/EthereumDIDRegistry.sol";

/// Access control with a fuzzed caller: every mutating function of both registries reverts,
/// with the custom error naming the caller, for anyone but the account holding the role.
contract RegistriesAccessTest is CheatTest {
    bytes32 constant ZJ = "CN-ZJ";
    bytes32 constant SH = "CN-SH";
    bytes32 constant HEALTH = "HealthCode";
    address constant GOV = address(0x1000);
    address constant ZJ_AUTH = address(0x2001);
    address constant SH_AUTH = address(0x2002);
    address constant AGENCY = address(0x3001);
    address constant OTHER_AGENCY = address(0x3002);
    // Online keys: AGENCY's status writer (issuer service), ZJ's bundle signer (checkpoint service).
    address constant WRITER = address(0x5001);
    address constant OTHER_WRITER = address(0x5002);
    address constant SIGNER = address(0x6001);

    EthereumDIDRegistry did;
    TrustRegistry trust;
    StatusRegistry status;
    uint256 revocationList;
    uint256 suspensionList;

    function setUp() public {
        vm.warp(1_800_000_000);
        did = new EthereumDIDRegistry();
        trust = new TrustRegistry(GOV, address(did));
        status = new StatusRegistry(trust);
        vm.startPrank(GOV);
        trust.addRegion(ZJ, ZJ_AUTH);
        trust.addRegion(SH, SH_AUTH);
        trust.registerCredentialType(HEALTH, keccak256("schema"), "https://schemas.example/health.json", 3600);
        vm.stopPrank();
        vm.startPrank(ZJ_AUTH);
        trust.registerIssuer(ZJ, AGENCY, "Zhejiang Health Commission");
        trust.accredit(AGENCY, HEALTH, 0, 2_000_000_000);
        vm.stopPrank();
        vm.prank(SH_AUTH);
        trust.registerIssuer(SH, OTHER_AGENCY, "Shanghai Health Commission");
        vm.prank(SH_AUTH);
        trust.accredit(OTHER_AGENCY, HEALTH, 0, 2_000_000_000);
        vm.prank(ZJ_AUTH);
        trust.addBundleSigner(ZJ, SIGNER, 0, 2_000_000_000);
        // Each agency is its own ERC-1056 identity owner until it changes owner.
        vm.prank(AGENCY);
        trust.setStatusWriter(AGENCY, WRITER);
        vm.prank(OTHER_AGENCY);
        trust.setStatusWriter(OTHER_AGENCY, OTHER_WRITER);
        vm.startPrank(WRITER);
        revocationList = status.createList(AGENCY, IStatusRegistry.Purpose.Revocation, 131_072);
        suspensionList = status.createList(AGENCY, IStatusRegistry.Purpose.Suspension, 131_072);
        vm.stopPrank();
    }

    function _one(uint256 word, uint256 mask) private pure returns (uint256[] memory words, uint256[] memory masks) {
        words = new uint256[](1);
        masks = new uint256[](1);
        words[0] = word;
        masks[0] = mask;
    }

    function _notGov(address caller) private pure returns (bytes memory) {
        return abi.encodeWithSelector(ITrustRegistry.NotGovernance.selector, caller);
    }

    function _notAuth(bytes32 region, address caller) private pure returns (bytes memory) {
        return abi.encodeWithSelector(ITrustRegistry.NotRegionAuthority.selector, region, caller);
    }

    function testFuzz_GovernanceFunctionsRejectOthers(address caller) public {
        vm.assume(caller != GOV);
        vm.prank(caller);
        vm.expectRevert(_notGov(caller));
        trust.addRegion("CN-NM", caller);
        vm.prank(caller);
        vm.expectRevert(_notGov(caller));
        trust.setRegionAuthority(ZJ, caller);
        vm.prank(caller);
        vm.expectRevert(_notGov(caller));
        trust.registerCredentialType("DriverLicence", bytes32(0), "", 7 days);
        vm.prank(caller);
        vm.expectRevert(_notGov(caller));
        trust.setCredentialTypePolicy(HEALTH, 7 days, true);
        vm.prank(caller);
        vm.expectRevert(_notGov(caller));
        trust.transferGovernance(caller);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(ITrustRegistry.NotPendingGovernance.selector, caller));
        trust.acceptGovernance();
    }

    function testFuzz_RegionFunctionsRejectOthers(address caller) public {
        vm.assume(caller != ZJ_AUTH);
        vm.prank(caller);
        vm.expectRevert(_notAuth(ZJ, caller));
        trust.registerIssuer(ZJ, caller, "Self-made agency");
        vm.prank(caller);
        vm.expectRevert(_notAuth(ZJ, caller));
        trust.accredit(AGENCY, HEALTH, 0, 1);
        vm.prank(caller);
        vm.expectRevert(_notAuth(ZJ, caller));
        trust.withdrawAccreditation(AGENCY, HEALTH);
        vm.prank(caller);
        vm.expectRevert(_notAuth(ZJ, caller));
        trust.suspendIssuer(AGENCY);
        vm.prank(caller);
        vm.expectRevert(_notAuth(ZJ, caller));
        trust.reinstateIssuer(AGENCY);
        vm.prank(caller);
        vm.expectRevert(_notAuth(ZJ, caller));
        trust.removeIssuer(AGENCY);
        vm.prank(caller);
        vm.expectRevert(_notAuth(ZJ, caller));
        trust.setRecognition(ZJ, SH, HEALTH, true);
        vm.prank(caller);
        vm.expectRevert(_notAuth(ZJ, caller));
        trust.addBundleSigner(ZJ, caller, 0, 2_000_000_000);
        vm.prank(caller);
        vm.expectRevert(_notAuth(ZJ, caller));
        trust.removeBundleSigner(ZJ, SIGNER);
    }

    /// The status writer (and nobody else, not even the agency's identity owner) writes its lists.
    function testFuzz_StatusWritesRejectOthers(address caller, uint256 word, uint256 mask) public {
        vm.assume(caller != WRITER);
        (uint256[] memory words, uint256[] memory masks) = _one(word % 512, mask | 1);
        bytes memory refused = abi.encodeWithSelector(IStatusRegistry.NotStatusWriter.selector, AGENCY, caller);
        vm.prank(caller);
        vm.expectRevert(refused);
        status.updateStatus(revocationList, words, masks, true);
        vm.prank(caller);
        vm.expectRevert(refused);
        status.updateStatus(suspensionList, words, masks, false);
        vm.prank(caller);
        vm.expectRevert(refused);
        status.createList(AGENCY, IStatusRegistry.Purpose.Revocation, 131_072);
    }

    /// Only the agency's ERC-1056 identity owner names its status writer: not the region
    /// authority, not the writer, not the bundle signer.
    function testFuzz_StatusWriterNamedByIdentityOwnerOnly(address caller) public {
        vm.assume(caller != AGENCY);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(ITrustRegistry.NotIdentityOwner.selector, AGENCY, caller, AGENCY));
        trust.setStatusWriter(AGENCY, caller);
    }

    function testFuzz_ListBoundsSetByGovernanceOnly(address caller) public {
        vm.assume(caller != GOV);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.NotGovernance.selector, caller));
        status.setListBounds(1_000, 16_777_216);
    }

    function testFuzz_CreateListNeedsAccreditation(address issuer) public {
        vm.assume(issuer != AGENCY && issuer != OTHER_AGENCY);
        // Not a registered agency: it has no status writer, so nobody can create its lists.
        vm.prank(WRITER);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.NotStatusWriter.selector, issuer, WRITER));
        status.createList(issuer, IStatusRegistry.Purpose.Revocation, 131_072);
    }

    /// A checkpoint server's key (a bundle signer) changes nothing on chain, itself included.
    function test_BundleSignerCannotAuthorizeItselfOrChangeTheRegistry() public {
        vm.startPrank(SIGNER);
        vm.expectRevert(_notAuth(ZJ, SIGNER));
        trust.addBundleSigner(ZJ, SIGNER, 0, type(uint64).max);
        vm.expectRevert(_notAuth(ZJ, SIGNER));
        trust.addBundleSigner(ZJ, address(0x6002), 0, type(uint64).max);
        vm.expectRevert(_notAuth(ZJ, SIGNER));
        trust.registerIssuer(ZJ, address(0x4444), "Rogue agency");
        vm.expectRevert(_notAuth(ZJ, SIGNER));
        trust.accredit(AGENCY, HEALTH, 0, type(uint64).max);
        vm.expectRevert(_notAuth(ZJ, SIGNER));
        trust.setRecognition(ZJ, SH, HEALTH, true);
        vm.stopPrank();
    }

    /// An issuer service's keys (status writer, credential signer) cannot take the agency's DID.
    function test_IssuerServiceKeysCannotChangeTheDidOwner() public {
        address credentialSigner = address(0x7001);
        vm.prank(AGENCY);
        did.addDelegate(AGENCY, "veriKey", credentialSigner, 365 days);
        address[2] memory online = [WRITER, credentialSigner];
        for (uint256 k = 0; k < online.length; ++k) {
            vm.prank(online[k]);
            vm.expectRevert(abi.encodeWithSignature("Error(string)", "bad_actor"));
            did.changeOwner(AGENCY, online[k]);
            vm.prank(online[k]);
            vm.expectRevert(abi.encodeWithSignature("Error(string)", "bad_actor"));
            did.addDelegate(AGENCY, "veriKey", online[k], 365 days);
            vm.prank(online[k]);
            vm.expectRevert(abi.encodeWithSelector(ITrustRegistry.NotIdentityOwner.selector, AGENCY, online[k], AGENCY));
            trust.setStatusWriter(AGENCY, online[k]);
        }
        require(did.identityOwner(AGENCY) == AGENCY, "owner changed");
    }

    function test_IdentityOwnerIsNeverTheWriter() public {
        vm.prank(AGENCY);
        vm.expectRevert(abi.encodeWithSelector(ITrustRegistry.WriterIsIdentityOwner.selector, AGENCY, AGENCY));
        trust.setStatusWriter(AGENCY, AGENCY);
    }

    /// After an ERC-1056 owner change only the new owner names the writer; the old writer is
    /// refused the moment a new one is named.
    function test_NewIdentityOwnerRotatesTheWriter() public {
        address owner = address(0x8001);
        vm.prank(AGENCY);
        did.changeOwner(AGENCY, owner);
        vm.prank(AGENCY);
        vm.expectRevert(abi.encodeWithSelector(ITrustRegistry.NotIdentityOwner.selector, AGENCY, AGENCY, owner));
        trust.setStatusWriter(AGENCY, address(0x5003));
        vm.prank(owner);
        trust.setStatusWriter(AGENCY, address(0x5003));
        (uint256[] memory words, uint256[] memory masks) = _one(0, 1);
        vm.prank(WRITER);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.NotStatusWriter.selector, AGENCY, WRITER));
        status.updateStatus(revocationList, words, masks, true);
        vm.prank(address(0x5003));
        status.updateStatus(revocationList, words, masks, true);
    }

    function test_BundleSignerWindowAndRemovalForGood() public {
        require(trust.isBundleSigner(ZJ, SIGNER, 1_800_000_000), "signer not active");
        require(!trust.isBundleSigner(SH, SIGNER, 1_800_000_000), "signer active in another region");
        require(!trust.isBundleSigner(ZJ, SIGNER, 2_000_000_000), "signer active after its window");
        vm.startPrank(ZJ_AUTH);
        vm.expectRevert(abi.encodeWithSelector(ITrustRegistry.SignerIsAuthority.selector, ZJ, ZJ_AUTH));
        trust.addBundleSigner(ZJ, ZJ_AUTH, 0, 1);
        vm.expectRevert(abi.encodeWithSelector(ITrustRegistry.InvalidValidity.selector, 5, 5));
        trust.addBundleSigner(ZJ, address(0x6002), 5, 5);
        vm.expectRevert(abi.encodeWithSelector(ITrustRegistry.UnknownBundleSigner.selector, ZJ, address(0x6002)));
        trust.removeBundleSigner(ZJ, address(0x6002));
        trust.removeBundleSigner(ZJ, SIGNER);
        require(!trust.isBundleSigner(ZJ, SIGNER, 1_800_000_000), "removed signer active");
        vm.expectRevert(abi.encodeWithSelector(ITrustRegistry.BundleSignerWasRemoved.selector, ZJ, SIGNER));
        trust.addBundleSigner(ZJ, SIGNER, 0, type(uint64).max);
        vm.expectRevert(abi.encodeWithSelector(ITrustRegistry.BundleSignerWasRemoved.selector, ZJ, SIGNER));
        trust.removeBundleSigner(ZJ, SIGNER);
        vm.stopPrank();
        assertEq(trust.bundleSigners(ZJ).length, 1, "signer listed twice");
    }

    /// Issue 10 item 19: lists per agency and list size are bounded, and governance moves the bounds.
    function testFuzz_ListBounds(uint8 maxLists, uint32 size) public {
        maxLists = uint8(bound(maxLists, 2, 20));
        vm.prank(GOV);
        status.setListBounds(maxLists, 262_144);
        vm.startPrank(WRITER);
        for (uint256 k = 2; k < maxLists; ++k) status.createList(AGENCY, IStatusRegistry.Purpose.Revocation, 131_072);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.TooManyLists.selector, AGENCY, maxLists, maxLists));
        status.createList(AGENCY, IStatusRegistry.Purpose.Revocation, 131_072);
        vm.stopPrank();
        size = uint32(bound(size, 262_145, 16_777_216));
        vm.prank(OTHER_WRITER);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.InvalidListSize.selector, size, 131_072, 262_144));
        status.createList(OTHER_AGENCY, IStatusRegistry.Purpose.Revocation, size);
        vm.startPrank(GOV);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.InvalidListBounds.selector, 0, 262_144));
        status.setListBounds(0, 262_144);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.InvalidListBounds.selector, 4, 16_777_472));
        status.setListBounds(4, 16_777_472);
        vm.stopPrank();
    }

    function bound(uint256 x, uint256 lo, uint256 hi) private pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }

    function test_AuthorityCannotReachIntoAnotherRegion() public {
        vm.startPrank(SH_AUTH);
        vm.expectRevert(_notAuth(ZJ, SH_AUTH));
        trust.accredit(AGENCY, HEALTH, 0, 1);
        vm.expectRevert(_notAuth(ZJ, SH_AUTH));
        trust.suspendIssuer(AGENCY);
        vm.expectRevert(_notAuth(ZJ, SH_AUTH));
        trust.registerIssuer(ZJ, address(0x4444), "Impostor");
        vm.expectRevert(_notAuth(ZJ, SH_AUTH));
        trust.setRecognition(ZJ, SH, HEALTH, true);
        vm.stopPrank();
    }

    function test_AgencyCannotFlipAnotherAgencysBits() public {
        (uint256[] memory words, uint256[] memory masks) = _one(0, 1);
        vm.prank(OTHER_WRITER);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.NotStatusWriter.selector, AGENCY, OTHER_WRITER));
        status.updateStatus(revocationList, words, masks, true);
    }

    /// Audit heads (issue 14): only the agency's status writer anchors, the count only grows,
    /// an empty head is refused; each refusal carries its values.
    function testFuzz_AuditAnchoredByStatusWriterOnly(address caller, uint64 count, bytes32 head) public {
        vm.assume(caller != WRITER && head != bytes32(0));
        count = 1 + count % status.MAX_AUDIT_STEP(); // a first anchor's step is its count
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.NotStatusWriter.selector, AGENCY, caller));
        status.anchorAudit(AGENCY, count, head);
        // Another agency's writer cannot anchor for this one.
        vm.prank(OTHER_WRITER);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.NotStatusWriter.selector, AGENCY, OTHER_WRITER));
        status.anchorAudit(AGENCY, count, head);
        vm.startPrank(WRITER);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.EmptyAuditHead.selector, AGENCY));
        status.anchorAudit(AGENCY, count, bytes32(0));
        status.anchorAudit(AGENCY, count, head);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.AuditCountNotIncreasing.selector, AGENCY, count, count));
        status.anchorAudit(AGENCY, count, head);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.AuditCountNotIncreasing.selector, AGENCY, count - 1, count));
        status.anchorAudit(AGENCY, count - 1, head);
        vm.stopPrank();
        (uint64 anchoredCount, bytes32 anchoredHead) = status.auditHeadOf(AGENCY);
        assertEq(anchoredCount, count, "anchored count");
        require(anchoredHead == head, "anchored head");
        (uint64 otherCount,) = status.auditHeadOf(OTHER_AGENCY);
        assertEq(otherCount, 0, "another agency's head");
    }

    /// Issue 22 item 5: a stolen writer key cannot push the audit count out of the service's
    /// reach (one anchor adds at most MAX_AUDIT_STEP), and the agency's identity owner (not the
    /// writer, not anyone else) resets the head, after which the genuine log anchors again.
    function testFuzz_AuditStepBoundedAndOwnerResets(address caller, uint64 step) public {
        vm.assume(caller != AGENCY && step > status.MAX_AUDIT_STEP());
        uint64 max = status.MAX_AUDIT_STEP();
        vm.startPrank(WRITER);
        status.anchorAudit(AGENCY, 10, keccak256("genuine"));
        uint64 forged = step > type(uint64).max - 10 ? type(uint64).max : 10 + step;
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.AuditStepTooLarge.selector, AGENCY, forged, 10, max));
        status.anchorAudit(AGENCY, forged, keccak256("forged"));
        // What a thief can do: the largest step, once; the genuine service (at 11) then cannot anchor.
        status.anchorAudit(AGENCY, 10 + max, keccak256("forged"));
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.AuditCountNotIncreasing.selector, AGENCY, 11, 10 + max));
        status.anchorAudit(AGENCY, 11, keccak256("next"));
        // The writer cannot reset, nor can anyone but the identity owner.
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.NotIdentityOwner.selector, AGENCY, WRITER));
        status.resetAuditHead(AGENCY, 10, keccak256("genuine"));
        vm.stopPrank();
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.NotIdentityOwner.selector, AGENCY, caller));
        status.resetAuditHead(AGENCY, 10, keccak256("genuine"));
        vm.startPrank(AGENCY);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.EmptyAuditHead.selector, AGENCY));
        status.resetAuditHead(AGENCY, 10, bytes32(0));
        vm.expectEmit(true, false, false, true, address(status));
        emit IStatusRegistry.AuditHeadReset(AGENCY, 10 + max, 10, keccak256("genuine"));
        status.resetAuditHead(AGENCY, 10, keccak256("genuine"));
        vm.stopPrank();
        vm.prank(WRITER);
        status.anchorAudit(AGENCY, 11, keccak256("next"));
        (uint64 anchoredCount,) = status.auditHeadOf(AGENCY);
        assertEq(anchoredCount, 11, "anchored after the reset");
    }

    /// Decision (issue 10 item 19): revoking and suspending are safety actions, so a suspended
    /// agency still takes them; it cannot give a credential back (clear a suspension) nor open a
    /// list; a removed agency writes nothing.
    function test_SuspendedAgencyRevokesButCannotClear() public {
        vm.prank(ZJ_AUTH);
        trust.suspendIssuer(AGENCY);
        (uint256[] memory words, uint256[] memory masks) = _one(0, 1);
        vm.startPrank(WRITER);
        status.updateStatus(revocationList, words, masks, true);
        status.updateStatus(suspensionList, words, masks, true);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.IssuerNotActive.selector, AGENCY));
        status.updateStatus(suspensionList, words, masks, false);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.IssuerNotAccredited.selector, AGENCY));
        status.createList(AGENCY, IStatusRegistry.Purpose.Revocation, 131_072);
        vm.stopPrank();
        require(status.isSet(revocationList, 0) && status.isSet(suspensionList, 0), "safety writes lost");
        vm.prank(ZJ_AUTH);
        trust.removeIssuer(AGENCY);
        vm.prank(WRITER);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.IssuerNotActive.selector, AGENCY));
        status.updateStatus(revocationList, words, masks, true);
    }
}

/// Status-list invariants under fuzzed sequences of updates: revocation bits never clear,
/// suspension bits follow the last write, the list sequence has no gap.
contract StatusInvariantsTest is CheatTest {
    address constant GOV = address(0x1000);
    address constant AUTH = address(0x2001);
    address constant AGENCY = address(0x3001);
    address constant AGENCY_WRITER = address(0x5001);

    TrustRegistry trust;
    StatusRegistry status;
    uint256 revocationList;
    uint256 suspensionList;

    function setUp() public {
        vm.warp(1_800_000_000);
        trust = new TrustRegistry(GOV, address(new EthereumDIDRegistry()));
        status = new StatusRegistry(trust);
        vm.startPrank(GOV);
        trust.addRegion("CN-ZJ", AUTH);
        trust.registerCredentialType("HealthCode", bytes32(0), "", 3600);
        vm.stopPrank();
        vm.startPrank(AUTH);
        trust.registerIssuer("CN-ZJ", AGENCY, "Agency");
        trust.accredit(AGENCY, "HealthCode", 0, 2_000_000_000);
        vm.stopPrank();
        vm.prank(AGENCY);
        trust.setStatusWriter(AGENCY, AGENCY_WRITER);
        vm.startPrank(AGENCY_WRITER);
        revocationList = status.createList(AGENCY, IStatusRegistry.Purpose.Revocation, 131_072);
        suspensionList = status.createList(AGENCY, IStatusRegistry.Purpose.Suspension, 131_072);
        vm.stopPrank();
    }

    function testFuzz_RevocationNeverClears(uint32[8] memory indices, uint8 clearAttempts) public {
        uint256[] memory words = new uint256[](1);
        uint256[] memory masks = new uint256[](1);
        vm.startPrank(AGENCY_WRITER);
        for (uint256 k = 0; k < indices.length; ++k) {
            uint256 index = indices[k] % 131_072;
            words[0] = index / 256;
            masks[0] = uint256(1) << (index % 256);
            status.updateStatus(revocationList, words, masks, true);
            if (k < clearAttempts % 8) {
                vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.RevocationIsPermanent.selector, revocationList));
                status.updateStatus(revocationList, words, masks, false);
            }
        }
        vm.stopPrank();
        for (uint256 k = 0; k < indices.length; ++k) {
            require(status.isSet(revocationList, indices[k] % 131_072), "revoked bit cleared");
        }
        assertEq(status.getList(revocationList).sequence, indices.length, "list sequence gap");
    }

    function testFuzz_SuspensionFollowsLastWrite(uint32 index, bool[6] memory writes) public {
        index = index % 131_072;
        uint256[] memory words = new uint256[](1);
        uint256[] memory masks = new uint256[](1);
        words[0] = index / 256;
        masks[0] = uint256(1) << (index % 256);
        vm.startPrank(AGENCY_WRITER);
        for (uint256 k = 0; k < writes.length; ++k) {
            status.updateStatus(suspensionList, words, masks, writes[k]);
        }
        vm.stopPrank();
        require(status.isSet(suspensionList, index) == writes[writes.length - 1], "suspension bit wrong");
        assertEq(status.getList(suspensionList).sequence, writes.length, "list sequence gap");
    }

    function testFuzz_WordIndexStaysInRange(uint256 word) public {
        vm.assume(word >= 512);
        uint256[] memory words = new uint256[](1);
        uint256[] memory masks = new uint256[](1);
        words[0] = word;
        masks[0] = 1;
        vm.prank(AGENCY_WRITER);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.WordOutOfRange.selector, revocationList, word, 512));
        status.updateStatus(revocationList, words, masks, true);
    }

    function testFuzz_ListSizeBounds(uint32 size) public {
        vm.assume(size < 131_072 || size > 1_048_576 || size % 256 != 0);
        vm.prank(AGENCY_WRITER);
        vm.expectRevert(
            abi.encodeWithSelector(IStatusRegistry.InvalidListSize.selector, uint256(size), 131_072, 1_048_576)
        );
        status.createList(AGENCY, IStatusRegistry.Purpose.Revocation, size);
    }
}
