import { defineConfig } from "vitest/config";
import full from "./vitest.config.ts";

/**
 * `npm run test:fast`, the inner loop: core, the contracts on the in-process chain, and the unit
 * tests — no Chromium, no child processes, no long chains (under 2 minutes on 2 cores).
 * `npm test` stays the full suite CI runs; a test belongs here only if it stays that cheap.
 */
export const FAST_TESTS = [
  "test/core/**/*.test.ts",
  "test/contracts/registries.test.ts",
  "test/contracts/key-roles.test.ts",
  "test/lint/**/*.test.ts",
  "test/bench/**/*.test.ts",
  "test/interop/did-jwt-vc.test.ts",
  "test/web/pages.test.ts",
  "test/wallet/answer.test.ts",
  "test/wallet/receive-hardening.test.ts",
  "test/services/checkpoint-config.test.ts",
  "test/services/copy-times.test.ts",
  "test/services/http.test.ts",
  "test/services/http-edges.test.ts",
  "test/services/issuer-hardening.test.ts",
  "test/services/sync.test.ts",
];

export default defineConfig({ test: { ...full.test, include: FAST_TESTS } });
