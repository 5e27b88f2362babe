/**
 * Issue 22 item 10, through the issuer process (`laissez issuer serve`): a governing key in the
 * service's environment is refused by its variable's name before anything starts; another
 * agency's identity owner as the status writer is refused when the chain answers at start; and
 * when the chain is down at start, the custody check runs as soon as it comes up (a TCP
 * forwarder opened late in front of anvil) and /health turns `unhealthy` with the reason code.
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer, connect, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agencyControllerKey, demoAuthorityKey } from "../../scripts/demo/consortium.ts";
import { deployTo, seedDemo } from "../../scripts/dev-chain.ts";
import { startAnvil, type AnvilNode } from "../helpers/anvil.ts";
import { freePort, ROOT } from "../helpers/processes.ts";

const dir = mkdtempSync(join(tmpdir(), "laissez-custody-"));
const deployments = join(dir, "deployments");
let anvil: AnvilNode;

beforeAll(async () => {
  anvil = await startAnvil();
  await deployTo(anvil.url, deployments);
  await seedDemo(anvil.url, deployments);
}, 300_000);
afterAll(() => anvil?.stop());

/** `laissez issuer serve --agency 0` with `env` over the demo agency's: its exit, or its /health once `healthy` says so. */
function serve(env: NodeJS.ProcessEnv, rpc: string) {
  const port = freePort();
  return port.then((p) => {
    let stderr = "";
    const child = spawn(process.execPath, [join(ROOT, "scripts/laissez.ts"), "issuer", "serve", "--agency", "0"], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
      env: {
        ...process.env,
        LAISSEZ_RPC_URL: rpc,
        LAISSEZ_DEPLOYMENTS: deployments,
        LAISSEZ_DB: join(mkdtempSync(join(dir, "db-")), "issuer.db"),
        LAISSEZ_PORT: String(p),
        LAISSEZ_LOG: "off",
        LAISSEZ_RPC_TIMEOUT_MS: "1000",
        ...env,
      },
    });
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    return {
      url: `http://127.0.0.1:${p}`,
      child,
      exited,
      stderr: () => stderr,
      stop: () => (child.exitCode === null ? (child.kill("SIGKILL"), exited) : exited),
    };
  });
}

/** The process's exit code, or "running" if it still runs after `ms` (then killed). */
async function exitWithin(s: Awaited<ReturnType<typeof serve>>, ms: number): Promise<number | null | "running"> {
  const code = await Promise.race([s.exited, new Promise<"running">((r) => setTimeout(() => r("running"), ms))]);
  await s.stop();
  return code;
}

/** A TCP forwarder on `port` to `target`: the chain "comes up" there when it opens. */
function forward(port: number, target: number): Promise<Server> {
  const server = createServer((socket) => {
    const upstream = connect(target, "127.0.0.1");
    socket.pipe(upstream).pipe(socket);
    socket.on("error", () => upstream.destroy());
    upstream.on("error", () => socket.destroy());
  });
  return new Promise((r) => server.listen(port, "127.0.0.1", () => r(server)));
}

describe("an issuer holding a governing key", () => {
  it("refuses to start with any governing variable in its environment, naming it (never its value)", async () => {
    const key = demoAuthorityKey("CN-SH").privateKey;
    const variables = [
      "LAISSEZ_AUTHORITY_KEY",
      "LAISSEZ_IDENTITY_OWNER_KEY",
      "LAISSEZ_DEPLOYER_KEY",
      "LAISSEZ_AGENCY_KEY",
    ];
    // All at once, each given two minutes to exit (a loaded machine starts Node slowly; the old code never exits).
    const runs = await Promise.all(
      variables.map(async (variable) => ({ variable, s: await serve({ [variable]: key }, anvil.url) })),
    );
    const codes = await Promise.all(runs.map(({ s }) => exitWithin(s, 120_000)));
    runs.forEach(({ variable, s }, i) => {
      expect(codes[i], `${variable}: ${s.stderr()}`).not.toBe("running");
      expect(codes[i]).not.toBe(0);
      expect(s.stderr()).toContain(`${variable}: a governing key must stay offline`);
      expect(s.stderr()).not.toContain(key.slice(2));
    });
  }, 300_000);

  it("refuses at start another agency's identity owner as its status writer", async () => {
    const s = await serve({ LAISSEZ_STATUS_WRITER_KEY: agencyControllerKey(1).privateKey }, anvil.url);
    const code = await exitWithin(s, 120_000);
    expect(code, s.stderr()).not.toBe("running");
    expect(code).not.toBe(0);
    expect(s.stderr()).toMatch(/LAISSEZ_STATUS_WRITER_KEY is the ERC-1056 identity owner of 0x[0-9a-f]{40}/);
  }, 180_000);

  it("started with the chain down: checks custody as soon as the chain answers, and /health says unhealthy with the reason code", async () => {
    const port = await freePort();
    const s = await serve(
      { LAISSEZ_STATUS_WRITER_KEY: agencyControllerKey(1).privateKey, LAISSEZ_SIGNING_METHOD: "delegate-1" },
      `http://127.0.0.1:${port}`,
    );
    let proxy: Server | undefined;
    try {
      const health = async () => {
        const res = await fetch(`${s.url}/health`);
        return {
          status: res.status,
          json: (await res.json()) as {
            status: string;
            custody?: { state: string; error?: { code: string; message: string } };
          },
        };
      };
      // Up and answering, degraded: the chain does not answer, custody is not known yet.
      for (let i = 0; ; i++) {
        expect(s.child.exitCode, s.stderr()).toBeNull();
        const h = await health().catch(() => undefined);
        if (h) {
          expect([h.status, h.json.status, h.json.custody?.state]).toEqual([503, "degraded", "unchecked"]);
          break;
        }
        if (i > 1200) throw new Error("issuer did not start");
        await new Promise((r) => setTimeout(r, 100));
      }
      proxy = await forward(port, anvil.port);
      let h = await health();
      for (
        const deadline = Date.now() + 120_000;
        h.json.status !== "unhealthy" && Date.now() < deadline;
        h = await health()
      ) {
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(h.status).toBe(503);
      expect(h.json.status).toBe("unhealthy");
      expect(h.json.custody).toMatchObject({
        state: "refused",
        error: { code: "governing_key_in_service", message: expect.stringContaining("LAISSEZ_STATUS_WRITER_KEY") },
      });
      // It stays so: a governing key is no passing fault.
      await new Promise((r) => setTimeout(r, 1000));
      expect((await health()).json.status).toBe("unhealthy");
      expect(s.child.exitCode).toBeNull();
    } finally {
      await s.stop();
      await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
    }
  }, 300_000);
});
