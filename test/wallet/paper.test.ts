/**
 * Paper credentials (issue 13): an agency prints one through its issuer service; the page has
 * the QR (the credential alone), name and date of birth, agency and validity in Chinese and
 * English; a checkpoint's verdict is `paper` mode with the ID-document instruction; revocation
 * works as for phones; a region whose policy forbids paper for the type gets a reject.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getBytes } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleScope, serializeBundle, signEnvelope, softwareSigner } from "../../core/index.ts";
import { demoAuthorityKey } from "../../scripts/demo/consortium.ts";
import { CHROMIUM } from "../helpers/browser.ts";
import { runLaissez } from "../helpers/processes.ts";
import type { Server } from "node:http";
import { compactCredential, expandCredential, PAPER_PREFIX } from "../../core/formats/jwt-vc/paper.ts";
import { verifyPaperCredential } from "../../core/verify.ts";
import { verifyPresentation } from "../../core/verify.ts";
import { credentialTypeId } from "../../services/chain/ids.ts";
import { syncBundle } from "../../services/checkpoint/sync.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import type { Signer } from "ethers";
import { StatusPublisher } from "../../services/issuer/publish.ts";
import type { IssuerStore } from "../../services/issuer/store.ts";
import { demoSchemas } from "../../scripts/context.ts";
import { printPaperCredential } from "../../scripts/paper.ts";
import { readQrPng } from "../../scripts/qr-file.ts";
import { createHolderKey } from "../../wallet/holder.ts";
import { decodeJwt } from "../../core/jwt.ts";
import { seededChain, type SeededChain } from "../helpers/chain.ts";
import { startIssuerService } from "../helpers/issuer.ts";

let chain: SeededChain;
let issuer: { store: IssuerStore; server: Server; url: string; now: () => number };
let token: string;
const CLAIMS = { healthStatus: "green", givenName: "Mei", familyName: "Li", birthDate: "1990-04-12" };

beforeAll(async () => {
  chain = await seededChain();
  issuer = await startIssuerService(chain, 0);
  token = (await issuer.store.operators.create("desk", ["issue", "revoke"])).token;
});
afterAll(() => issuer?.server.close());

const bundleNow = async () => (await syncBundle(chain.provider, chain.deployment, { schemas: demoSchemas })).bundle;
const print = () =>
  printPaperCredential({
    issuerUrl: issuer.url,
    token,
    agency: { name: "Zhejiang Provincial Health Commission", region: "CN-ZJ" },
    type: "HealthCode",
    claims: CLAIMS,
  });

describe("paper credentials", () => {
  it("prints a page in both languages whose QR holds the credential alone, verified in paper mode", async () => {
    const printed = await print();
    expect(printed.qrText.startsWith(PAPER_PREFIX)).toBe(true);
    for (const words of [
      "健康码",
      "Health code",
      "Li Mei",
      "1990年4月12日",
      "April 12, 1990",
      "浙江省卫生健康委员会",
      "Zhejiang Provincial Health Commission",
      "身份证件",
      "ID document",
      "@media print",
      "@page",
    ]) {
      expect(printed.html).toContain(words);
    }
    expect(printed.qrVersion).toBeLessThanOrEqual(25);
    const bundle = await bundleNow();
    const v = verifyPaperCredential(printed.qrText, {
      bundle,
      region: "CN-SH",
      now: issuer.now(),
      verifier: nativeVerifier,
    });
    expect([v.verdict, v.presentation?.mode, v.credentialType, v.claims?.birthDate]).toEqual([
      "accept",
      "paper",
      "HealthCode",
      "1990-04-12",
    ]);
    expect(v.checks.at(-1)).toMatchObject({ code: "paper", ok: true });
    // The paper form is lossless and is not a presentation: the phone path refuses it.
    expect(compactCredential(expandCredential(printed.qrText))).toBe(printed.qrText);
    expect(
      verifyPresentation(printed.qrText, { bundle, region: "CN-SH", now: issuer.now(), verifier: nativeVerifier })
        .verdict,
    ).toBe("reject");
  });

  it("paper only if the issuer signed it as paper: a phone credential of the same service, lifted and re-packed as LZP1, is refused (issue 22 item 11)", async () => {
    const post = (body: unknown) =>
      fetch(`${issuer.url}/credentials`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then(async (r) => ({
        status: r.status,
        json: (await r.json()) as { credential?: string; error?: { code: string } },
      }));
    const bundle = await bundleNow();
    const p = { bundle, region: "CN-SH", now: issuer.now(), verifier: nativeVerifier };
    const phone = await post({ type: "HealthCode", subject: createHolderKey().did, claims: CLAIMS });
    expect(phone.status).toBe(201);
    const lifted = verifyPaperCredential(compactCredential(phone.json.credential!), p);
    expect([lifted.verdict, lifted.reason, lifted.checks.at(-1)?.code]).toEqual([
      "reject",
      "phone_credential_on_paper",
      "paper",
    ]);
    // Printed: the issuer writes a paper subject (no holder key) into what it signs.
    const printed = await print();
    expect(decodeJwt(expandCredential(printed.qrText)).payload.sub).toMatch(/^urn:laissez:paper:[0-9a-f-]{36}$/);
    expect(verifyPaperCredential(printed.qrText, p).verdict).toBe("accept");
    // Only the issuer makes a paper subject, and only in the paper form.
    const named = await post({
      type: "HealthCode",
      subject: "urn:laissez:paper:00000000-0000-4000-a000-000000000001",
      claims: CLAIMS,
    });
    expect([named.status, named.json.error?.code]).toEqual([422, "invalid_holder"]);
    const sd = await post({ type: "HealthCode", paper: true, format: "sd_jwt_vc", claims: CLAIMS });
    expect([sd.status, sd.json.error?.code]).toEqual([400, "invalid_request"]);
    const both = await post({ type: "HealthCode", paper: true, subject: createHolderKey().did, claims: CLAIMS });
    expect([both.status, both.json.error?.code]).toEqual([400, "invalid_request"]);
  });

  it("revocation applies as for phones", async () => {
    const printed = await print();
    const revoke = {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ action: "revoke", ids: [printed.id] }),
    };
    // Revoking twice is harmless; a kept-alive connection the server just closed is not worth a failure.
    expect(
      (
        await fetch(`${issuer.url}/credentials/status`, revoke).catch(() =>
          fetch(`${issuer.url}/credentials/status`, revoke),
        )
      ).status,
    ).toBe(202);
    // The agency's anchoring worker writes the bit on chain (drained here rather than waited for).
    await new StatusPublisher(issuer.store, chain.deployment, chain.accounts.writers[0] as Signer).drain();
    expect((await issuer.store.outbox.statusOf(printed.id))[0]?.state).toBe("anchored");
    const v = verifyPaperCredential(printed.qrText, {
      bundle: await bundleNow(),
      region: "CN-SH",
      now: issuer.now(),
      verifier: nativeVerifier,
    });
    expect([v.verdict, v.reason, v.presentation?.mode]).toEqual(["reject", "revoked", "paper"]);
  });

  it("a type whose policy on chain forbids paper is refused; a credential without the identity claims is not printed", async () => {
    const printed = await print();
    await (
      await chain.as(chain.governance).trust.getFunction("setCredentialTypePolicy")(
        credentialTypeId("HealthCode"),
        7 * 86400,
        false,
      )
    ).wait();
    const v = verifyPaperCredential(printed.qrText, {
      bundle: await bundleNow(),
      region: "CN-SH",
      now: issuer.now(),
      verifier: nativeVerifier,
    });
    expect([v.verdict, v.reason]).toEqual(["reject", "paper_not_allowed"]);
    await expect(
      printPaperCredential({
        issuerUrl: issuer.url,
        token,
        agency: { name: "x", region: "CN-ZJ" },
        type: "HealthCode",
        claims: { healthStatus: "green" },
      }),
    ).rejects.toThrow(/familyName, givenName, birthDate/);
    expect(
      verifyPaperCredential("LZP1:%%%", {
        bundle: await bundleNow(),
        region: "CN-SH",
        now: issuer.now(),
        verifier: nativeVerifier,
      }).reason,
    ).toBe("compact_malformed");
    expect(readQrPng).toBeDefined();
    await (
      await chain.as(chain.governance).trust.getFunction("setCredentialTypePolicy")(
        credentialTypeId("HealthCode"),
        7 * 86400,
        true,
      )
    ).wait();
  });

  it("`laissez paper` prints the page (and a PDF through Chromium) from the issuer service, naming the agency from the signed bundle", async () => {
    const dir = mkdtempSync(join(tmpdir(), "laissez-paper-"));
    const bundle = await bundleNow();
    const bundleFile = join(dir, "zj.json");
    writeFileSync(
      bundleFile,
      JSON.stringify(
        await signEnvelope(
          serializeBundle(bundle),
          softwareSigner("ES256K", getBytes(demoAuthorityKey("CN-ZJ").privateKey)),
          bundleScope(bundle, "CN-ZJ"),
        ),
      ),
    );
    const pdf = existsSync(CHROMIUM) ? ["--pdf", join(dir, "mei.pdf")] : [];
    const run = await runLaissez(
      [
        "paper",
        "--service",
        issuer.url,
        "--type",
        "HealthCode",
        "--claims",
        JSON.stringify(CLAIMS),
        "--bundle",
        bundleFile,
        "--region",
        "cn-zj",
        "--out",
        join(dir, "mei.html"),
        ...pdf,
        "--json",
      ],
      { env: { ...process.env, LAISSEZ_ISSUER_TOKEN: token } },
    );
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { id: string; qrVersion: number };
    expect(result.qrVersion).toBeLessThanOrEqual(25);
    const html = readFileSync(join(dir, "mei.html"), "utf8");
    for (const words of ["浙江省卫生健康委员会", "Zhejiang Provincial Health Commission", "Li Mei", "1990年4月12日"])
      expect(html).toContain(words);
    if (pdf.length)
      expect(
        readFileSync(pdf[1] as string)
          .subarray(0, 5)
          .toString(),
      ).toBe("%PDF-");
    // Without the identity claims nothing is issued or printed.
    const refused = await runLaissez(
      [
        "paper",
        "--service",
        issuer.url,
        "--type",
        "HealthCode",
        "--claims",
        '{"healthStatus":"green"}',
        "--bundle",
        bundleFile,
        "--out",
        join(dir, "x.html"),
      ],
      { env: { ...process.env, LAISSEZ_ISSUER_TOKEN: token } },
    );
    expect([refused.code, refused.stderr]).toEqual([
      3,
      expect.stringContaining("a paper credential needs familyName, givenName, birthDate"),
    ]);
    expect(existsSync(join(dir, "x.html"))).toBe(false);
  });
});
