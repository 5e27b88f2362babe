/**
 * `laissez wallet restore` never loses a credential (issue 26 item 4): a backup restored over a
 * wallet that holds more is merged into it (each credential once, its own key kept, a copy used
 * in either stays used), or with `--replace` the wallet is first saved beside itself. A wrong
 * backup passphrase is said as such, not as a damaged file; the wallet file is written 0600.
 * Real credentials from the CN-ZJ issuer service on an in-process chain; the CLI as its own process.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TrustBundle } from "../../core/bundle.ts";
import { verifyPresentation } from "../../core/verify.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import type { IssuerStore } from "../../services/issuer/store.ts";
import { FileWallet } from "../../wallet/file-store.ts";
import { createHolderKey } from "../../wallet/holder.ts";
import { passphraseProblem } from "../../wallet/passphrase.ts";
import { present } from "../../wallet/present.ts";
import { receiveCopies, receiveOffer } from "../../wallet/receive.ts";
import { demoSchemas } from "../../scripts/context.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { startIssuerService } from "../helpers/issuer.ts";
import { runLaissez } from "../helpers/processes.ts";

let chain: SeededChain;
let issuer: { store: IssuerStore; server: Server; url: string; now: () => number };
let bundle: TrustBundle;
let operator: string;
const dir = mkdtempSync(join(tmpdir(), "laissez-restore-"));
const noReuse = new Agent({ pipelining: 0 });
const fetch = ((input: string, init?: RequestInit) =>
  undiciFetch(input, { ...(init as object), dispatcher: noReuse })) as unknown as typeof globalThis.fetch;
const WALLET_PASS = "plum river lantern 42";
const BACKUP_PASS = "copper kettle meadow 7";
const env = { ...process.env, LAISSEZ_WALLET_PASSPHRASE: WALLET_PASS, LAISSEZ_BACKUP_PASSPHRASE: BACKUP_PASS };

beforeAll(async () => {
  chain = await seededChain();
  issuer = await startIssuerService(chain, 0);
  operator = (await issuer.store.operators.create("desk", ["issue"])).token;
  ({ bundle } = await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas }));
}, 120_000);
afterAll(() => issuer?.server.close());

async function offer(claims: object): Promise<string> {
  const res = await fetch(`${issuer.url}/offers`, {
    method: "POST",
    headers: { authorization: `Bearer ${operator}`, "content-type": "application/json" },
    body: JSON.stringify({ type: "HealthCode", claims }),
  });
  return ((await res.json()) as { offerUri: string }).offerUri;
}

/** A wallet file with one credential received for each claim set (bound to the wallet's own key). */
async function walletWith(name: string, ...claims: object[]): Promise<{ path: string; wallet: FileWallet }> {
  const path = join(dir, `${name}.json`);
  const wallet = FileWallet.create(path, WALLET_PASS, createHolderKey().secret);
  for (const c of claims)
    await wallet.put(
      await receiveOffer({
        offerUri: await offer(c),
        key: wallet.key,
        fetch,
        now: issuer.now(),
        verify: { bundle, verifier: nativeVerifier },
        allowHttpLoopback: true,
      }),
    );
  return { path, wallet };
}

const ids = async (path: string): Promise<string[]> =>
  (await FileWallet.open(path, WALLET_PASS).list()).map((c) => c.id).sort();

