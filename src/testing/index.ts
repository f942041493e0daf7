/**
 * `transfer-backfills/testing`: what a host needs to test its own code against the
 * library's contracts. The conformance suite needs `vitest` and `@effect/vitest`.
 */
export * as Arbitraries from "./arbitraries.js"
export { backfillRepositoryConformance, type Repositories, workerRepositoryConformance } from "./conformance.js"
