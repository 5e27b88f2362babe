import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { verifyPaperCredential } from "../../core/index.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import { writeFileAtomic } from "../../io/files.ts";
import { EXIT, requireString, stringOption, UsageError, type Command } from "../cli.ts";
import { anchorOption, bundleText, claimsOption, issuerService, loadRegionBundle, validForOption } from "../context.ts";
import { DEV_CHAIN_ID } from "../demo/consortium.ts";
import { htmlText, requireGlyphs } from "../fonts.ts";
import { printPaperCredential } from "../paper.ts";

/** Chinese the printed page always carries (web/paper-page.ts). */
const PAPER_WORDS = "姓名出生日期签发机关地区有效期至纸质证件核验点须将和与持证人的身份核对二维码";

/** Chromium prints the page to PDF (its print engine is the one the page's print CSS is written for). */
function printPdf(html: string, pdf: string): void {
  const chromium = process.env.LAISSEZ_CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(chromium))
    throw new UsageError(`--pdf needs Chromium (not found at ${chromium}; set LAISSEZ_CHROMIUM)`);
  // The holder's name is what staff compare with the ID card: boxes in its place are refused, not printed.
  requireGlyphs(htmlText(readFileSync(html, "utf8")), `the paper credential ${html}`);
  const run = spawnSync(
    chromium,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-pdf-header-footer",
      `--print-to-pdf=${resolve(pdf)}`,
      pathToFileURL(resolve(html)).href,
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (run.status !== 0 || !existsSync(pdf))
    throw new Error(
      `Chromium could not print ${html} to PDF: ${run.stderr.split("\n").find((l) => l.trim()) ?? `exit ${run.status}`}`,
    );
}

/**
 * `laissez paper`: an agency's desk prints a credential for a citizen without a smartphone. The
 * issuer service issues it (its checks apply); the credential is checked against the region's
 * signed bundle before printing (a type the region's policy keeps off paper is not printed),
 * which also names the agency on the page.
 */
export const paperCommand: Command = {
  name: "paper",
  summary: "print a paper credential (issued by the agency's issuer service): a bilingual A5 page with its QR code",
  usage:
    "laissez paper --type T --claims JSON --out FILE.html --bundle FILE|URL [--region CN-ZJ] [--valid-for S] [--pdf FILE.pdf] [--service URL]   (LAISSEZ_ISSUER_TOKEN)",
  options: {
    service: { type: "string" },
    "token-file": { type: "string" },
    type: { type: "string" },
    claims: { type: "string" },
    "valid-for": { type: "string" },
    bundle: { type: "string" },
    region: { type: "string" },
    authority: { type: "string" },
    "chain-id": { type: "string", default: String(DEV_CHAIN_ID) },
    out: { type: "string" },
    pdf: { type: "string" },
    json: { type: "boolean" },
  },
  async run({ values }) {
    const type = requireString(values, "type");
    const out = requireString(values, "out");
    const claims = claimsOption(values);
    // Before anything is read or issued: a PDF of this holder's name (and the page's Chinese) needs a font that has it.
    if (stringOption(values, "pdf"))
      requireGlyphs(`${JSON.stringify(claims)}${PAPER_WORDS}`, "--pdf of the holder's name and the page's Chinese");
    const anchor = anchorOption(values, (stringOption(values, "region") ?? "CN-ZJ").trim().toUpperCase());
    const { bundle } = loadRegionBundle(await bundleText(requireString(values, "bundle")), anchor, undefined);
    const { url, token } = issuerService(values);
    const validFor = validForOption(values);
    const printed = await printPaperCredential({
      issuerUrl: url,
      token,
      type,
      claims,
      ...(validFor ? { validFor } : {}),
      agencyOf: (address) => bundle.issuers[address],
    });
    // What a checkpoint will do with it, before paper and ink are spent: policy, accreditation, status.
    // As of the bundle at the latest (this desk's clock may lag the chain's; the checkpoint checks its own).
    const verdict = verifyPaperCredential(printed.qrText, {
      bundle,
      region: printed.region,
      now: Math.max(Math.floor(Date.now() / 1000), bundle.block.timestamp),
      verifier: nativeVerifier,
    });
    if (verdict.verdict !== "accept")
      throw new Error(
        `not printed: the credential ${printed.id} would not be accepted on paper (${verdict.reason}); it stays recorded at the issuer service`,
      );
    writeFileAtomic(out, printed.html);
    const pdf = stringOption(values, "pdf");
    if (pdf) printPdf(out, pdf);
    const result = {
      id: printed.id,
      html: out,
      pdf: pdf ?? null,
      qrVersion: printed.qrVersion,
      qrCharacters: printed.qrText.length,
    };
    console.log(
      values.json
        ? JSON.stringify(result)
        : `printed ${type} ${printed.id} → ${out}${pdf ? ` and ${pdf}` : ""} (QR version ${printed.qrVersion}, ${result.qrCharacters} characters)`,
    );
    return EXIT.ok;
  },
};
