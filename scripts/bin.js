#!/usr/bin/env node
// The `laissez` bin. The CLI is TypeScript run by Node 24's type stripping; started by an older
// Node (a fresh machine has Node 20), it re-runs itself under the project's Node 24: the `node`
// devDependency when installed, else Node from the npm registry through npx, as the README's
// set-up command does. Plain JavaScript that Node 20 can parse; nothing else lives here.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const REQUIRED_MAJOR = 24;
const cli = fileURLToPath(new URL("./laissez.ts", import.meta.url));
const major = Number(process.versions.node.split(".")[0]);

if (major >= REQUIRED_MAJOR) {
  await import("./laissez.ts");
} else if (process.env.LAISSEZ_REEXEC) {
  // Re-executed already and still too old: say so rather than loop.
  console.error(`laissez: needs Node ${REQUIRED_MAJOR} or later; ${process.execPath} is ${process.version}`);
  process.exit(1);
} else {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const wanted =
    JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).devDependencies?.node ??
    String(REQUIRED_MAJOR);
  const local = [`${root}node_modules/node/bin/node`, `${root}node_modules/.bin/node`].find((p) => existsSync(p));
  const [file, args] = local ? [local, [cli]] : ["npx", ["-y", "-p", `node@${wanted}`, "node", cli]];
  const child = spawn(file, [...args, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, LAISSEZ_REEXEC: "1" },
  });
  // Ctrl-C reaches the child through the terminal's process group; a SIGTERM sent to us alone is passed on.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("error", (e) => {
    console.error(
      `laissez: cannot start Node ${REQUIRED_MAJOR} (${file}): ${e.message}. Install it with: npx -y -p node@${wanted} npm install`,
    );
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
