import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runLaissez, ROOT } from "./processes.ts";

/** A caller's entry in the signer's config: the token is kept hashed. */
export const caller = (token: string, keys: readonly string[]) => ({
  tokenSha256: createHash("sha256").update(token).digest("hex"),
  keys,
});

/** Writes `config` (plus the signature log's path in `dir`) as the signer's config file; returns its path. */
export function writeSignerConfig(dir: string, config: Record<string, unknown>): string {
  const path = join(dir, "signer.json");
  writeFileSync(path, JSON.stringify({ log: join(dir, "signatures.jsonl"), ...config }));
  return path;
}

/** `laissez signer serve` as its own process on a free port: its URL once it prints it. */
export async function startSignerProcess(
  configPath: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    ["scripts/laissez.ts", "signer", "serve", "--config", configPath, "--port", "0"],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`signer exited with ${code}`)));
    let first = "";
    // Keep reading: its request log goes to stdout, and a full pipe would stall the process.
    child.stdout!.on("data", (d: Buffer) => {
      if (first.includes("\n")) return;
      first += d.toString();
      if (first.includes("\n")) resolve((JSON.parse(first.split("\n")[0]!) as { url: string }).url);
    });
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  };
  return { url, child, stop };
}

/** Where Debian's softhsm2 puts its PKCS#11 module. */
const SOFTHSM_LIBRARIES = [
  "/usr/lib/softhsm/libsofthsm2.so",
  "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
  "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
];
export const softhsmLibrary = (): string | undefined => SOFTHSM_LIBRARIES.find((p) => existsSync(p));

/**
 * A fresh SoftHSM2 token in `dir` (its own softhsm2.conf and token directory, so nothing on the
 * machine is touched), user PIN in a file: the `pkcs11` section of a signer config, and the
 * environment (SOFTHSM2_CONF) every process using it needs.
 */
export async function softhsmToken(
  dir: string,
  label = "laissez-test",
): Promise<{ pkcs11: Record<string, string>; env: NodeJS.ProcessEnv }> {
  const library = softhsmLibrary();
  if (!library) throw new Error("softhsm2 is not installed (apt-get install softhsm2; .ci/run installs it)");
  mkdirSync(join(dir, "tokens"), { recursive: true });
  const conf = join(dir, "softhsm2.conf");
  writeFileSync(conf, `directories.tokendir = ${join(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const env = { SOFTHSM2_CONF: conf };
  const { spawnSync } = await import("node:child_process");
  const init = spawnSync(
    "softhsm2-util",
    ["--init-token", "--free", "--label", label, "--pin", "246810", "--so-pin", "13579111"],
    { env: { ...process.env, ...env }, encoding: "utf8" },
  );
  if (init.status !== 0) throw new Error(`softhsm2-util --init-token: ${init.stderr}`);
  const pinFile = join(dir, "pin");
  writeFileSync(pinFile, "246810\n", { mode: 0o600 });
  return { pkcs11: { library, tokenLabel: label, pinFile }, env };
}

/** `laissez signer keygen`: the key generated inside the token; its public key (and address). */
export async function keygen(
  configPath: string,
  key: string,
  env: NodeJS.ProcessEnv,
): Promise<{ publicKey: string; address?: string }> {
  const r = await runLaissez(["signer", "keygen", "--config", configPath, "--key", key], {
    env: { ...process.env, ...env },
  });
  if (r.code !== 0) throw new Error(`keygen ${key}: ${r.stderr}`);
  return JSON.parse(r.stdout) as { publicKey: string; address?: string };
}
