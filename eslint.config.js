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
          patterns: [
            { group: ["node:*"], message: "core/ is pure: effects come in as arguments." },
            { group: ["ethers", "ethers/*", "express", "hardhat", "hardhat/*", "fs", "path", "crypto", "http", "https", "net"], message: "core/ is pure: no I/O, no ethers, no express." },
            { group: ["../services/*", "../wallet/*", "../scripts/*", "../../*"], message: "core/ imports nothing from the rest of the project." },
          ],
        },
      ],
    },
  },
);
