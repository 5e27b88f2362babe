/**
 * The open registry's content, from a trust bundle: the consortium as the chain records it.
 * Only public facts about institutions — never a credential, a holder or a status index:
 * per agency, the number of set revocation and suspension bits, nothing about which.
 */
import { countSet, isObject, type JsonValue, type TrustBundle } from "../core/index.ts";

export interface AgencyCounts {
  /** Status list entries the agency has on chain (its issuance capacity, not a count of people). */
  readonly entries: number;
  readonly revoked: number;
  readonly suspended: number;
}

/** Set bits per agency (by identity address) and purpose. */
export function statusCounts(bundle: TrustBundle): Record<string, AgencyCounts> {
  const out: Record<string, { entries: number; revoked: number; suspended: number }> = {};
  for (const address of Object.keys(bundle.issuers)) out[address] = { entries: 0, revoked: 0, suspended: 0 };
  for (const list of Object.values(bundle.statusLists)) {
    const counts = (out[list.issuer] ??= { entries: 0, revoked: 0, suspended: 0 });
    const set = countSet(list.set);
    if (list.purpose === "revocation") {
      counts.entries += list.size;
      counts.revoked += set;
    } else counts.suspended += set;
  }
  return out;
}

export interface CountsAt {
  readonly block: number;
  readonly timestamp: number;
  readonly counts: Record<string, AgencyCounts>;
}

/** The series kept on the device: one point per synced block, oldest first, at most `max`. */
export function appendCounts(series: readonly CountsAt[], bundle: TrustBundle, max = 200): CountsAt[] {
  if (series.some((p) => p.block === bundle.block.number)) return [...series];
  return [...series, { block: bundle.block.number, timestamp: bundle.block.timestamp, counts: statusCounts(bundle) }]
    .sort((a, b) => a.block - b.block)
    .slice(-max);
}

/** The claim names a type's schema defines, with whether each is required. */
export function schemaClaims(schema: JsonValue | null): { name: string; required: boolean }[] {
  if (!isObject(schema) || !isObject(schema.properties)) return [];
  const required = Array.isArray(schema.required) ? schema.required : [];
  return Object.keys(schema.properties).map((name) => ({ name, required: required.includes(name) }));
}

/** verifying region → issuing region → types, each region accepting its own types. */
export function recognitionMatrix(bundle: TrustBundle): {
  regions: string[];
  accepts: (verifying: string, issuing: string) => string[] | "own";
} {
  const regions = Object.keys(bundle.regions).sort();
  return {
    regions,
    accepts: (verifying, issuing) =>
      verifying === issuing ? "own" : [...(bundle.recognition[verifying]?.[issuing] ?? [])].sort(),
  };
}
