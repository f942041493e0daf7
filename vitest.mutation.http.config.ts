import { defineConfig } from "vitest/config"
import { UnloadableFileAsFailedTest } from "./test/support/unloadableFileAsFailedTest.js"
import { packageAliases } from "./vitest.config.js"

/**
 * The tests that specify how a request reaches its endpoint, for StrykerJS
 * (`stryker.http.json`): the HTTP adapter's own tests, the standard handlers', the two
 * listings' (their queries and cursors), the golden responses and the reference host's
 * hostile requests.
 */
export default defineConfig({
  resolve: { alias: packageAliases },
  test: {
    include: [
      "test/http/**/*.test.ts",
      "test/handlers/**/*.test.ts",
      "test/golden/**/*.test.ts",
      "test/operations/listIncompleteBackfills.test.ts",
      "test/operations/listBackfillRuns.test.ts",
      "test/host/hardening.test.ts"
    ],
    reporters: ["default", new UnloadableFileAsFailedTest()],
    // As in vitest.config.ts: the initial run of a loaded machine must not fail on time.
    testTimeout: 120_000,
    hookTimeout: 180_000
  }
})
