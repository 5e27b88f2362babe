/**
 * What `laissez up` guarantees about itself (issue 10 items 17, 18): a second start refuses
 * before touching anything (a busy port, a state directory held by a live process), naming
 * what is busy; and a chain child that dies is noticed, said, and the system stops cleanly.
 * With `--rpc` the chain is not its child: its outage degrades the services until it is back.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { p256 } from "@noble/curves/nist.js";
import { p256DidKey } from "../../core/did.ts";
import { startAnvil } from "../helpers/anvil.ts";
import { freePort, runLaissez } from "../helpers/processes.ts";
import { freePortBlock, startTestSystem } from "../helpers/system.ts";

const occupy = (port: number): Promise<Server> =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(port, "127.0.0.1", () => resolve(s));
  });

/** A state directory and a deployments directory with a sentinel file each: a refusal must leave both untouched. */
function sentinels(): { stateDir: string; deployments: string; intact(): boolean } {
  const stateDir = mkdtempSync(join(tmpdir(), "laissez-guard-state-"));
  const deployments = mkdtempSync(join(tmpdir(), "laissez-guard-deployments-"));
  writeFileSync(join(stateDir, "system.json"), "running system's record");
  writeFileSync(join(deployments, "31337.json"), "running system's deployment");
  return {
    stateDir,
    deployments,
    intact: () =>
      readFileSync(join(stateDir, "system.json"), "utf8") === "running system's record" &&
      readFileSync(join(deployments, "31337.json"), "utf8") === "running system's deployment",
  };
}

describe("laissez up guards itself", () => {
  it("refuses a second start on a busy port, naming it, before touching the state or the deployments", async () => {
    const [chainPort, base] = [await freePort(), await freePortBlock()];
    const busy = await occupy(base + 102); // the CN-SH checkpoint's port
    try {
      const s = sentinels();
      const r = await runLaissez([
        "up",
        "--port",
        String(chainPort),
        "--base-port",
        String(base),
        "--state-dir",
        s.stateDir,
        "--deployments",
        s.deployments,
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`port ${base + 102} (checkpoint CN-SH) is already in use`);
      expect(s.intact()).toBe(true);
      expect(existsSync(join(s.stateDir, "laissez.lock"))).toBe(false); // its own lock released
      expect(await new Promise((resolve) => occupy(chainPort).then((srv) => srv.close(() => resolve(true))))).toBe(
        true,
      ); // no chain was started
    } finally {
      busy.close();
    }
  });

  it("refuses a state directory held by a live process, naming its pid; a stale lock (dead pid) is taken over", async () => {
    const [chainPort, base] = [await freePort(), await freePortBlock()];
    const holder = spawn("sleep", ["30"]);
    try {
      const s = sentinels();
      writeFileSync(join(s.stateDir, "laissez.lock"), `${holder.pid}\n`);
      const held = await runLaissez([
        "up",
        "--port",
        String(chainPort),
        "--base-port",
        String(base),
        "--state-dir",
        s.stateDir,
        "--deployments",
        s.deployments,
      ]);
      expect([held.code, held.stderr.includes(`in use by a running system (pid ${holder.pid})`), s.intact()]).toEqual([
        1,
        true,
        true,
      ]);

      // The holder is gone: its lock is stale. The start goes on to the ports (one is busy here, so it still stops there).
      holder.kill("SIGKILL");
      await new Promise((r) => holder.once("exit", r));
      const busy = await occupy(chainPort);
      try {
        const stale = await runLaissez([
          "up",
          "--port",
          String(chainPort),
          "--base-port",
          String(base),
          "--state-dir",
          s.stateDir,
          "--deployments",
          s.deployments,
        ]);
        expect([
          stale.code,
          stale.stderr.includes(`port ${chainPort} (the chain) is already in use`),
          s.intact(),
        ]).toEqual([1, true, true]);
      } finally {
        busy.close();
      }
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("notices when its chain child dies, says so, and stops cleanly", async () => {
    const system = await startTestSystem();
    try {
      expect(system.chainPid).toBeGreaterThan(0);
      process.kill(system.chainPid!, "SIGKILL");
      const said = await system.chainLost;
      expect(said).toMatch(new RegExp(`the embedded chain \\(pid ${system.chainPid}\\) exited \\(SIGKILL\\)`));
    } finally {
      await system.stop();
    }
  });

  it("--rpc: an external chain (anvil, state in a file) is used, not watched; killed and restarted from its file, the services ride it out", async () => {
    const bad = await runLaissez(["up", "--rpc", "ftp://127.0.0.1:1/x"]);
    expect([bad.code, bad.stderr]).toEqual([3, expect.stringContaining("--rpc must be an http(s) JSON-RPC URL")]);

    const state = join(mkdtempSync(join(tmpdir(), "laissez-external-chain-")), "state.json");
    let anvil = await startAnvil({ state });
    const system = await startTestSystem({ rpc: anvil.url });
    try {
      expect([system.rpc, system.chainPid]).toEqual([anvil.url, undefined]);
      const zj = system.agencies[0]!;
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(zj.url + path, {
          method,
          headers: { authorization: `Bearer ${zj.token}`, "content-type": "application/json" },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        return { status: res.status, json: (await res.json()) as Record<string, unknown> };
      };
      const until = async (what: () => Promise<boolean>) => {
        for (let i = 0; !(await what()); i++) {
          if (i > 600) throw new Error("condition not reached in 60 s");
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      const holder = p256DidKey(p256.getPublicKey(p256.utils.randomSecretKey(), false));
      const issued = await call("POST", "/credentials", {
        type: "HealthCode",
        subject: holder,
        claims: { healthStatus: "green" },
      });
      expect(issued.status).toBe(201);
      await new Promise((r) => setTimeout(r, 1500)); // anvil dumps its state every second

      const exited = new Promise((r) => anvil.child.once("exit", r));
      anvil.child.kill("SIGKILL");
      await exited;
      await until(async () => (await call("GET", "/health")).json.status === "degraded");
      const revoke = await call("POST", "/credentials/status", { action: "revoke", ids: [issued.json.id] });
      expect([revoke.status, revoke.json.state]).toEqual([202, "pending"]);
      expect(await Promise.race([system.chainLost, new Promise((r) => setTimeout(() => r("not lost"), 200))])).toBe(
        "not lost",
      );

      anvil = await startAnvil({ port: anvil.port, state });
      const anchored = async () =>
        (
          (await call("GET", `/credentials/${encodeURIComponent(issued.json.id as string)}`)).json.requests as {
            state: string;
          }[]
        )[0]?.state === "anchored";
      await until(async () => (await anchored()) && (await call("GET", "/health")).json.status === "ok");
    } finally {
      await system.stop();
      await anvil.stop();
    }
  }, 300_000);
});
