/**
 * The import boundaries in eslint.config.js refuse what they should and let through what the
 * folders' READMEs allow: each case lints one import line as if it were in the named file.
 */
import { ESLint } from "eslint";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: fileURLToPath(new URL("../..", import.meta.url)) });

async function refusals(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import { x } from "${source}";\nexport { x };\n`, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

// [file, import] pairs the issue named as leaks, and their kin.
const REFUSED: readonly (readonly [string, string])[] = [
  ["wallet/file-store.ts", "../services/files.ts"],
  ["wallet/receive.ts", "../services/http/app.ts"],
  ["wallet/receive.ts", "node:fs"],
  ["wallet/present.ts", "./file-store.ts"],
  ["wallet/web/app.ts", "../file-store.ts"],
  ["wallet/web/app.ts", "../../scripts/qr-file.ts"],
  ["services/checkpoint/web/app.ts", "../../../wallet/web/ui.ts"],
  ["services/checkpoint/web/app.ts", "../app.ts"],
  ["services/checkpoint/web/app.ts", "node:fs"],
  ["services/issuer/main.ts", "../checkpoint/schemas.ts"],
  ["services/issuer/app.ts", "../checkpoint/sync.ts"],
  ["services/checkpoint/app.ts", "../issuer/store.ts"],
  ["services/checkpoint/app.ts", "../../wallet/qr.ts"],
  ["services/http/app.ts", "../chain/ledger.ts"],
  ["services/chain/ledger.ts", "../http/app.ts"],
  ["services/signer/app.ts", "../issuer/store.ts"],
  ["services/crypto/pkcs11-signer.ts", "../signer/config.ts"],
  ["services/schemas.ts", "./checkpoint/sync.ts"],
  ["services/issuer/app.ts", "../../scripts/context.ts"],
  ["services/issuer/app.ts", "../../web/ui.ts"],
  ["scripts/system.ts", "./commands/chain.ts"],
  ["scripts/demo/scenario.ts", "../commands/up.ts"],
  ["scripts/commands/up.ts", "./chain.ts"],
  ["scripts/context.ts", "../test/helpers/chain.ts"],
  ["web/ui.ts", "../wallet/store.ts"],
  // The two arrows that ran back up (issue 21): web/ → wallet/ (QR drawing now in web/qr.ts), scripts/ → bench/ (runners now in bench/).
  ["web/ui.ts", "../wallet/qr.ts"],
  ["scripts/system.ts", "../bench/report.ts"],
  ["scripts/commands/up.ts", "../../bench/load.ts"],
  ["web/ui.ts", "../services/http/app.ts"],
  ["web/ui.ts", "node:fs"],
  ["io/files.ts", "../core/json.ts"],
  ["bench/verify.ts", "../test/vectors/generate.ts"],
  // core only through its public API
  ["services/checkpoint/web/app.ts", "../../../core/verify.ts"],
  ["services/issuer/publish.ts", "../../core/status-bits.ts"],
  ["wallet/receive.ts", "../core/jwt.ts"],
  ["web/ui.ts", "../core/bundle-codec.ts"],
  ["scripts/commands/checkpoint.ts", "../../core/verify.ts"],
  ["bench/verify.ts", "../core/trust-checks.ts"],
  // a format's folder reaches core's shared modules, nothing above core
  ["core/formats/jwt-vc/paper.ts", "../../../services/http/app.ts"],
  ["core/formats/sd-jwt-vc/sd-jwt.ts", "../../../wallet/present.ts"],
  ["core/formats/jwt-vc/paper.ts", "node:zlib"],
  ["core/formats/index.ts", "../../services/http/app.ts"],
];

const ALLOWED: readonly (readonly [string, string])[] = [
  ["wallet/file-store.ts", "../io/files.ts"],
  ["wallet/web/app.ts", "../../web/ui.ts"],
  ["wallet/web/app.ts", "../receive.ts"],
  ["services/checkpoint/web/app.ts", "../../../web/ui.ts"],
  ["services/checkpoint/web/app.ts", "../../../core/index.ts"],
  ["services/issuer/app.ts", "../../core/index.ts"],
  ["bench/verify.ts", "../core/index.ts"],
  ["services/issuer/main.ts", "../schemas.ts"],
  ["services/checkpoint/keeper.ts", "../../io/files.ts"],
  ["web/ui.ts", "./qr.ts"],
  ["wallet/web/qr-view.ts", "../../web/qr.ts"],
  ["scripts/qr-file.ts", "../web/qr.ts"],
  ["bench/run.ts", "./report.ts"],
  ["scripts/laissez.ts", "./commands/chain.ts"],
  ["scripts/system.ts", "./dev-chain.ts"],
  ["scripts/commands/up.ts", "../system.ts"],
  ["bench/verify.ts", "../test/helpers/chain.ts"],
  ["core/formats/jwt-vc/paper.ts", "../../qr-text.ts"],
  ["core/formats/index.ts", "../verify.ts"],
];

describe("import boundaries (eslint.config.js)", () => {
  it.each(REFUSED)("%s may not import %s", async (file, source) => {
    expect(await refusals(file, source)).not.toEqual([]);
  });
  it.each(ALLOWED)("%s may import %s", async (file, source) => {
    expect(await refusals(file, source)).toEqual([]);
  });
});
