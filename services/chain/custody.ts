import type { Ledger } from "./ledger.ts";

export class GoverningKeyError extends Error {
  readonly code = "governing_key_in_service";
}

/**
 * Refuses an online service's keys that govern (issue 14): the consortium's governance, any
 * region authority, or the ERC-1056 identity owner of one of `identities`. `keys` maps each
 * configuration variable to its key's address, so the error names the variable (never the key).
 * Throws GoverningKeyError; chain errors propagate (the caller decides whether it can tell).
 */
export async function refuseGoverningKeys(
  ledger: Ledger,
  keys: Readonly<Record<string, string>>,
  identities: readonly string[],
): Promise<void> {
  const roles = new Map<string, string>();
  roles.set(String(await ledger.trust.getFunction("governance")()).toLowerCase(), "the consortium's governance");
  const count = Number(await ledger.trust.getFunction("regionCount")());
  for (let offset = 0; offset < count; offset += 100) {
    for (const region of (await ledger.trust.getFunction("regions")(offset, 100)) as string[]) {
      const { authority } = (await ledger.trust.getFunction("getRegion")(region)) as { authority: string };
      roles.set(authority.toLowerCase(), `a region authority on chain`);
    }
  }
  for (const identity of identities) {
    const owner = String(await ledger.did.getFunction("identityOwner")(identity)).toLowerCase();
    roles.set(owner, `the ERC-1056 identity owner of ${identity.toLowerCase()}`);
  }
  for (const [variable, address] of Object.entries(keys)) {
    const role = roles.get(address.toLowerCase());
    if (role)
      throw new GoverningKeyError(
        `${variable} is ${role}: a governing key must stay offline (use the operator commands); give this service its delegated key instead`,
      );
  }
}

/** Every agency registered in TrustRegistry (their identity owners govern their keys). */
export async function issuerAddresses(ledger: Ledger): Promise<string[]> {
  const out: string[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = (await ledger.trust.getFunction("issuers")(offset, 200)) as string[];
    out.push(...page);
    if (page.length < 200) return out;
  }
}

/** Where the on-chain custody check stands: not yet answered (the chain was down), passed, or refused. */
export type CustodyStatus =
  | { readonly state: "unchecked" | "checked" }
  | {
      readonly state: "refused";
      readonly error: { readonly code: GoverningKeyError["code"]; readonly message: string };
    };

/**
 * Runs a custody check now and, while the chain does not answer, again with backoff (at most
 * every `maxDelayMs`) until it does: a service started with the chain down is checked as soon
 * as the chain is back, not never. `first` settles after the first attempt and rejects only
 * with a GoverningKeyError (a service refuses to start then); a refusal found later is kept in
 * `status()` for /health to report.
 */
export function watchCustody(
  check: () => Promise<void>,
  o: { log: (entry: Record<string, unknown>) => void; maxDelayMs?: number },
): { first: Promise<void>; status(): CustodyStatus; stop(): void } {
  let status: CustodyStatus = { state: "unchecked" };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const attempt = async (n: number): Promise<void> => {
    try {
      await check();
      status = { state: "checked" };
    } catch (e) {
      if (e instanceof GoverningKeyError) {
        status = { state: "refused", error: { code: e.code, message: e.message } };
        if (n > 0)
          o.log({
            level: "error",
            msg: "key custody refused once the chain answered: this service holds a governing key",
            error: e.message,
          });
        throw e;
      }
      if (n === 0)
        o.log({
          level: "warn",
          msg: "key custody not checked yet: the chain does not answer; checking again until it does",
          error: String((e as Error)?.message ?? e).slice(0, 200),
        });
      if (!stopped)
        timer = setTimeout(
          () => void attempt(n + 1).catch(() => {}),
          Math.min(o.maxDelayMs ?? 5_000, 250 * 2 ** Math.min(n, 6)),
        );
    }
  };
  return {
    first: attempt(0),
    status: () => status,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
