/**
 * The `laissez` CLI as a new user meets it (issue 13, "The CLI"): `--version`; a line of help
 * for every flag of every command, with examples; an unknown flag or command answered with the
 * nearest; errors in words (a missing file, an unknown region listing the known ones, a chain
 * that does not answer), usage errors exit 3; the bin started by an older Node re-runs itself
 * under Node 24; the wallet in the per-user data directory (XDG), the old location still read;
 * passphrases with a minimum strength.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { passphraseProblem } from "../../wallet/passphrase.ts";
import { helpText, type Command } from "../../scripts/cli.ts";
import { nearest } from "../../scripts/help.ts";
import { DEFAULT_DEPLOYMENTS_DIR } from "../../services/chain/deployments.ts";
import { userDir, userFile } from "../../scripts/paths.ts";
import { freePort, ROOT, runLaissez } from "../helpers/processes.ts";

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `laissez-cli-${name}-`));
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const RAW = /ENOENT|EISDIR|ECONNREFUSED|ERR_PARSE_ARGS|TypeError|at .*\.ts:\d+/;

describe("laissez: version, help, usage errors", () => {
  it("--version, and the overview lists every command", async () => {
    const v = await runLaissez(["--version"]);
    expect([v.code, v.stdout.trim()]).toEqual([0, `laissez ${VERSION} (Node ${process.versions.node})`]);
    const overview = await runLaissez(["--help"]);
    expect(overview.code).toBe(0);
    expect(overview.stdout).toContain("laissez --version");
    for (const name of ["up", "demo", "verify", "sync", "wallet", "issue", "paper", "authority"])
      expect(overview.stdout).toMatch(new RegExp(`\\n  ${name} +\\S`));
  });

  it("every command's --help has a line of help for every flag, and an example", async () => {
    // In process (each CLI start costs seconds on a loaded machine): every command module's every flag.
    const dir = join(ROOT, "scripts", "commands");
    const modules = await Promise.all(
      readdirSync(dir)
        .filter((f) => f.endsWith(".ts"))
        .map((f) => import(join(dir, f)) as Promise<Record<string, unknown>>),
    );
    const commands = modules
      .flatMap((m) => Object.values(m))
      .filter((c): c is Command => typeof c === "object" && c !== null && "run" in c && "options" in c);
    expect(commands.map((c) => c.name)).toEqual(
      expect.arrayContaining(["up", "demo", "verify", "sync", "wallet", "issue", "paper", "authority", "agency"]),
    );
    for (const command of commands) {
      const help = helpText(command);
      const flags = help
        .slice(help.indexOf("flags:\n") + 7, help.indexOf("\n\n", help.indexOf("flags:\n")))
        .split("\n");
      expect(flags).toHaveLength(Object.keys(command.options).length + 1);
      // "  -h, --help  print this help and exit": a flag column, then words.
      for (const line of flags)
        expect(line, `${command.name}: ${line}`).toMatch(/^ {2}(-\w, | {4})--[a-z-]+( <value>)? +\S.{8,}/);
      expect(help, command.name).toMatch(/\nexamples:\n {2}(laissez|npm) /);
      expect(help, command.name).toContain(`guide: docs/cli.md#laissez-${command.name}`);
    }
    // And as a user sees it.
    const wallet = await runLaissez(["wallet", "--help"]);
    expect([wallet.code, wallet.stdout]).toEqual([0, expect.stringContaining("--allow-http-loopback")]);
  });

  it("an unknown flag names the nearest, an unknown command too; usage errors exit 3 in words", async () => {
    const typo = await runLaissez(["verify", "--regoin", "CN-SH"]);
    expect([typo.code, typo.stderr]).toEqual([3, expect.stringContaining("no flag --regoin; did you mean --region?")]);
    const swapped = await runLaissez(["wallet", "list", "--jsno"]);
    expect(swapped.stderr).toContain("did you mean --json?");
    const missing = await runLaissez(["sync", "--out"]);
    expect([missing.code, missing.stderr]).toEqual([3, expect.stringContaining("--out needs a value")]);
    const command = await runLaissez(["verfy"]);
    expect([command.code, command.stderr]).toEqual([3, expect.stringContaining("did you mean `laissez verify`?")]);
    for (const r of [typo, swapped, missing, command]) expect(r.stderr).not.toMatch(RAW);
  });

  it("issue 26 minors: a subcommand typo names the nearest; a picture to `verify` says the page reads pictures; --deployments defaults to the checkout's", async () => {
    const wallet = await runLaissez(["wallet", "recieve"]);
    expect([wallet.code, wallet.stderr]).toEqual([
      3,
      expect.stringContaining('no subcommand "recieve"; did you mean `receive`?'),
    ]);
    const issuer = await runLaissez(["issuer", "srve"]);
    expect([issuer.code, issuer.stderr]).toEqual([3, expect.stringContaining("did you mean `serve`?")]);
    const audit = await runLaissez(["audit", "verfy"]);
    expect([audit.code, audit.stderr]).toEqual([3, expect.stringContaining("did you mean `verify`?")]);
    const dir = mkdtempSync(join(tmpdir(), "laissez-picture-"));
    const png = join(dir, "qr.png");
    writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    const picture = await runLaissez(["verify", png]);
    expect([picture.code, picture.stderr]).toEqual([
      3,
      expect.stringContaining(`${png} is a PNG picture: laissez verify reads the QR's text`),
    ]);
    expect(picture.stderr).toContain("The checkpoint page reads pictures");
    for (const r of [wallet, issuer, audit, picture]) expect(r.stderr).not.toMatch(RAW);
    // Like --schemas: the checkout's deployments/, from any working directory.
    expect(DEFAULT_DEPLOYMENTS_DIR).toBe(join(ROOT, "deployments"));
  });

  it("a missing file, an unknown region (listing the known), a chain that does not answer: words, never a raw code", async () => {
    const file = await runLaissez([
      "verify",
      "--bundle",
      "/nonexistent/sh.json",
      "--region",
      "CN-SH",
      "/nonexistent/vc.jwt",
    ]);
    expect([file.code, file.stderr]).toEqual([
      3,
      expect.stringMatching(
        /no such file or directory: \/nonexistent\/vc\.jwt\n {2}guide: docs\/cli\.md#laissez-verify/,
      ),
    ]);
    const region = await runLaissez(["verify", "--bundle", "x.json", "--region", "cn-xj", "-"], { input: "x" });
    expect([region.code, region.stderr]).toEqual([
      3,
      expect.stringContaining(
        'unknown region "CN-XJ" for --region (did you mean CN-ZJ?); known regions: CN-NM, CN-SH, CN-ZJ',
      ),
    ]);
    const chain = await runLaissez([
      "sync",
      "--rpc",
      `http://127.0.0.1:${await freePort()}`,
      "--region",
      "CN-SH",
      "--out",
      join(tmp("sync"), "b.json"),
    ]);
    expect([chain.code, chain.stderr]).toEqual([
      1,
      expect.stringContaining("does not answer (start it with `npm run chain`, or give --rpc)"),
    ]);
    for (const r of [file, region, chain]) expect(r.stderr).not.toMatch(RAW);
    expect(nearest("CN-SX".toLowerCase(), ["cn-zj", "cn-sh", "cn-nm"])).toBe("cn-sh");
    expect(nearest("frobnicate", ["json", "region"])).toBeUndefined();
  });
});

describe("an unknown region, in every command that takes one offline: a usage error listing the known regions", () => {
  it("wallet sync/receive, paper, authority delegate list the demo's regions (exit 3); codes are case-insensitive; agency takes no region", async () => {
    const dir = tmp("regions");
    const env = { ...process.env, LAISSEZ_WALLET_PASSPHRASE: "plum river lantern 42", LAISSEZ_ISSUER_TOKEN: "unused" };
    const wallet = ["--wallet", join(dir, "w.json")];
    expect((await runLaissez(["wallet", "init", ...wallet], { env })).code).toBe(0);
    const known = "known regions: CN-NM, CN-SH, CN-ZJ";
    const [sync, receive, paper, delegate, delegated, agency] = await Promise.all([
      runLaissez(["wallet", "sync", "--bundle", join(dir, "none.json"), "--region", "cn-xx", ...wallet], { env }),
      runLaissez(
        [
          "wallet",
          "receive",
          "openid-credential-offer://?x",
          "--bundle",
          join(dir, "none.json"),
          "--region",
          "Mars",
          ...wallet,
        ],
        { env },
      ),
      runLaissez(
        [
          "paper",
          "--type",
          "HealthCode",
          "--claims",
          "{}",
          "--out",
          join(dir, "p.html"),
          "--bundle",
          join(dir, "none.json"),
          "--region",
          "cn-gd",
        ],
        { env },
      ),
      runLaissez(
        [
          "authority",
          "delegate",
          "--region",
          "cn-sx",
          "--signer",
          "0x0000000000000000000000000000000000000001",
          "--out",
          join(dir, "d.json"),
        ],
        { env },
      ),
      runLaissez(
        [
          "authority",
          "delegate",
          "--region",
          "cn-sh",
          "--signer",
          "0x0000000000000000000000000000000000000001",
          "--out",
          join(dir, "d.json"),
        ],
        { env },
      ),
      runLaissez(
        [
          "agency",
          "set-writer",
          "--agency",
          "0",
          "--writer",
          "0x0000000000000000000000000000000000000001",
          "--region",
          "CN-SH",
        ],
        { env },
      ),
    ]);
    expect([sync.code, sync.stderr]).toEqual([
      3,
      expect.stringContaining(`unknown region "CN-XX" for --region; ${known}`),
    ]);
    expect([receive.code, receive.stderr]).toEqual([
      3,
      expect.stringContaining(`unknown region "MARS" for --region; ${known}`),
    ]);
    expect([paper.code, paper.stderr]).toEqual([
      3,
      expect.stringContaining(`unknown region "CN-GD" for --region; ${known}`),
    ]);
    expect([delegate.code, delegate.stderr]).toEqual([
      3,
      expect.stringContaining(`unknown region "CN-SX" for --region (did you mean CN-SH?); ${known}`),
    ]);
    expect(delegated.code, delegated.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "d.json"), "utf8"))).toMatchObject({ payload: { region: "CN-SH" } });
    // An agency's region is the chain's record of it: the flag is refused, not silently ignored.
    expect([agency.code, agency.stderr]).toEqual([3, expect.stringContaining("no flag --region")]);
    for (const r of [sync, receive, paper, delegate, agency]) expect(r.stderr).not.toMatch(RAW);
  });
});

describe("the bin under an older Node", () => {
  // The machine's own node: a fresh machine has Node 20 (the project's Node 24 is a devDependency).
  const system = spawnSync("sh", ["-c", "command -v /usr/bin/node || command -v node"], {
    encoding: "utf8",
  }).stdout.trim();
  const major = system
    ? Number(execFileSync(system, ["-p", "process.versions.node.split('.')[0]"], { encoding: "utf8" }).trim())
    : 0;

  it.skipIf(!system || major >= 24)(
    "re-runs itself under Node 24, passing arguments and the exit status through, with nothing on stderr",
    () => {
      const version = spawnSync(system, [join(ROOT, "scripts", "bin.js"), "--version"], {
        cwd: tmp("bin"),
        encoding: "utf8",
      });
      expect([version.status, version.stdout.trim(), version.stderr]).toEqual([
        0,
        `laissez ${VERSION} (Node ${process.versions.node})`,
        "",
      ]);
      const usage = spawnSync(system, [join(ROOT, "scripts", "bin.js"), "verify", "--nope"], {
        cwd: tmp("bin"),
        encoding: "utf8",
      });
      expect([usage.status, usage.stderr]).toEqual([3, expect.stringContaining("no flag --nope")]);
    },
  );

  it("package.json's bin is that file, and its engines let Node 20 start it", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      bin: Record<string, string>;
      engines: { node: string };
    };
    expect(pkg.bin.laissez).toBe("scripts/bin.js");
    expect(pkg.engines.node).toBe(">=20");
  });
});

describe("the wallet's files and passphrases", () => {
  it("follows XDG: $XDG_DATA_HOME/laissez, else ~/.local/share/laissez; state under $XDG_STATE_HOME", () => {
    expect(userDir("data", { HOME: "/home/mei" })).toBe("/home/mei/.local/share/laissez");
    expect(userDir("data", { HOME: "/home/mei", XDG_DATA_HOME: "/data" })).toBe("/data/laissez");
    expect(userDir("data", { HOME: "/home/mei", XDG_DATA_HOME: "relative/ignored" })).toBe(
      "/home/mei/.local/share/laissez",
    );
    expect(userDir("state", { HOME: "/home/mei" })).toBe("/home/mei/.local/state/laissez");
    expect(userFile("data", "wallet.json", "/nonexistent/.data/wallet.json", { HOME: "/home/mei" })).toEqual({
      path: "/home/mei/.local/share/laissez/wallet.json",
    });
  });

  it("wallet init writes to the data directory, not the current one; the old ./.data/wallet.json is still read", async () => {
    const home = tmp("home");
    const cwd = tmp("cwd");
    const env = {
      ...process.env,
      HOME: home,
      XDG_DATA_HOME: join(home, "data"),
      LAISSEZ_WALLET_PASSPHRASE: "plum river lantern 42",
    };
    const init = await runLaissez(["wallet", "init"], { env, cwd });
    expect([init.code, init.stdout]).toEqual([
      0,
      expect.stringContaining(`wallet created at ${join(home, "data", "laissez", "wallet.json")}`),
    ]);
    expect(existsSync(join(cwd, ".data"))).toBe(false);

    const old = tmp("old");
    mkdirSync(join(old, ".data"));
    expect((await runLaissez(["wallet", "init", "--wallet", ".data/wallet.json"], { env, cwd: old })).code).toBe(0);
    const otherHome = { ...env, HOME: tmp("home2"), XDG_DATA_HOME: "" };
    const list = await runLaissez(["wallet", "list"], { env: otherHome, cwd: old });
    expect([list.code, list.stdout.trim(), list.stderr]).toEqual([
      0,
      "no credentials yet",
      expect.stringContaining("using .data/wallet.json (the old location); move it to "),
    ]);
  });

  it("a new passphrase must have a minimum strength (wallet init, backup, restore)", async () => {
    for (const weak of [
      "short",
      "password1234",
      "aaaaaaaaaaaaaaaa",
      "123456789012345",
      "qwertyuiop12",
      "abcabcabcabcabc",
    ])
      expect(passphraseProblem(weak), weak).toBeDefined();
    for (const strong of [
      "correct horse battery staple",
      "another long passphrase",
      "plum river lantern 42",
      "Tr0ub4dor&3x",
      "我的钱包很安全",
    ])
      expect(passphraseProblem(strong), strong).toBeUndefined();
    const refused = await runLaissez(["wallet", "init", "--wallet", join(tmp("weak"), "w.json")], {
      env: { ...process.env, LAISSEZ_WALLET_PASSPHRASE: "password1234" },
    });
    expect([refused.code, refused.stderr]).toEqual([3, expect.stringContaining("wallet passphrase too easy to guess")]);
  });
});
