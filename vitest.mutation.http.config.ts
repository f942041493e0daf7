import { mutationTestConfig } from "./test/support/mutationConfig.js"

/**
 * The tests that specify how a request reaches its endpoint, for StrykerJS
 * (`stryker.http.json`): the HTTP adapter's own tests, the standard handlers', the two
 * listings' (their queries and cursors), the golden responses and the reference host's
 * hostile requests.
 */
export default mutationTestConfig([
  "test/http/**/*.test.ts",
  "test/handlers/**/*.test.ts",
  "test/golden/**/*.test.ts",
  "test/operations/listIncompleteBackfills.test.ts",
  "test/operations/listBackfillRuns.test.ts",
  "test/host/hardening.test.ts"
])
