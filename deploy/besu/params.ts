/**
 * The consortium network's parameters, as the Besu QBFT kit writes them into the genesis and
 * each node's configuration. The tests run anvil with the same block gas limit and put a
 * guard with the same log range limit in front of it, so what passes there fits the kit.
 */
export const KIT_DEFAULTS = {
  /** The consortium chain's id (not 31337: the demo's public keys are refused off the development chain). */
  chainId: 20_260,
  /** One block every 2 s, whether or not there are transactions (QBFT `blockperiodseconds`). */
  blockPeriodSeconds: 2,
  /** Votes to add or remove validators reset every epoch (QBFT `epochlength`). */
  epochLength: 30_000,
  /** A round that produces no block within this many seconds moves to the next proposer (QBFT `requesttimeoutseconds`). */
  requestTimeoutSeconds: 4,
  /**
   * Gas per block. A 1,000-bit random revocation batch costs about 10 M gas, and the national
   * peak (1 M status changes an hour) about a quarter of 50 M per 2 s at most (BENCHMARKS.md, `scale.*`).
   */
  blockGasLimit: 50_000_000,
  /** Besu's `--rpc-max-logs-range`: the most blocks one eth_getLogs may span. */
  rpcMaxLogsRange: 5_000,
} as const;
