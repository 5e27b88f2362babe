// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IIdentityOwners
/// @notice The one view of the ERC-1056 EthereumDIDRegistry the trust registry reads: who owns
/// an identity now (the identity itself until its owner changes).
interface IIdentityOwners {
    function identityOwner(address identity) external view returns (address);
}
