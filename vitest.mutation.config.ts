import { mutationTestConfig } from "./test/support/mutationConfig.js"

/**
 * The tests that specify src/domain, for StrykerJS: the domain's own tests, the HTTP
 * tests, the operation tests and the repository conformance suite that exercise its rules.
 * The fuzz, concurrency and state-machine suites add minutes per mutant and no rule of
 * their own.
 */
export default mutationTestConfig(
  [
    "test/domain/**/*.test.ts",
    "test/http/**/*.test.ts",
    "test/golden/*.test.ts",
    "test/operations/*.test.ts",
    "test/adapters/memory.conformance.test.ts"
  ],
  ["test/operations/*.fuzz.test.ts", "test/operations/*.concurrency.test.ts"]
)
