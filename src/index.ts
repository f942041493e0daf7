/**
 * transfer-backfills: the domain core of a transfer service's backfill API. This entry
 * imports no web framework and no database driver, and exports no adapter: the ports'
 * implementations are entries of their own (`transfer-backfills/memory`,
 * `transfer-backfills/postgres`).
 *
 * @module transfer-backfills
 */

export * from "./domain/access.js"
export * from "./domain/backfill.js"
export * from "./domain/calendarDate.js"
export * from "./domain/dateRange.js"
export * from "./domain/errors.js"
export * from "./domain/events.js"
export * from "./domain/idempotency.js"
export * from "./domain/ids.js"
export type { Materialised, RecordedOutcome } from "./domain/lifecycle.js"
/**
 * The backfill state machine as pure functions: what each event does to a backfill and
 * its runs, shared by every repository adapter.
 *
 * @since 0.1.0
 * @category namespaces
 */
export * as Lifecycle from "./domain/lifecycle.js"
export * from "./domain/policy.js"
export * from "./domain/requestId.js"
export * from "./domain/runs.js"
export * from "./domain/scheduleRules.js"
export * from "./domain/status.js"
export * from "./domain/time.js"
export * from "./domain/transfer.js"
export * from "./domain/turns.js"
export * from "./domain/workerErrors.js"
export { authenticate, type HostRequest } from "./http/caller.js"
export type { EndpointContract, OwnErrorStatus } from "./http/contract.js"
export { answerMatched, type DispatchOptions, dispatch, type IncomingApiRequest } from "./http/dispatch.js"
export * from "./http/endpoint.js"
export * from "./http/endpoints.js"
export * from "./http/envelopes.js"
export * from "./http/errors.js"
export * from "./http/headerLimit.js"
export * from "./http/json.js"
export type { BackfillPageResponse, RunPageResponse } from "./http/listing.js"
export * from "./http/observe.js"
export * from "./http/pageCursor.js"
export * from "./http/pathMatch.js"
export * from "./http/preview.js"
export * from "./http/request.js"
export { logForRequest } from "./http/requestLogs.js"
export * from "./http/response.js"
export * from "./http/routes.js"
export * from "./http/runs.js"
/**
 * The library's metrics (Effect `Metric`s with OpenTelemetry names and units) and the
 * gauges a host refreshes when it collects them (`recordBackfillGauges`).
 *
 * @since 0.3.0
 * @category namespaces
 */
export * as BackfillMetrics from "./metrics/index.js"
export type { ReadError } from "./operations/access.js"
export * from "./operations/cancelBackfill.js"
export * from "./operations/deferred.js"
export * from "./operations/eventRelay.js"
export * from "./operations/getBackfill.js"
export type { IdempotencyKeyInput } from "./operations/idempotency.js"
export * from "./operations/latestBackfill.js"
export * from "./operations/listBackfillRuns.js"
export * from "./operations/listIncompleteBackfills.js"
export { type ListingQuery, MAX_PAGE_SIZE } from "./operations/paging.js"
export * from "./operations/previewBackfill.js"
export * from "./operations/retryBackfill.js"
export * from "./operations/scheduleBackfill.js"
export type { RunExecutor, WorkerOptions } from "./operations/worker.js"
/**
 * The worker side: the loop that drives backfills to completion (`runWorker`), its health,
 * and each step on its own (materialise, claim, start a run, record its outcome, retry).
 *
 * @since 0.2.0
 * @category namespaces
 */
export * as BackfillWorker from "./operations/worker.js"
export * from "./ports/authenticator.js"
export * from "./ports/backfillOutbox.js"
export * from "./ports/backfillRepository.js"
export * from "./ports/backfillStatistics.js"
export * from "./ports/eventSink.js"
export * from "./ports/keyReplay.js"
export * from "./ports/transferLookup.js"
