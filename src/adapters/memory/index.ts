export * from "./authenticator.js"
export * from "./backfillRepository.js"
export * from "./transferLookup.js"
