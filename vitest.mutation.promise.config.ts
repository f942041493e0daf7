import { defineConfig } from "vitest/config"
import { UnloadableFileAsFailedTest } from "./test/support/unloadableFileAsFailedTest.js"
import { packageAliases } from "./vitest.config.js"

/**
 * The tests that specify what the Promise adapter reads from a host's store and hands it,
 * for StrykerJS (`stryker.promise.json`): the Promise facade's tests and the Promise
 * store's conformance run.
 */
export default defineConfig({
  resolve: { alias: packageAliases },
  test: {
    include: ["test/promise.test.ts", "test/promiseStore.test.ts", "test/adapters/promise.conformance.test.ts"],
    reporters: ["default", new UnloadableFileAsFailedTest()],
    // As in vitest.config.ts: the initial run of a loaded machine must not fail on time.
    testTimeout: 120_000,
    hookTimeout: 180_000
  }
})
