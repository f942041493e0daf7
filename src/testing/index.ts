/**
 * `transfer-backfills/testing`: what a host needs to test its own code against the
 * library's contracts.
 */
export * as Arbitraries from "./arbitraries.js"
