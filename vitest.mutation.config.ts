import { defineConfig } from "vitest/config"
import { UnloadableFileAsFailedTest } from "./test/support/unloadableFileAsFailedTest.js"

/**
 * The tests that specify src/domain, for StrykerJS: the domain's own tests and the
 * operation tests that exercise its rules through scheduling. The fuzz and concurrency
 * suites add minutes per mutant and no domain rule of their own.
 */
export default defineConfig({
  test: {
    include: ["test/domain/**/*.test.ts", "test/wire/**/*.test.ts", "test/operations/scheduleBackfill.test.ts"],
    reporters: ["default", new UnloadableFileAsFailedTest()]
  }
})
