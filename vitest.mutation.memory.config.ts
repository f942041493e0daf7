import { defineConfig } from "vitest/config"
import { UnloadableFileAsFailedTest } from "./test/support/unloadableFileAsFailedTest.js"
import { packageAliases } from "./vitest.config.js"

/**
 * The conformance kit alone, run on the in-memory repository, for StrykerJS
 * (`stryker.memory.json`): each mutant of the store is a store with one bug planted, and a
 * mutant that survives is a broken store the kit would let through.
 */
export default defineConfig({
  resolve: { alias: packageAliases },
  test: {
    include: ["test/adapters/memory.conformance.test.ts"],
    reporters: ["default", new UnloadableFileAsFailedTest()],
    // As in vitest.config.ts: the initial run of a loaded machine must not fail on time.
    testTimeout: 120_000,
    hookTimeout: 180_000
  }
})