describe("laissez wallet restore", () => {
  it("a 1-credential backup restored over a 2-credential wallet merges: 3 credentials, each presentable with its own key", async () => {
    const old = await walletWith("old", { healthStatus: "green", givenName: "Mei" });
    const backup = join(dir, "old-backup.json");
    expect((await runLaissez(["wallet", "backup", "--out", backup, "--wallet", old.path], { env })).code).toBe(0);
    const current = await walletWith(
      "current",
      { healthStatus: "green", givenName: "Lei" },
      { healthStatus: "yellow", givenName: "Lei" },
    );
    const before = await ids(current.path);

    const restored = await runLaissez(["wallet", "restore", "--from", backup, "--wallet", current.path], { env });
    expect([restored.code, restored.stdout]).toEqual([
      0,
      expect.stringContaining("1 new, 0 already here; the wallet now holds 3"),
    ]);
    const after = await ids(current.path);
    expect(after).toEqual([...before, ...(await ids(old.path))].sort());

    // The restored credential is bound to the old wallet's key, which came with it; the wallet's own key is unchanged.
    const merged = FileWallet.open(current.path, WALLET_PASS);
    expect(merged.key.did).toBe(current.wallet.key.did);
    for (const c of await merged.list()) {
      const vp = await present(c.jwt, merged.keyFor(c), issuer.now(), { region: "CN-ZJ" });
      expect(
        verifyPresentation(vp, { bundle, region: "CN-ZJ", now: issuer.now(), verifier: nativeVerifier }).verdict,
        c.id,
      ).toBe("accept");
    }

    // Restored twice: nothing doubles.
    const again = await runLaissez(["wallet", "restore", "--from", backup, "--wallet", current.path], { env });
    expect([again.code, again.stdout]).toEqual([
      0,
      expect.stringContaining("0 new, 1 already here; the wallet now holds 3"),
    ]);
    expect(await ids(current.path)).toEqual(after);
  });

  it("a copy presented since the backup stays used after restoring it", async () => {
    const path = join(dir, "copies.json");
    const wallet = FileWallet.create(path, WALLET_PASS, createHolderKey().secret);
    const copies = await receiveCopies({
      offerUri: await offer({ healthStatus: "green" }),
      keys: [createHolderKey(), createHolderKey()],
      fetch,
      now: issuer.now(),
      verify: { bundle, verifier: nativeVerifier },
      allowHttpLoopback: true,
    });
    await wallet.putAll(copies);
    const backup = join(dir, "copies-backup.json");
    expect((await runLaissez(["wallet", "backup", "--out", backup, "--wallet", path], { env })).code).toBe(0);
    expect((await runLaissez(["wallet", "present", "1", "--for", "CN-ZJ", "--wallet", path], { env })).code).toBe(0);
    expect((await runLaissez(["wallet", "restore", "--from", backup, "--wallet", path], { env })).code).toBe(0);
    expect((await FileWallet.open(path, WALLET_PASS).list()).filter((c) => c.copy?.used)).toHaveLength(1);
  });

  it("--replace first saves the wallet beside itself, then replaces it; the saved file opens with the wallet passphrase", async () => {
    const old = await walletWith("r-old", { healthStatus: "green" });
    const backup = join(dir, "r-backup.json");
    expect((await runLaissez(["wallet", "backup", "--out", backup, "--wallet", old.path], { env })).code).toBe(0);
    const current = await walletWith("r-current", { healthStatus: "yellow" }, { healthStatus: "red" });
    const before = await ids(current.path);
    const replaced = await runLaissez(["wallet", "restore", "--replace", "--from", backup, "--wallet", current.path], {
      env,
    });
    expect([replaced.code, replaced.stdout]).toEqual([
      0,
      expect.stringContaining("the wallet as it was (2 credentials) is saved at "),
    ]);
    expect(await ids(current.path)).toEqual(await ids(old.path));
    const saved = readdirSync(dir).filter((f) => f.startsWith("r-current.json.before-restore-"));
    expect(saved).toHaveLength(1);
    expect((await FileWallet.open(join(dir, saved[0]!), WALLET_PASS).list()).map((c) => c.id).sort()).toEqual(before);
  });

  it("a wrong backup passphrase is said as such; a damaged file as damaged; the wallet is untouched", async () => {
    const current = await walletWith("p-current", { healthStatus: "green" });
    const backup = join(dir, "p-backup.json");
    expect((await runLaissez(["wallet", "backup", "--out", backup, "--wallet", current.path], { env })).code).toBe(0);
    const before = readFileSync(current.path, "utf8");
    const wrong = await runLaissez(["wallet", "restore", "--from", backup, "--wallet", current.path], {
      env: { ...env, LAISSEZ_BACKUP_PASSPHRASE: "not the right one at all" },
    });
    expect([wrong.code, wrong.stderr]).toEqual([
      1,
      expect.stringContaining("the backup passphrase does not open this backup"),
    ]);
    expect(wrong.stderr).not.toContain("damaged");
    writeFileSync(join(dir, "junk.json"), '{"format":"laissez-wallet/1","salt":');
    const junk = await runLaissez(["wallet", "restore", "--from", join(dir, "junk.json"), "--wallet", current.path], {
      env,
    });
    expect([junk.code, junk.stderr]).toEqual([1, expect.stringContaining("is not a readable Laissez wallet backup")]);
    expect(readFileSync(current.path, "utf8")).toBe(before);
  });

  it("the wallet file and its backup are written 0600 (only the citizen's account reads them)", async () => {
    const { path } = await walletWith("mode");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const out = join(dir, "mode-backup.json");
    expect((await runLaissez(["wallet", "backup", "--out", out, "--wallet", path], { env })).code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it("the passphrase check knows Chinese sequences and common words", () => {
    for (const weak of ["一二三四五六", "一二三四五六七八", "我爱你我爱你", "六五四三二一"])
      expect(passphraseProblem(weak), weak).toBeDefined();
    expect(passphraseProblem("我的钱包很安全")).toBeUndefined();
  });
});
