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
    // The embedded chain that `npm start` runs: zero gas price, like the production Besu QBFT network.
    localhost: {
      type: "http",
      url: "http://127.0.0.1:8545",
    },
  },
});
