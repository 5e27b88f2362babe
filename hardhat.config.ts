import { createRequire } from "node:module";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);
// Compile with the npm `solc` package instead of letting Hardhat download a compiler:
// the machines reach no download host, and a pinned compiler keeps builds reproducible.
const solcVersion: string = (require("solc/package.json") as { version: string }).version;

export default defineConfig({
  plugins: [hardhatEthers, hardhatNetworkHelpers],
  solidity: {
    version: solcVersion,
    path: require.resolve("solc/soljson.js"),
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
    },
  },
  paths: {
    tests: { solidity: "test/contracts" },
  },
  test: {
    solidity: {
      fuzz: { runs: 256 },
    },
  },
  networks: {
    // What `npm start` runs (`hardhat node --network embedded`): like a QBFT network, a block
    // every 2 s whether or not there are transactions, stamped with the wall clock, so a
    // checkpoint's bundle is as fresh as its last sync and chain time never runs ahead.
    // What `laissez chain` and the tests' chain processes run: a block per transaction, stamped
    // with the wall clock even when it repeats the last block's second, so a seed's hundreds of
    // transactions do not push chain time ahead of the clocks of issuers and checkpoints.
    dev: {
      type: "edr-simulated",
      chainId: 31337,
      allowBlocksWithSameTimestamp: true,
    },
    embedded: {
      type: "edr-simulated",
      chainId: 31337,
      mining: { auto: true, interval: 2000 },
      allowBlocksWithSameTimestamp: true,
    },
    // The embedded chain that `npm start` runs: zero gas price, like the production Besu QBFT network.
    localhost: {
      type: "http",
      url: "http://127.0.0.1:8545",
    },
  },
});
