import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idToString } from "../../services/chain/ids.ts";
import { connectLedger, type Deployment } from "../../services/chain/ledger.ts";
import { connectRpc } from "../../services/chain/rpc.ts";
import { DEMO_AGENCIES } from "../../scripts/demo/consortium.ts";
import { runLaissez, startChainProcess } from "../helpers/processes.ts";

// The same deploy and seed an operator runs, as separate processes against `hardhat node`
// over JSON-RPC on 127.0.0.1 — nothing in process.
describe("laissez deploy and seed against hardhat node", () => {
  let chain: Awaited<ReturnType<typeof startChainProcess>>;
  const dir = mkdtempSync(join(tmpdir(), "laissez-deploy-"));

  beforeAll(async () => {
    chain = await startChainProcess();
  });
  afterAll(async () => chain?.stop());

  it("deploys the three contracts and writes deployments/<chainId>.json", async () => {
    const run = await runLaissez(["deploy", "--rpc", chain.url, "--deployments", dir, "--json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as Deployment;
    const written = JSON.parse(readFileSync(join(dir, "31337.json"), "utf8")) as Deployment;
    expect(written).toEqual(printed);
    const provider = connectRpc(chain.url);
    for (const address of [written.trustRegistry, written.statusRegistry, written.didRegistry]) {
      expect((await provider.getCode(address)).length).toBeGreaterThan(2);
    }
    provider.destroy();
  });

  it("seeds the demo consortium and reads it back over JSON-RPC", async () => {
    const run = await runLaissez(["seed", "--rpc", chain.url, "--deployments", dir, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const provider = connectRpc(chain.url);
    const deployment = JSON.parse(readFileSync(join(dir, "31337.json"), "utf8")) as Deployment;
    const { trust, status } = connectLedger(deployment, provider);
    expect((await trust.getFunction("regions")(0, 10)).map(idToString)).toEqual(["CN-ZJ", "CN-SH", "CN-NM"]);
    expect(await trust.getFunction("issuerCount")()).toBe(BigInt(DEMO_AGENCIES.length));
    expect(await status.getFunction("listCount")()).toBe(BigInt(DEMO_AGENCIES.length * 2));
    provider.destroy();
  });

  it("refuses to seed twice, with a usage exit status", async () => {
    const run = await runLaissez(["seed", "--rpc", chain.url, "--deployments", dir]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/already seeded/);
  });

  it("says clearly when the chain is unreachable", async () => {
    const run = await runLaissez(["deploy", "--rpc", "http://127.0.0.1:9", "--deployments", dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^laissez: /);
  });
});
