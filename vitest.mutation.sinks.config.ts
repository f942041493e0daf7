import { defineConfig } from "vitest/config"
import { UnloadableFileAsFailedTest } from "./test/support/unloadableFileAsFailedTest.js"
import { packageAliases } from "./vitest.config.js"

/**
 * The tests of the two event sinks, for StrykerJS (`stryker.sinks.json`): the signed
 * webhooks, JetStream, and the reference host's relay to JetStream (which ensures the
 * default stream). The JetStream tests need `NATS_URL`; without it they skip, and their
 * mutants count as uncovered.
 */
export default defineConfig({
  resolve: { alias: packageAliases },
  test: {
    include: ["test/adapters/webhooks.test.ts", "test/adapters/nats.test.ts", "test/host/eventsNats.test.ts"],
    reporters: ["default", new UnloadableFileAsFailedTest()],
    // As in vitest.config.ts: the initial run of a loaded machine must not fail on time.
    testTimeout: 120_000,
    hookTimeout: 180_000
  }
})
