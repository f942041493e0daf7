/**
 * transfer-backfills: the domain core of a transfer service's backfill API. This entry
 * imports no web framework and no database driver.
 */

export * from "./adapters/memory/index.js"
export * from "./domain/access.js"
export * from "./domain/backfill.js"
export * from "./domain/calendarDate.js"
export * from "./domain/dateRange.js"
export * from "./domain/errors.js"
export * from "./domain/ids.js"
export * from "./domain/policy.js"
export * from "./domain/requestId.js"
export * from "./domain/scheduleRules.js"
export * from "./domain/status.js"
export * from "./domain/time.js"
export * from "./domain/transfer.js"
export * from "./handlers.js"
export * from "./operations/scheduleBackfill.js"
export * from "./ports/authenticator.js"
export * from "./ports/backfillRepository.js"
export * from "./ports/transferLookup.js"
export * from "./wire/envelopes.js"
export * from "./wire/httpResponse.js"
export * from "./wire/json.js"
export * from "./wire/request.js"
