import type { Log, LogDescription, Signer } from "ethers";
import { toWordMasks } from "../core/index.ts";
import { credentialTypeId } from "../services/chain/ids.ts";
import { PURPOSE } from "../services/chain/consortium.ts";
import { seededChain } from "../test/helpers/chain.ts";
import type { Figures } from "./report.ts";
import { randomIndices } from "./random.ts";

const LIST_SIZE = 131_072;

/**
 * Gas of the ledger's writes on the in-process EDR chain (cancun): creating a list,
 * revoking 1/100/1,000 credentials in one transaction with random and with consecutive
 * indices (each on a fresh list, so every word starts empty), accrediting an agency.
 */
export async function benchGas(): Promise<Figures> {
  const chain = await seededChain();
  const agency = await (chain.accounts.controllers[0] as Signer).getAddress();
  const { status } = chain.as(chain.accounts.writers[0] as Signer);
  const figures: Figures = {};

  const create = async (): Promise<{ listId: bigint; gas: bigint }> => {
    const receipt = await (await status.getFunction("createList")(agency, PURPOSE.revocation, LIST_SIZE)).wait();
    const event = receipt!.logs
      .map((l: Log) => status.interface.parseLog(l))
      .find((e: LogDescription | null) => e?.name === "StatusListCreated");
    return { listId: event!.args.listId as bigint, gas: receipt!.gasUsed };
  };
  figures["gas.create_list_131072"] = { value: Number((await create()).gas), unit: "gas" };

  for (const [kind, pick] of [
    ["random", (n: number) => randomIndices(n, LIST_SIZE, 0x5eed + n)],
    ["consecutive", (n: number) => Array.from({ length: n }, (_, i) => 1000 + i)],
  ] as const) {
    for (const n of [1, 100, 1000]) {
      if (kind === "consecutive" && n === 1) continue;
      const { listId } = await create();
      const { wordIndices, masks } = toWordMasks(pick(n), LIST_SIZE);
      const receipt = await (await status.getFunction("updateStatus")(listId, wordIndices, masks, true)).wait();
      const gas = Number(receipt!.gasUsed);
      const name = n === 1 ? "gas.revoke_1" : `gas.revoke_${n}_${kind}`;
      figures[name] = { value: gas, unit: "gas" };
      figures[`${name}_per_credential`] = { value: Math.round(gas / n), unit: "gas/credential" };
    }
  }

  const zj = chain.as(chain.accounts.authorities[0] as Signer).trust;
  const now = await chain.networkHelpers.time.latest();
  const receipt = await (
    await zj.getFunction("accredit")(
      await (chain.accounts.controllers[1] as Signer).getAddress(),
      credentialTypeId("HealthCode"),
      now,
      now + 86400 * 365,
    )
  ).wait();
  figures["gas.accredit_agency"] = { value: Number(receipt!.gasUsed), unit: "gas" };
  return figures;
}
