import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "artifacts/", "cache/", "types/", "coverage/", ".data/", "test-output/", "dist/"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // core/ runs in the browser too: no I/O, no ethers, no express, no node:* (DESIGN.md rule 1).
    files: ["core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: corePatterns(["../services/*", "../wallet/*", "../scripts/*", "../../*"]),
        },
      ],
    },
  },
  {
    // A format's folder (core/formats/<format>/) reaches core's shared modules two levels up, and nothing above core.
    files: ["core/formats/*/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: corePatterns(["../../../*"]),
        },
      ],
    },
  },
  ...boundaries(),
);

/**
 * Import boundaries between the top-level folders (each folder's README says the same in
 * words). ESLint lets the last matching config win, so every file falls in exactly one zone
 * below and each zone lists all of its refusals. `core/` is guarded above.
 */
function boundaries() {
  const NODE = {
    group: ["node:*", "fs", "path", "crypto", "http", "https", "net", "child_process"],
    message: "browser code: no node:* modules.",
  };
  // `^(\.\./)+X/`: the project folder X, reached from any depth.
  const out = (folders, message) => ({ regex: `^(\\.\\./)+(${folders.join("|")})/`, message });
  const services = (subfolders, message) => ({ regex: `^(\\.\\./)+(services/)?(${subfolders.join("|")})/`, message });
  const NOT_SCRIPTS = out(["scripts", "test", "bench"], "only tests and benchmarks import scripts/ and test/.");
  const PAGE_UI = out(["web"], "web/ is page code: libraries and services do not import it.");
  // Outside core/, core is used only through its public API, core/index.ts (core/README.md). Tests
  // are in no zone: test/core tests core's modules one by one, test/vectors crafts tokens from them.
  const CORE_API = {
    regex: "(^|/)core/(?!index\\.ts$)",
    message: "import core only through core/index.ts, its public API (core/README.md).",
  };
  const zone = (files, patterns, ignores = []) => ({
    files,
    ignores,
    rules: { "no-restricted-imports": ["error", { patterns: [...patterns, CORE_API] }] },
  });
  const PAGES = ["web/**/*.ts", "wallet/web/**/*.ts", "services/checkpoint/web/**/*.ts"];
  const NODE_WALLET = ["wallet/file-store.ts"];
  return [
    zone(["io/**/*.ts"], [{ regex: "^\\.\\./", message: "io/ is a leaf: Node helpers with no project imports." }]),
    // Shared page code (and the QR drawing every page, the wallet and the CLI use): core/ only.
    zone(
      ["web/**/*.ts"],
      [
        NODE,
        NOT_SCRIPTS,
        out(["services", "io", "wallet"], "web/ is below the pages and the wallet: it imports core/ only."),
      ],
    ),
    zone(
      ["wallet/web/**/*.ts"],
      [
        NODE,
        NOT_SCRIPTS,
        out(["services", "io"], "the web wallet runs in the browser."),
        { regex: "^\\.\\./file-store\\.ts$", message: "the Node-only wallet module stays out of the page." },
      ],
    ),
    zone(
      ["services/checkpoint/web/**/*.ts"],
      [
        NODE,
        NOT_SCRIPTS,
        out(["io", "wallet"], "the checkpoint page imports core/ and web/ only."),
        {
          regex: "^\\.\\./(?!\\.\\./\\.\\./(core|web)/)",
          message: "the checkpoint page imports core/ and web/ only, not the service.",
        },
      ],
    ),
    zone(
      ["wallet/**/*.ts"],
      [
        NODE,
        NOT_SCRIPTS,
        PAGE_UI,
        out(["services", "io"], "the wallet library is browser-safe; Node I/O lives in file-store.ts."),
        { regex: "^\\./file-store\\.ts$", message: "browser-safe wallet modules do not import the Node-only one." },
      ],
      [...PAGES, ...NODE_WALLET],
    ),
    zone(NODE_WALLET, [NOT_SCRIPTS, PAGE_UI, out(["services"], "the wallet does not import services/.")]),
    // services/: each service and adapter stands alone; what two of them share sits in services/*.ts.
    zone(
      ["services/issuer/**/*.ts"],
      [
        NOT_SCRIPTS,
        PAGE_UI,
        out(["wallet"], "services do not import the wallet."),
        services(
          ["checkpoint"],
          "the issuer does not import the checkpoint service: shared code goes to services/*.ts.",
        ),
      ],
    ),
    zone(
      ["services/checkpoint/**/*.ts"],
      [
        NOT_SCRIPTS,
        PAGE_UI,
        out(["wallet"], "services do not import the wallet."),
        services(["issuer"], "the checkpoint does not import the issuer service: shared code goes to services/*.ts."),
      ],
      PAGES,
    ),
    zone(
      ["services/signer/**/*.ts"],
      [
        NOT_SCRIPTS,
        PAGE_UI,
        out(["wallet"], "services do not import the wallet."),
        services(
          ["issuer", "checkpoint", "chain"],
          "the signer service knows no other service and no chain client: it reads transactions, it does not send them.",
        ),
      ],
    ),
    zone(
      ["services/http/**/*.ts"],
      [
        NOT_SCRIPTS,
        PAGE_UI,
        out(["wallet"], "services do not import the wallet."),
        services(
          ["issuer", "checkpoint", "chain"],
          "services/http/ is the shared HTTP layer: it knows no service and no chain.",
        ),
      ],
    ),
    zone(
      ["services/chain/**/*.ts", "services/crypto/**/*.ts"],
      [
        NOT_SCRIPTS,
        PAGE_UI,
        out(["wallet"], "services do not import the wallet."),
        services(["issuer", "checkpoint", "signer", "http"], "adapters do not import the services built on them."),
      ],
    ),
    zone(
      ["services/*.ts"],
      [
        NOT_SCRIPTS,
        PAGE_UI,
        out(["wallet"], "services do not import the wallet."),
        {
          regex: "^\\./(issuer|checkpoint|signer|chain|http|crypto)/",
          message: "services/*.ts is shared by the services: it imports none of them.",
        },
      ],
    ),
    // scripts/: commands are leaves (only laissez.ts imports them, and none imports another).
    zone(
      ["scripts/commands/**/*.ts"],
      [
        out(["test"], "only tests import test/."),
        out(["bench"], "the CLI does not import bench/: the benchmark runners live there."),
        { regex: "^\\./", message: "a command does not import another command: shared code goes to scripts/*.ts." },
      ],
    ),
    zone(
      ["scripts/**/*.ts"],
      [
        out(["test"], "only tests import test/."),
        out(["bench"], "the CLI does not import bench/: the benchmark runners live there."),
        { regex: "(^|/)commands/", message: "only laissez.ts imports scripts/commands/." },
      ],
      ["scripts/commands/**", "scripts/laissez.ts"],
    ),
    zone(["bench/**/*.ts"], [{ regex: "^(\\.\\./)+test/(?!helpers/)", message: "benchmarks use test/helpers/ only." }]),
  ];
}

/** core/ runs in the browser too: no I/O, no ethers, no express, no node:*, and nothing above core (`outside`: the paths that leave it from the file's depth). */
function corePatterns(outside) {
  return [
    { group: ["node:*"], message: "core/ is pure: effects come in as arguments." },
    {
      group: ["ethers", "ethers/*", "express", "hardhat", "hardhat/*", "fs", "path", "crypto", "http", "https", "net"],
      message: "core/ is pure: no I/O, no ethers, no express.",
    },
    { group: outside, message: "core/ imports nothing from the rest of the project." },
  ];
}
