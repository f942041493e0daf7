/**
 * `transfer-backfills/memory`: every port in this process's memory, for tests, demos and
 * single-process tools. The repository keeps the promises of the PostgreSQL one (it
 * passes the same conformance suite); nothing survives the process.
 *
 * @module transfer-backfills/memory
 */
export * from "../cachedAuthenticator.js"
export * from "./authenticator.js"
export * from "./backfillRepository.js"
export * from "./transferLookup.js"
