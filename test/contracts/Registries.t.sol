// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {CheatTest} from "./Vm.sol";
import {TrustRegistry} from "../../contracts/TrustRegistry.sol";
import {StatusRegistry} from "../../contracts/StatusRegistry.sol";
import {ITrustRegistry} from "../../contracts/interfaces/ITrustRegistry.sol";
import {IStatusRegistry} from "../../contracts/interfaces/IStatusRegistry.sol";

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

    TrustRegistry trust;
    StatusRegistry status;
    uint256 revocationList;
    uint256 suspensionList;

    function setUp() public {
        vm.warp(1_800_000_000);
        trust = new TrustRegistry(GOV);
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
        vm.startPrank(AGENCY);
        revocationList = status.createList(IStatusRegistry.Purpose.Revocation, 131_072);
        suspensionList = status.createList(IStatusRegistry.Purpose.Suspension, 131_072);
        vm.stopPrank();
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
    }

    function testFuzz_StatusWritesRejectOthers(address caller, uint256 word, uint256 mask) public {
        vm.assume(caller != AGENCY);
        uint256[] memory words = new uint256[](1);
        uint256[] memory masks = new uint256[](1);
        words[0] = word % 512;
        masks[0] = mask | 1;
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.NotListOwner.selector, revocationList, caller));
        status.updateStatus(revocationList, words, masks, true);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.NotListOwner.selector, suspensionList, caller));
        status.updateStatus(suspensionList, words, masks, false);
    }

    function testFuzz_CreateListNeedsAccreditation(address caller) public {
        vm.assume(caller != AGENCY && caller != OTHER_AGENCY);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.IssuerNotAccredited.selector, caller));
        status.createList(IStatusRegistry.Purpose.Revocation, 131_072);
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
        uint256[] memory words = new uint256[](1);
        uint256[] memory masks = new uint256[](1);
        masks[0] = 1;
        vm.prank(OTHER_AGENCY);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.NotListOwner.selector, revocationList, OTHER_AGENCY));
        status.updateStatus(revocationList, words, masks, true);
    }

    function test_SuspendedAgencyCannotWrite() public {
        vm.prank(ZJ_AUTH);
        trust.suspendIssuer(AGENCY);
        uint256[] memory words = new uint256[](1);
        uint256[] memory masks = new uint256[](1);
        masks[0] = 1;
        vm.prank(AGENCY);
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

    TrustRegistry trust;
    StatusRegistry status;
    uint256 revocationList;
    uint256 suspensionList;

    function setUp() public {
        vm.warp(1_800_000_000);
        trust = new TrustRegistry(GOV);
        status = new StatusRegistry(trust);
        vm.startPrank(GOV);
        trust.addRegion("CN-ZJ", AUTH);
        trust.registerCredentialType("HealthCode", bytes32(0), "", 3600);
        vm.stopPrank();
        vm.startPrank(AUTH);
        trust.registerIssuer("CN-ZJ", AGENCY, "Agency");
        trust.accredit(AGENCY, "HealthCode", 0, 2_000_000_000);
        vm.stopPrank();
        vm.startPrank(AGENCY);
        revocationList = status.createList(IStatusRegistry.Purpose.Revocation, 131_072);
        suspensionList = status.createList(IStatusRegistry.Purpose.Suspension, 131_072);
        vm.stopPrank();
    }

    function testFuzz_RevocationNeverClears(uint32[8] memory indices, uint8 clearAttempts) public {
        uint256[] memory words = new uint256[](1);
        uint256[] memory masks = new uint256[](1);
        vm.startPrank(AGENCY);
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
        vm.startPrank(AGENCY);
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
        vm.prank(AGENCY);
        vm.expectRevert(abi.encodeWithSelector(IStatusRegistry.WordOutOfRange.selector, revocationList, word, 512));
        status.updateStatus(revocationList, words, masks, true);
    }

    function testFuzz_ListSizeBounds(uint32 size) public {
        vm.assume(size < 131_072 || size % 256 != 0);
        vm.prank(AGENCY);
        vm.expectRevert(
            abi.encodeWithSelector(IStatusRegistry.InvalidListSize.selector, uint256(size), 131_072, 16_777_216)
        );
        status.createList(IStatusRegistry.Purpose.Revocation, size);
    }
}
