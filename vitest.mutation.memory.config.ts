import { mutationTestConfig } from "./test/support/mutationConfig.js"

/**
 * The conformance kit alone, run on the in-memory repository, for StrykerJS
 * (`stryker.memory.json`): each mutant of the store is a store with one bug planted, and a
 * mutant that survives is a broken store the kit would let through.
 */
export default mutationTestConfig(["test/adapters/memory.conformance.test.ts"])
