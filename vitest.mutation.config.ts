import { defineConfig } from "vitest/config"
import { UnloadableFileAsFailedTest } from "./test/support/unloadableFileAsFailedTest.js"
import { packageAliases } from "./vitest.config.js"

/**
 * The tests that specify src/domain, for StrykerJS: the domain's own tests, the HTTP
 * tests, the operation tests and the repository conformance suite that exercise its rules.
 * The fuzz, concurrency and state-machine suites add minutes per mutant and no rule of
 * their own.
 */
export default defineConfig({
  resolve: { alias: packageAliases },
  test: {
    include: [
      "test/domain/**/*.test.ts",
      "test/http/**/*.test.ts",
      "test/golden/*.test.ts",
      "test/operations/*.test.ts",
      "test/adapters/memory.conformance.test.ts"
    ],
    exclude: ["test/operations/*.fuzz.test.ts", "test/operations/*.concurrency.test.ts"],
    reporters: ["default", new UnloadableFileAsFailedTest()],
    // As in vitest.config.ts: the initial run of a loaded machine must not fail on time.
    testTimeout: 120_000,
    hookTimeout: 180_000
  }
})
