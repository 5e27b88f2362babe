import type { Contract } from "ethers";
import { PURPOSE } from "./consortium.ts";

export interface AgencyLists {
  readonly revocation: { readonly id: number; readonly size: number };
  readonly suspension: { readonly id: number; readonly size: number };
}

/** An agency's first revocation and first suspension list on chain (what its credentials point at). */
export async function agencyLists(status: Contract, agency: string): Promise<AgencyLists> {
  const found: Partial<Record<keyof AgencyLists, { id: number; size: number }>> = {};
  for (const id of (await status.getFunction("listsOf")(agency, 0, 100)) as bigint[]) {
    const list = await status.getFunction("getList")(id);
    found[Number(list.purpose) === PURPOSE.revocation ? "revocation" : "suspension"] ??= {
      id: Number(id),
      size: Number(list.size),
    };
  }
  if (!found.revocation || !found.suspension)
    throw new Error(`agency ${agency} has no revocation and suspension lists on chain`);
  return found as AgencyLists;
}
