/**
 * Issue 26 minor: SIGTERM (or SIGINT) sent to the `npm start` process — what a process manager,
 * `kill <pid>` or a container runtime does, not Ctrl-C to the whole terminal group — stops
 * everything: npm passes the signal to its child, which must be `laissez up` itself (the script
 * `exec`s it; a shell in between kept the signal and left the system running, orphaned).
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort, ROOT } from "../helpers/processes.ts";
import { freePortBlock } from "../helpers/system.ts";

const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });

describe("npm start and signals", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} to the npm process stops the chain and every service`, async () => {
      const tmp = mkdtempSync(join(tmpdir(), "laissez-npm-start-"));
      const [chainPort, base] = [await freePort(), await freePortBlock()];
      // npm as the user runs it (within `npm test`, the npm that runs the tests).
      const [command, ...pre] = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["npm"];
      const npm = spawn(
        command as string,
        [
          ...pre,
          "start",
          "--",
          "--port",
          String(chainPort),
          "--base-port",
          String(base),
          "--state-dir",
          join(tmp, "state"),
          "--deployments",
          join(tmp, "deployments"),
        ],
        {
          cwd: ROOT,
          detached: true,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let out = "";
      npm.stdout.on("data", (d: Buffer) => (out += d.toString()));
      npm.stderr.on("data", (d: Buffer) => (out += d.toString()));
      try {
        for (let waited = 0; !/\nready\n/.test(out); waited += 250) {
          if (npm.exitCode !== null || waited > 120_000) throw new Error(`npm start did not get ready:\n${out}`);
          await new Promise((r) => setTimeout(r, 250));
        }
        const wallet = base + 200;
        expect([await portOpen(chainPort), await portOpen(wallet)]).toEqual([true, true]);
        const exited = new Promise<number | null>((resolve) => npm.once("exit", resolve));
        // The npm process alone, as `kill <pid>` would: not its process group.
        npm.kill(signal);
        await exited;
        await expect
          .poll(async () => [await portOpen(chainPort), await portOpen(wallet), await portOpen(base + 101)], {
            timeout: 30_000,
          })
          .toEqual([false, false, false]);
        expect(out).toMatch(/stopping …\nstopped\n/);
      } finally {
        // Whatever the outcome, nothing this test started stays running.
        try {
          process.kill(-(npm.pid as number), "SIGKILL");
        } catch {
          // The group is gone: everything stopped.
        }
      }
    }, 240_000);
  }
});
