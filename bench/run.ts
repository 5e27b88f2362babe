/**
 * `npm run bench`: runs every benchmark section, prints the figures, merges them into
 * bench/results.json and rewrites BENCHMARKS.md. Speed goals live here, not in tests.
 */
import { benchGas } from "./gas.ts";
import { benchVerify } from "./verify.ts";
import { benchBundle } from "./bundle.ts";
import { benchIssuer } from "./issuer.ts";
import { AUDIT_LAG_TITLE, benchAuditLag } from "./audit-lag.ts";
import { BATCH_TITLE, benchBatch } from "./batch.ts";
import { benchCheckpointInOwnProcess } from "./checkpoint.ts";
import { benchQr } from "./qr.ts";
import { benchSdJwt } from "./sd-jwt.ts";
import { benchTrustModel } from "./trust-model.ts";
import { benchScale } from "./scale.ts";
import { SOAK_TITLE } from "./soak.ts";
import { keepUnrun, renderMarkdown, spliceSection, writeResults, type Figures, type Section } from "./report.ts";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const SCALE_TITLE =
  "National scale: 34 regions, 1.9 × 10^9 entries, 10^6 status changes an hour (measured at 10^8, modelled)";
const RESULTS = new URL("./results.json", import.meta.url).pathname;

/** `npm run bench -- --only scale`: the national-scale section alone, spliced into BENCHMARKS.md in place. */
async function onlyScale(): Promise<void> {
  const previous = JSON.parse(readFileSync(RESULTS, "utf8")) as Figures;
  const scale = await benchScale(previous["bundle.verify_p99_us"]?.value ?? 0);
  for (const [name, f] of Object.entries(scale.figures))
    console.log(`${name.padEnd(48)} ${String(f.value).padStart(12)} ${f.unit}`);
  writeResults(RESULTS, scale.figures);
  const file = new URL("../BENCHMARKS.md", import.meta.url);
  const md = readFileSync(file, "utf8");
  const section = renderMarkdown([{ title: SCALE_TITLE, figures: scale.figures, notes: scale.notes }], "", new Date())
    .split(/\n(?=## )/)
    .slice(1)
    .join("\n");
  const start = md.indexOf(`## ${SCALE_TITLE}`);
  const end = start < 0 ? -1 : md.indexOf("\n## ", start + 3);
  const next =
    start < 0
      ? `${md.trimEnd()}\n\n${section}`
      : `${md.slice(0, start)}${section.trimEnd()}\n${end < 0 ? "" : md.slice(end)}`;
  writeFileSync(file, next.endsWith("\n") ? next : `${next}\n`);
}

/** `npm run bench -- --only batch|audit`: one section alone, merged into results.json and spliced into BENCHMARKS.md. */
async function onlySection(
  title: string,
  only: string,
  run: () => Promise<{ figures: Figures; notes: string }>,
): Promise<void> {
  const section = await run();
  for (const [name, f] of Object.entries(section.figures))
    console.log(`${name.padEnd(48)} ${String(f.value).padStart(12)} ${f.unit}`);
  writeResults(RESULTS, section.figures);
  const file = new URL("../BENCHMARKS.md", import.meta.url);
  writeFileSync(
    file,
    spliceSection(readFileSync(file, "utf8"), { title, ...section }, `npm run bench -- --only ${only}`, new Date()),
  );
}

async function main(): Promise<void> {
  const sections: Section[] = [];

  const gas = await benchGas();
  const perRandom = gas["gas.revoke_1000_random_per_credential"]?.value ?? 0;
  const perConsecutive = gas["gas.revoke_1000_consecutive_per_credential"]?.value ?? 0;
  sections.push({
    title: "Gas of ledger writes (EDR, cancun, optimizer 200 runs)",
    figures: gas,
    notes: [
      "Each revocation batch runs on a fresh 131,072-entry list, so every word it touches starts empty (the costliest case).",
      "Indices are packed into one (word, mask) pair per 256-bit word before the transaction.",
      "",
      `**Gas per revoked credential**: ${perRandom.toLocaleString("en-US")} with 1,000 random indices in one transaction`,
      `(1,000 random indices touch about 440 of the list's 512 words: a fresh storage slot each),`,
      `${perConsecutive.toLocaleString("en-US")} with 1,000 consecutive ones (4 words).`,
      "On the production Besu network gas price is zero: gas bounds block capacity, not cost.",
    ].join("\n"),
  });

  const verify = await benchVerify();
  sections.push({
    title: "Verification: bare signature vs laissez offline vs did-jwt + ethr-did-resolver",
    figures: verify.figures,
    notes: verify.notes,
  });

  const big = await benchBundle();
  sections.push({
    title: "Trust bundle at scale: 10 regions, 100 agencies, 1M status entries",
    figures: big.figures,
    notes: big.notes,
  });

  const scale = await benchScale(big.figures["bundle.verify_p99_us"]?.value ?? 0);
  sections.push({ title: SCALE_TITLE, figures: scale.figures, notes: scale.notes });

  const batch = await benchBatch();
  sections.push({ title: BATCH_TITLE, figures: batch.figures, notes: batch.notes });

  const issuer = await benchIssuer();
  sections.push({
    title: "Issuer service: issuance throughput and anchoring",
    figures: issuer.figures,
    notes: issuer.notes,
  });

  const auditLag = await benchAuditLag();
  sections.push({ title: AUDIT_LAG_TITLE, figures: auditLag.figures, notes: auditLag.notes });

  const checkpoint = await benchCheckpointInOwnProcess();
  sections.push({
    title: "Checkpoint service: /verify over HTTP vs in process (same run)",
    figures: checkpoint.figures,
    notes: checkpoint.notes,
  });

  const qr = await benchQr();
  sections.push({
    title: "Presentation QR codes: VP JWT vs the compact QR form",
    figures: qr.figures,
    notes: qr.notes,
  });

  const model = await benchTrustModel(gas);
  sections.push({
    title: "Trust options: anchored issuance and batch copies (measured sizes, modelled gas)",
    figures: model.figures,
    notes: model.notes,
  });

  const sd = await benchSdJwt();
  sections.push({
    title: "SD-JWT VC: presentation verification, QR sizes, Token Status List",
    figures: sd.figures,
    notes: sd.notes,
  });

  const all: Figures = Object.assign({}, ...sections.map((s) => s.figures));
  for (const [name, f] of Object.entries(all))
    console.log(`${name.padEnd(48)} ${String(f.value).padStart(12)} ${f.unit}`);
  writeResults(RESULTS, all);
  // Sections measured on their own (the soak: `npm run soak`) stay as they were.
  const file = new URL("../BENCHMARKS.md", import.meta.url);
  writeFileSync(
    file,
    keepUnrun(
      existsSync(file) ? readFileSync(file, "utf8") : "",
      renderMarkdown(sections, "npm run bench", new Date()),
      [SOAK_TITLE],
    ),
  );
}

if (process.argv.includes("--only") && process.argv.includes("scale")) await onlyScale();
else if (process.argv.includes("--only") && process.argv.includes("batch"))
  await onlySection(BATCH_TITLE, "batch", benchBatch);
else if (process.argv.includes("--only") && process.argv.includes("audit"))
  await onlySection(AUDIT_LAG_TITLE, "audit", () => benchAuditLag());
else await main();
process.exit(0);
