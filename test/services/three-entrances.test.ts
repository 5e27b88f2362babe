/**
 * One text, one state, one verdict, whichever entrance a checkpoint uses (issue 21 §1): the
 * checkpoint service's `POST /verify` (over real HTTP on loopback), `laissez verify` (its command,
 * in process, reading the signed bundle file as an officer's laptop does) and the checkpoint
 * page's scan (`verifyScan`, the function the page runs, in Node). Fed: every vector of
 * test/vectors/verification.json, each accepted jwt_vc vector printed on paper (`LZP1:`), and a
 * seeded sample of mutations of both. Before, one genuine paper credential was `malformed_jwt`
 * to the CLI, `presentation_required` to the service and judged as paper only by the page.
 *
 * The one designed difference: a checkpoint (service, page) always wants holder binding, so a
 * bare credential is `presentation_required` there; `laissez verify` without a challenge also
 * verifies a bare credential (an agency checking a file), and for a text of no Laissez shape it
 * reports the parse error where a checkpoint says "not a Laissez QR code". For those texts the
 * CLI is compared with core's verifyToken (no presentation required) instead. The state is the vectors' signed bundle, region CN-SH, each
 * vector's clock, no challenge open.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256 } from "@noble/hashes/sha2.js";
import { JsonRpcProvider } from "ethers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { deserializeBundle, openEnvelope, type SerializedBundle } from "../../core/bundle-codec.ts";
import { compactCredential } from "../../core/formats/jwt-vc/paper.ts";
import { formatOf } from "../../core/formats/index.ts";
import { utf8 } from "../../core/encoding.ts";
import { nobleVerifier } from "../../core/crypto.ts";
import { softwareSigner } from "../../core/signer.ts";
import { notLaissezText, verifyPaperCredential, verifyToken } from "../../core/verify.ts";
import type { TrustBundle } from "../../core/bundle.ts";
import { createCheckpointApp } from "../../services/checkpoint/app.ts";
import { BundleKeeper } from "../../services/checkpoint/keeper.ts";
import { PageChallenges } from "../../services/checkpoint/web/page-challenge.ts";
import { verifyScan } from "../../services/checkpoint/web/scan.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import { listen } from "../../services/http/server.ts";
import { verifyCommand } from "../../scripts/commands/checkpoint.ts";
import { parseCommandArgs } from "../../scripts/cli.ts";
import { VECTOR_FILE, type VectorFile } from "../vectors/generate.ts";

const REGION = "CN-SH";
const file = JSON.parse(readFileSync(VECTOR_FILE, "utf8")) as VectorFile;
const envelopeText = JSON.stringify(file.bundle);
const bundle: TrustBundle = deserializeBundle(
  openEnvelope(envelopeText, { chainId: 31337, authorities: [file.authority], region: REGION })
    .payload as SerializedBundle,
);
// The vectors' region authority (test/vectors/generate.ts derives every key from its label).
const authorityKey = sha256(utf8(`laissez test vector authority ${REGION}`));

interface Answer {
  readonly verdict: string;
  readonly reason: string | null;
}
const answer = (v: { verdict: string; reason?: string | null | undefined }): Answer => ({
  verdict: v.verdict,
  reason: v.reason ?? null,
});

let server: Server;
let url: string;
const clock = { now: 0 };
const dir = mkdtempSync(join(tmpdir(), "laissez-entrances-"));
const bundlePath = join(dir, "bundle.json");

beforeAll(async () => {
  writeFileSync(bundlePath, envelopeText);
  writeFileSync(join(dir, "keeper.json"), envelopeText);
  // A checkpoint restarted from its saved bundle file: the keeper opens it as its own (and is never synced here: no chain answers).
  const keeper = new BundleKeeper({
    provider: new JsonRpcProvider("http://127.0.0.1:1", 31337, { staticNetwork: true }),
    deployment: { chainId: 31337, ...bundle.contracts, governance: bundle.contracts.trustRegistry, deployedAtBlock: 0 },
    schemas: async () => undefined,
    signerKey: softwareSigner("ES256K", authorityKey),
    path: join(dir, "keeper.json"),
    region: REGION,
  });
  expect(keeper.current?.bundle.block).toEqual(bundle.block);
  const { app } = createCheckpointApp({
    keeper,
    region: REGION,
    chainId: 31337,
    checkpointId: "checkpoint:CN-SH:entrances",
    verifier: nativeVerifier,
    now: () => clock.now,
    log: () => {},
    rateLimit: 1_000_000,
  });
  server = await listen(app, 0, "127.0.0.1");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server?.closeAllConnections();
  server?.close();
});

/** The service's verdict, or undefined when its request schema refuses the text (longer than a QR can hold four times over). */
async function service(text: string, now: number): Promise<Answer | undefined> {
  clock.now = now;
  const res = await fetch(`${url}/verify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ presentation: text }),
  });
  const body = (await res.json()) as { verdict: string; reason?: string; error?: { code: string } };
  if (res.status === 400 && body.error?.code === "invalid_request") return undefined;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return answer(body);
}

let n = 0;
/** `laissez verify --json`, in process: its stdout line is the verdict. */
async function cli(text: string, now: number): Promise<Answer> {
  const input = join(dir, `text-${n++}`);
  writeFileSync(input, text);
  const args = parseCommandArgs(verifyCommand, [
    "--bundle",
    bundlePath,
    "--region",
    REGION,
    "--authority",
    file.authority,
    "--state",
    join(dir, "state.json"),
    "--now",
    String(now),
    "--json",
    input,
  ]);
  const out: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
  try {
    await verifyCommand.run(args);
  } finally {
    log.mockRestore();
  }
  return answer(JSON.parse(out.join("\n")) as Answer);
}

const challenges = new PageChallenges("checkpoint:CN-SH:page");
const page = (text: string, now: number): Answer =>
  answer(verifyScan(text, { bundle, region: REGION, now, keyCache: new Map(), challenges }));

/** A seeded sample of mutations: a character changed, cut short, junk appended, prefixes swapped, a `~` inserted. */
function mutations(texts: readonly { text: string; now: number }[], count: number): { text: string; now: number }[] {
  let seed = 21;
  const rnd = (m: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % m);
  const alphabet = "ABCXYZ019-_.~:$% eyJ";
  const out: { text: string; now: number }[] = [];
  for (let i = 0; i < count; i++) {
    const { text, now } = texts[rnd(texts.length)]!;
    const at = rnd(text.length);
    const c = alphabet[rnd(alphabet.length)]!;
    const kind = rnd(6);
    const mutated =
      kind === 0
        ? text.slice(0, at) + c + text.slice(at + 1)
        : kind === 1
          ? text.slice(0, Math.max(1, at))
          : kind === 2
            ? text + c
            : kind === 3
              ? text
                  .replace(/^LZP1:/, "LZ1:")
                  .replace(/^LZ1:/, "LZP1:")
                  .replace(/^LZ2:/, "LZP1:")
                  .replace(/^eyJ/, "LZP1:eyJ")
              : kind === 4
                ? `${text.slice(0, at)}~${text.slice(at)}`
                : ` ${text}`;
    if (mutated.trim() !== "") out.push({ text: mutated, now });
  }
  return out;
}

const vectors = file.vectors.map((v) => ({ name: v.name, text: v.token, now: v.now }));
// Each accepted jwt_vc credential vector, printed on paper as an agency prints it.
const paper = file.vectors
  .filter((v) => v.kind === "credential" && v.expect.verdict === "accept" && formatOf(v.token).format.paper)
  .map((v) => ({ name: `paper: ${v.name}`, text: compactCredential(v.token), now: v.now }));
const mutated = mutations([...vectors, ...paper], 120).map((m, i) => ({ name: `mutation ${i}`, ...m }));

describe("the three entrances give one verdict per text", () => {
  it.each([...vectors, ...paper, ...mutated].map((t) => [t.name, t] as const))("%s", async (_name, t) => {
    const fromPage = page(t.text, t.now);
    const fromService = await service(t.text, t.now);
    if (fromService !== undefined)
      expect({ text: t.text.slice(0, 12), service: fromService }).toEqual({
        text: t.text.slice(0, 12),
        service: fromPage,
      });
    else expect(t.text.length).toBeGreaterThan(4 * 4296);
    const fromCli = await cli(t.text, t.now);
    const { form } = formatOf(t.text.trim());
    if (form === "credential" || notLaissezText(t.text.trim())) {
      // A bare credential or a stranger's text: the checkpoint refuses it; the CLI verifies it as core's verifyToken does.
      // (or, for a text of no Laissez shape, "not a Laissez QR code")
      expect({ text: t.text.slice(0, 12), page: fromPage.reason }).toEqual({
        text: t.text.slice(0, 12),
        page: notLaissezText(t.text.trim()) ? "compact_malformed" : "presentation_required",
      });
      expect({ cli: fromCli }).toEqual({
        cli: answer(
          verifyToken(t.text.trim(), {
            bundle,
            region: REGION,
            now: t.now,
            verifier: nobleVerifier,
            keyCache: new Map(),
          }),
        ),
      });
    } else expect({ text: t.text.slice(0, 12), cli: fromCli }).toEqual({ text: t.text.slice(0, 12), cli: fromPage });
  });

  it("a credential printed for paper is accepted as paper at every entrance; a phone credential re-packed as paper refused at every one", async () => {
    for (const [prefix, expected] of [
      ["accept: a credential printed for paper", null],
      ["reject: a phone credential (bound to a holder key) lifted from a QR", "phone_credential_on_paper"],
    ] as const) {
      const v = file.vectors.find((x) => x.name.startsWith(prefix))!;
      const verdicts = [page(v.token, v.now), await service(v.token, v.now), await cli(v.token, v.now)];
      expect(verdicts).toEqual([0, 1, 2].map(() => ({ verdict: expected ? "reject" : "accept", reason: expected })));
    }
  });

  it("a phone credential's texts printed on paper get the paper verdict at every entrance", async () => {
    expect(paper.length).toBeGreaterThan(0);
    for (const t of paper) {
      const verdicts = [page(t.text, t.now), await service(t.text, t.now), await cli(t.text, t.now)];
      // Judged as paper everywhere (not malformed_jwt, not presentation_required): the type's paper policy and the identity claims decide.
      const alone = answer(
        verifyPaperCredential(t.text, {
          bundle,
          region: REGION,
          now: t.now,
          verifier: nobleVerifier,
          keyCache: new Map(),
        }),
      );
      expect(verdicts).toEqual([alone, alone, alone]);
      expect(["paper_identity_missing", "paper_not_allowed", "phone_credential_on_paper", null]).toContain(
        alone.reason,
      );
    }
  });
});
