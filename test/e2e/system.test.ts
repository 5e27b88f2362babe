/**
 * `npm start` and `npm run demo` as a user runs them: `laissez up` as its own process group
 * (stopped the way a terminal's Ctrl-C does), the `laissez wallet` CLI against it, and
 * `laissez demo` unattended.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseOffer } from "../../wallet/receive.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJwt, readPresentation } from "../../core/index.ts";
import { readQrPng } from "../../scripts/qr-file.ts";
import { freePort, ROOT, runLaissez } from "../helpers/processes.ts";
import { freePortBlock } from "../helpers/system.ts";

const LAISSEZ = fileURLToPath(new URL("../../scripts/laissez.ts", import.meta.url));
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `laissez-${name}-`));

interface SystemRecord {
  chainId: number;
  agencies: { region: string; name: string; url: string; token: string }[];
  checkpoints: Record<string, string>;
  wallet: string;
}

const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });

describe("laissez up: the whole system as one command", () => {
  let up: ChildProcess;
  let out = "";
  let record: SystemRecord;
  let chainPort: number;
  const stateDir = tmp("up-state");

  beforeAll(async () => {
    chainPort = await freePort();
    const base = await freePortBlock();
    up = spawn(
      process.execPath,
      [
        LAISSEZ,
        "up",
        "--port",
        String(chainPort),
        "--base-port",
        String(base),
        "--state-dir",
        stateDir,
        "--deployments",
        tmp("up-deployments"),
      ],
      { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    up.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    up.stderr?.on("data", (d: Buffer) => (out += d.toString()));
    for (let waited = 0; !/\nready\n/.test(out); waited += 250) {
      if (up.exitCode !== null || waited > 90_000) throw new Error(`laissez up did not get ready:\n${out}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    record = JSON.parse(readFileSync(join(stateDir, "system.json"), "utf8")) as SystemRecord;
  });

  afterAll(() => {
    if (up.exitCode === null) process.kill(-(up.pid as number), "SIGKILL");
  });

  it("prints the URLs and the guided scenario, and every service answers", async () => {
    expect(out).toContain("Guided scenario:");
    // A ready link: the wallet receives the offer made at start with one click.
    expect(out).toContain(`${record.wallet}/#offer=openid-credential-offer%3A%2F%2F%3Fcredential_offer%3D`);
    // It gives an SD-JWT VC, so the citizen sees selective disclosure (issue 26).
    const link = /#offer=(\S+)/.exec(out)?.[1] ?? "";
    expect(parseOffer(decodeURIComponent(link), true).configurations).toEqual(["HealthCode.sd-jwt"]);
    expect(out).toContain(`${record.checkpoints["CN-SH"]}/`);
    expect(out).toContain(`${record.wallet}/`);
    for (const a of record.agencies) expect(out).toContain(a.url);
    for (const url of [...record.agencies.map((a) => a.url), ...Object.values(record.checkpoints)]) {
      expect((await fetch(`${url}/health`)).status, url).toBe(200);
    }
    for (const page of [record.wallet, record.checkpoints["CN-SH"]!]) {
      const res = await fetch(`${page}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(await res.text()).toContain('<script type="module" src="app.js">');
      // Issue 10 item 16: the wallet page may connect to itself, its checkpoint and the consortium's issuers only.
      const connect = /connect-src ([^;]+)/.exec(res.headers.get("content-security-policy") ?? "")?.[1]?.split(" ");
      expect(connect).toEqual(
        page === record.wallet
          ? ["'self'", record.checkpoints["CN-ZJ"], ...record.agencies.map((a) => a.url)]
          : ["'self'"],
      );
      expect((await fetch(`${page}/sw.js`)).status).toBe(200);
    }
  });

  it("the wallet CLI: init, receive from an offer, list, show, present as a QR PNG that the checkpoint accepts, backup, restore", async () => {
    const dir = tmp("wallet");
    const env = {
      ...process.env,
      LAISSEZ_WALLET_PASSPHRASE: "correct horse battery staple",
      LAISSEZ_BACKUP_PASSPHRASE: "another long passphrase",
    };
    const wallet = ["--wallet", join(dir, "wallet.json")];
    const init = await runLaissez(["wallet", "init", ...wallet], { env });
    expect(init.code, init.stderr).toBe(0);
    const holder = /holder: (did:key:\S+)/.exec(init.stdout)?.[1];
    expect(holder).toMatch(/^did:key:zDn/);

    const zj = record.agencies[0]!;
    const offerRes = await fetch(`${zj.url}/offers`, {
      method: "POST",
      headers: { authorization: `Bearer ${zj.token}`, "content-type": "application/json" },
      body: JSON.stringify({
        type: "HealthCode",
        claims: { healthStatus: "green", givenName: "Mei", familyName: "Li" },
      }),
    });
    const { offerUri } = (await offerRes.json()) as { offerUri: string };
    // Plain http to the issuer only by the explicit development option.
    const insecure = await runLaissez(
      [
        "wallet",
        "receive",
        offerUri,
        "--bundle",
        `${record.checkpoints["CN-ZJ"]}/bundle`,
        "--region",
        "CN-ZJ",
        ...wallet,
      ],
      { env },
    );
    expect([insecure.code, insecure.stderr]).toEqual([3, expect.stringContaining("not on https")]);
    const received = await runLaissez(
      [
        "wallet",
        "receive",
        offerUri,
        "--bundle",
        `${record.checkpoints["CN-ZJ"]}/bundle`,
        "--region",
        "cn-zj",
        "--allow-http-loopback",
        ...wallet,
      ],
      { env },
    );
    expect(received.code, received.stderr).toBe(0);
    expect(received.stdout).toMatch(/^received HealthCode from Zhejiang Provincial Health Commission: urn:uuid:/);
    // The offer is one use: a second redemption is refused with a clear message and exit 1.
    const again = await runLaissez(
      [
        "wallet",
        "receive",
        offerUri,
        "--bundle",
        `${record.checkpoints["CN-ZJ"]}/bundle`,
        "--allow-http-loopback",
        ...wallet,
      ],
      { env },
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/refused the offer code/);

    const list = await runLaissez(["wallet", "list", ...wallet], { env });
    expect(list.stdout).toMatch(
      /^ 1\. HealthCode\s+Zhejiang Provincial Health Commission\s+CN-ZJ .* valid as of \S+ \(block \d+\)/,
    );
    const show = JSON.parse((await runLaissez(["wallet", "show", "HealthCode", ...wallet], { env })).stdout) as {
      id: string;
      claims: Record<string, string>;
      status: { kind: string };
    };
    expect(show.claims).toEqual({ healthStatus: "green", givenName: "Mei", familyName: "Li" });
    expect(show.status.kind).toBe("valid");

    const png = join(dir, "qr.png");
    expect((await runLaissez(["wallet", "present", "1", "--png", png, ...wallet], { env })).code).toBe(3); // a static QR must name its region
    const unknownRegion = await runLaissez(["wallet", "present", "1", "--for", "CN-XX", ...wallet], { env });
    expect([unknownRegion.code, unknownRegion.stderr]).toEqual([
      3,
      expect.stringContaining("known regions: CN-NM, CN-SH, CN-ZJ"),
    ]);
    // Without --png the QR is printed (and its text), and no file is written.
    const noFile = await runLaissez(["wallet", "present", "1", "--for", "cn-sh", ...wallet], { env });
    expect(noFile.stdout).toMatch(/\nLZ1:[0-9A-Z $%*+\-./:]+\n/);
    expect(existsSync(join(ROOT, "presentation.png"))).toBe(false);
    const presented = await runLaissez(
      ["wallet", "present", "1", "--for", "CN-SH", "--png", png, "--json", ...wallet],
      { env },
    );
    expect(presented.code, presented.stderr).toBe(0);
    const qr = JSON.parse(presented.stdout) as { text: string; version: number };
    expect(qr.version).toBeLessThanOrEqual(20);
    expect(readQrPng(readFileSync(png))).toBe(qr.text);
    const terminal = await runLaissez(["wallet", "present", "1", "--for", "CN-SH", "--png", png, ...wallet], { env });
    expect(terminal.stdout).toMatch(/[▀▄█]/);
    expect(terminal.stdout).toMatch(/HealthCode: \d+ characters, QR version \d+ \(M\), static/);

    const verdict = (await (
      await fetch(`${record.checkpoints["CN-SH"]}/verify`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ presentation: qr.text }),
      })
    ).json()) as { verdict: string; presentation: { mode: string } };
    expect(verdict.verdict).toBe("accept");
    expect(verdict.presentation.mode).toBe("static");

    // The CLI checkpoint reads the same QR text from a file, offline.
    const bundleFile = join(dir, "sh.json");
    writeFileSync(bundleFile, await (await fetch(`${record.checkpoints["CN-SH"]}/bundle`)).text());
    const cli = await runLaissez(
      ["verify", "--bundle", bundleFile, "--region", "CN-SH", "--state", join(dir, "state.json"), "--json", "-"],
      { input: qr.text },
    );
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({
      verdict: "accept",
      presentation: { mode: "static", audience: "urn:laissez:region:CN-SH" },
    });

    // Challenge-bound: the checkpoint's nonce, once.
    const challenge = (await (await fetch(`${record.checkpoints["CN-SH"]}/challenges`, { method: "POST" })).json()) as {
      audience: string;
      nonce: string;
    };
    const bound = JSON.parse(
      (
        await runLaissez(
          [
            "wallet",
            "present",
            "1",
            "--png",
            png,
            "--json",
            "--audience",
            challenge.audience,
            "--nonce",
            challenge.nonce,
            ...wallet,
          ],
          { env },
        )
      ).stdout,
    ) as { text: string };
    const verifyBound = async () =>
      (await (
        await fetch(`${record.checkpoints["CN-SH"]}/verify`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ presentation: bound.text, nonce: challenge.nonce }),
        })
      ).json()) as { verdict: string; reason: string | null };
    expect(await verifyBound()).toMatchObject({ verdict: "accept" });
    expect(await verifyBound()).toMatchObject({ verdict: "reject", reason: "nonce_reused" });

    // Bad input to the checkpoint service: a verdict or a clear 4xx, never a 500.
    const post = async (body: string) => {
      const res = await fetch(`${record.checkpoints["CN-SH"]}/verify`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      return {
        status: res.status,
        body: (await res.json()) as { verdict?: string; reason?: string; error?: { code: string } },
      };
    };
    expect(await post(JSON.stringify({ presentation: "LZ1:%%%" }))).toMatchObject({
      status: 200,
      body: { verdict: "reject", reason: "compact_malformed" },
    });
    expect(await post(JSON.stringify({ presentation: "eyJhbGciOiJub25lIn0.e30." }))).toMatchObject({
      status: 200,
      body: { verdict: "reject" },
    });
    expect(await post(JSON.stringify({ presentation: 42 }))).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_request" } },
    });
    expect(await post(JSON.stringify({ presentation: qr.text, nonce: "never-issued" }))).toMatchObject({
      status: 400,
      body: { error: { code: "challenge_unknown" } },
    });
    expect(await post('{"presentation":"a","presentation":"b"}')).toMatchObject({
      status: 400,
      body: { error: { code: "malformed_json" } },
    });
    expect(await post(JSON.stringify({ presentation: "x".repeat(100_000) }))).toMatchObject({
      status: 413,
      body: { error: { code: "payload_too_large" } },
    });

    // The agency revokes it; `wallet sync` brings the status, and `present` warns.
    const status = async (path: string, body?: unknown) =>
      (await (
        await fetch(`${zj.url}${path}`, {
          method: body ? "POST" : "GET",
          headers: { authorization: `Bearer ${zj.token}`, "content-type": "application/json" },
          ...(body ? { body: JSON.stringify(body) } : {}),
        })
      ).json()) as { requests: { block: number | null }[] };
    await status("/credentials/status", { action: "revoke", ids: [show.id] });
    let anchored = 0;
    await expect
      .poll(
        async () => (anchored = (await status(`/credentials/${encodeURIComponent(show.id)}`)).requests[0]?.block ?? 0),
        { timeout: 30_000 },
      )
      .toBeGreaterThan(0);
    await expect
      .poll(
        async () =>
          ((await (await fetch(`${record.checkpoints["CN-ZJ"]}/health`)).json()) as { bundle: { block: number } })
            .bundle.block,
        { timeout: 30_000 },
      )
      .toBeGreaterThanOrEqual(anchored);
    const synced = (await runLaissez(["wallet", "sync", ...wallet], { env })).stdout;
    expect(synced).toMatch(/^synced with CN-ZJ's bundle at block \d+/);
    expect((await runLaissez(["wallet", "list", ...wallet], { env })).stdout).toMatch(
      /REVOKED by Zhejiang Provincial Health Commission: no longer valid, checkpoints refuse it; ask the agency why, or for a new one, as of /,
    );
    const warned = await runLaissez(["wallet", "present", "1", "--for", "CN-SH", ...wallet], { env });
    expect([warned.code, warned.stderr]).toEqual([
      0,
      expect.stringMatching(/^warning: this HealthCode is REVOKED by .*, as of .*; a checkpoint will refuse it/),
    ]);

    const weak = await runLaissez(["wallet", "backup", "--out", join(dir, "weak.json"), ...wallet], {
      env: { ...env, LAISSEZ_BACKUP_PASSPHRASE: "password1234" },
    });
    expect([weak.code, weak.stderr]).toEqual([3, expect.stringContaining("backup passphrase too easy to guess")]);
    const backup = join(dir, "backup.json");
    expect((await runLaissez(["wallet", "backup", "--out", backup, ...wallet], { env })).code).toBe(0);
    const restoredPath = ["--wallet", join(dir, "restored.json")];
    const restored = await runLaissez(["wallet", "restore", "--from", backup, ...restoredPath], { env });
    expect(restored.stdout).toContain(`holder: ${holder}`);
    expect((await runLaissez(["wallet", "list", ...restoredPath], { env })).stdout).toContain("HealthCode");
    const wrong = await runLaissez(["wallet", "list", ...wallet], {
      env: { ...env, LAISSEZ_WALLET_PASSPHRASE: "wrong" },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("wrong passphrase");
  }, 600_000); // twenty-odd CLI processes, each several seconds on a loaded machine (measured 7–17 s at load 15–30)

  it("batch copies through the CLI: receive --copies 3; four presents at once show three different copies and refuse the fourth; revoking the credential rejects every copy", async () => {
    const dir = tmp("copies");
    const zj = record.agencies[0]!;
    const env = {
      ...process.env,
      LAISSEZ_WALLET_PASSPHRASE: "correct horse battery staple",
      LAISSEZ_ISSUER_TOKEN: zj.token,
    };
    const wallet = ["--wallet", join(dir, "wallet.json")];
    expect((await runLaissez(["wallet", "init", ...wallet], { env })).code).toBe(0);
    const offerRes = await fetch(`${zj.url}/offers`, {
      method: "POST",
      headers: { authorization: `Bearer ${zj.token}`, "content-type": "application/json" },
      body: JSON.stringify({
        type: "HealthCode",
        claims: { healthStatus: "green", givenName: "Mei", familyName: "Li" },
      }),
    });
    const { offerUri } = (await offerRes.json()) as { offerUri: string };
    const received = await runLaissez(
      [
        "wallet",
        "receive",
        offerUri,
        "--bundle",
        `${record.checkpoints["CN-ZJ"]}/bundle`,
        "--copies",
        "3",
        "--allow-http-loopback",
        "--json",
        ...wallet,
      ],
      { env },
    );
    expect(received.code, received.stderr).toBe(0);
    const copies = JSON.parse(received.stdout) as { id: string; jwt: string }[];
    expect(copies).toHaveLength(3);
    expect((await runLaissez(["wallet", "list", ...wallet], { env })).stdout).toMatch(
      /^ 1\. HealthCode .* valid as of .*\(3 of 3 copies unused\)\n$/,
    );

    // Four presentations at once from three copies: the wallet file's lock serializes them; each takes a copy not shown before.
    const runs = await Promise.all(
      Array.from({ length: 4 }, () =>
        runLaissez(["wallet", "present", "HealthCode", "--for", "CN-SH", "--json", ...wallet], { env }),
      ),
    );
    const refused = runs.filter((r) => r.code !== 0);
    expect(refused.map((r) => [r.code, r.stderr])).toEqual([
      [1, expect.stringMatching(/all 3 copies of HealthCode urn:uuid:\S+ were presented once: receive a new batch/)],
    ]);
    const shown = runs.filter((r) => r.code === 0).map((r) => (JSON.parse(r.stdout) as { text: string }).text);
    const seen = shown.map((text) => {
      const vp = decodeJwt(readPresentation(text)).payload as { iss: string; vp: { verifiableCredential: string[] } };
      const vc = decodeJwt(vp.vp.verifiableCredential[0]!).payload as {
        jti: string;
        sub: string;
        vc: { credentialStatus: { statusListCredential: string; statusListIndex: string }[] };
      };
      return {
        holder: vp.iss,
        id: vc.jti,
        slots: vc.vc.credentialStatus.map((e) => `${e.statusListCredential}#${e.statusListIndex}`),
      };
    });
    // Nothing in common between two presentations: holder DID, credential id, status slots.
    expect(new Set(seen.map((s) => s.holder)).size).toBe(3);
    expect(new Set(seen.map((s) => s.id))).toEqual(new Set(copies.map((c) => c.id)));
    expect(new Set(seen.flatMap((s) => s.slots)).size).toBe(6);
    expect((await runLaissez(["wallet", "list", ...wallet], { env })).stdout).toMatch(/\(0 of 3 copies unused\)/);
    const verify = async (text: string) =>
      (await (
        await fetch(`${record.checkpoints["CN-SH"]}/verify`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ presentation: text }),
        })
      ).json()) as { verdict: string; reason: string | null; bundle: { block: { number: number } } };
    for (const text of shown) expect(await verify(text)).toMatchObject({ verdict: "accept" });

    // The agency revokes the credential (one copy's id, as an operator would have it): every copy is revoked, and `revoke` waits for all.
    const revoked = await runLaissez(["revoke", copies[1]!.id, "--service", zj.url, "--json"], { env });
    expect(revoked.code, revoked.stderr).toBe(0);
    const requests = (
      JSON.parse(revoked.stdout) as { requests: { credentialId: string; state: string; block: number }[] }
    ).requests;
    expect(new Set(requests.map((r) => r.credentialId))).toEqual(new Set(copies.map((c) => c.id)));
    expect(requests.every((r) => r.state === "anchored")).toBe(true);
    // Once the CN-SH checkpoint has synced past the revocation, every copy's presentation is rejected.
    const anchored = Math.max(...requests.map((r) => r.block));
    await expect
      .poll(
        async () =>
          ((await (await fetch(`${record.checkpoints["CN-SH"]}/health`)).json()) as { bundle: { block: number } })
            .bundle.block,
        { timeout: 30_000 },
      )
      .toBeGreaterThanOrEqual(anchored);
    for (const text of shown) expect(await verify(text)).toMatchObject({ verdict: "reject", reason: "revoked" });
  }, 600_000); // a dozen CLI processes on a loaded machine

  it("stops cleanly on Ctrl-C: every service and the chain close", async () => {
    const exited = new Promise<number | null>((resolve) => up.once("exit", resolve));
    process.kill(-(up.pid as number), "SIGINT");
    expect(await exited).toBe(0);
    expect(out.slice(-200)).toMatch(/stopping …\nstopped\n$/);
    expect(await portOpen(chainPort)).toBe(false);
    expect(await portOpen(Number(new URL(record.wallet).port))).toBe(false);
  });
});

describe("laissez demo: the scenario unattended", () => {
  it("prints each step with its verdict and exits 0", async () => {
    const run = await runLaissez([
      "demo",
      "--port",
      String(await freePort()),
      "--base-port",
      String(await freePortBlock()),
      "--state-dir",
      tmp("demo-state"),
      "--deployments",
      tmp("demo-deployments"),
    ]);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    // Words, Chinese first then English; no raw JSON.
    expect(run.stdout).toMatch(
      /✓ 上海 \(CN-SH\)核验点（离线）：通过。.*\n {3}✓ CN-SH checkpoint, offline: ACCEPT\. All checks passed\./,
    );
    expect(run.stdout).toMatch(/✓ CN-NM checkpoint, offline, shown the QR made for CN-SH: REJECT\./);
    expect(run.stdout).toMatch(/✓ CN-NM checkpoint, offline, a QR made for CN-NM .*: REJECT\./);
    expect(run.stdout).toMatch(/✓ CN-SH checkpoint, old bundle: ACCEPT/);
    expect(run.stdout).toMatch(/✓ 上海 \(CN-SH\)核验点（重新同步后）：不通过。发证机关已撤销此证件。/);
    expect(run.stdout).toMatch(
      /✓ CN-SH checkpoint, after re-sync: REJECT\. The issuing agency has revoked this credential\./,
    );
    expect(run.stdout).toMatch(/QR version (1\d|20) at level M/);
    expect(run.stdout).not.toMatch(/[{}]|"requests"|urn:uuid/);
    expect(run.stdout).toContain("scenario complete: every verdict as expected");
  }, 300_000); // the whole system started, then the scenario: minutes on a loaded machine
});
