import { mutationTestConfig } from "./test/support/mutationConfig.js"

/**
 * The tests that specify what the Promise adapter reads from a host's store and hands it,
 * for StrykerJS (`stryker.promise.json`): the Promise facade's tests and the Promise
 * store's conformance run.
 */
export default mutationTestConfig([
  "test/promise.test.ts",
  "test/promiseStore.test.ts",
  "test/adapters/promise.conformance.test.ts"
])
