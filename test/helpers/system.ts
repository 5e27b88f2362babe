import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSystem, type RunningSystem, type SystemOptions } from "../../scripts/system.ts";
import { freePort } from "./processes.ts";

/**
 * A base port whose offsets are free (what `laissez up --base-port` needs: issuers at
 * base+1…, checkpoints at base+101…, the wallet at base+200), found by probing. Below Linux's
 * ephemeral range (32768–60999): a block in it can be taken between the probe and the listen by
 * any outgoing connection (deploying and seeding open hundreds of JSON-RPC connections).
 */
export async function freePortBlock(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = 10_000 + Math.floor(Math.random() * 22_000);
    const wanted = [1, 2, 3, 4, 5, 6, 101, 102, 103, 200].map((o) => base + o);
    const free = await Promise.all(
      wanted.map(
        (port) =>
          new Promise<boolean>((resolve) => {
            const s = createServer();
            s.once("error", () => resolve(false));
            s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return base;
  }
  throw new Error("no free block of ports");
}

/** The whole system (`laissez up`) in this process, on free ports, with its state in a temp dir. */
export async function startTestSystem(o: Partial<SystemOptions> = {}): Promise<RunningSystem> {
  return startSystem(
    {
      chainPort: await freePort(),
      basePort: await freePortBlock(),
      stateDir: mkdtempSync(join(tmpdir(), "laissez-system-")),
      deploymentsDir: mkdtempSync(join(tmpdir(), "laissez-deployments-")),
      syncIntervalMs: 500,
      ...o,
    },
    () => {},
  );
}
