import { mutationTestConfig } from "./test/support/mutationConfig.js"

/**
 * The tests of the two event sinks, for StrykerJS (`stryker.sinks.json`): the signed
 * webhooks, JetStream, and the reference host's relay to JetStream (which ensures the
 * default stream). The JetStream tests need `NATS_URL`; without it they skip, and their
 * mutants count as uncovered.
 */
export default mutationTestConfig([
  "test/adapters/webhooks.test.ts",
  "test/adapters/nats.test.ts",
  "test/host/eventsNats.test.ts"
])
