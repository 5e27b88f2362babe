// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// The few cheatcodes these tests use. forge-std is not installable from npm in a recent
/// version, so the interface is declared here; Hardhat's EDR serves it at the usual address.
interface Vm {
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function expectRevert(bytes calldata revertData) external;
    function assume(bool condition) external pure;
    function warp(uint256 timestamp) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter) external;
}

abstract contract CheatTest {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function assertEq(uint256 a, uint256 b, string memory what) internal pure {
        require(a == b, what);
    }
}
