import type { Log } from "../http/app.ts";
import type { IssuerStore } from "./store.ts";

/**
 * What the store forgets on a timer, whether or not requests arrive: the claims of offers that
 * expired unredeemed, and idempotency keys with their request hashes once the window closed.
 * Returns a function that stops it.
 */
export function startHousekeeping(
  store: IssuerStore,
  o: { intervalMs: number; now: () => number; log: Log },
): () => void {
  const sweep = async () => {
    try {
      const offers = await store.offers.purgeExpired(o.now());
      const hashes = await store.credentials.forgetRequestHashes(o.now());
      if (offers + hashes > 0)
        o.log({ level: "info", msg: "housekeeping", offersErased: offers, requestHashesForgotten: hashes });
    } catch (e) {
      o.log({ level: "warn", msg: "housekeeping failed; will retry", error: (e as Error).message.slice(0, 200) });
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), o.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
