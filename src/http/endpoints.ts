/**
 * The endpoint table: every endpoint of the API once, by name, in SPEC §1's order, then
 * those beyond the seed (preview, retry, the ledger). The route list hosts loop over
 * (`API_ROUTES`), the Promise facade's methods and the HttpApi definition are derived from
 * it: a new endpoint is a module of `endpoints/` (its request, handler and entry) and a
 * line here.
 */
import type { Endpoint } from "./endpoint.js"
import { cancelBackfillEndpoint } from "./endpoints/cancelBackfill.js"
import { getBackfillEndpoint } from "./endpoints/getBackfill.js"
import { latestBackfillEndpoint } from "./endpoints/latestBackfill.js"
import { listBackfillRunsEndpoint } from "./endpoints/listBackfillRuns.js"
import { listIncompleteBackfillsEndpoint } from "./endpoints/listIncompleteBackfills.js"
import { previewBackfillEndpoint } from "./endpoints/previewBackfill.js"
import { retryBackfillEndpoint } from "./endpoints/retryBackfill.js"
import { scheduleBackfillEndpoint } from "./endpoints/scheduleBackfill.js"

export { type CancelBackfillRequest, handleCancelBackfill } from "./endpoints/cancelBackfill.js"
export { type GetBackfillRequest, handleGetBackfill } from "./endpoints/getBackfill.js"
export { handleLatestBackfill, type LatestBackfillRequest } from "./endpoints/latestBackfill.js"
export { handleListBackfillRuns, type ListBackfillRunsRequest } from "./endpoints/listBackfillRuns.js"
export { handleListIncompleteBackfills, type ListBackfillsRequest } from "./endpoints/listIncompleteBackfills.js"
export { handlePreviewBackfill } from "./endpoints/previewBackfill.js"
export { handleRetryBackfill, type RetryBackfillRequest } from "./endpoints/retryBackfill.js"
export { handleScheduleBackfill, scheduleBackfillRequest } from "./endpoints/scheduleBackfill.js"
export type { ScheduleBackfillRequest } from "./endpoints/scheduleCommand.js"

/** The table, checked to name each endpoint as the endpoint names itself. */
// biome-ignore lint/suspicious/noExplicitAny: any response: a listing's or another's
const namedAsTheyAre = <const Table extends { readonly [Name in keyof Table]: Endpoint<Name & string, never, any> }>(
  table: Table
) => table

/**
 * The endpoints by name, each named after the operation it runs (also the Promise
 * facade's method).
 *
 * @since 0.2.0
 * @category routing
 */
export const ENDPOINTS_BY_NAME = namedAsTheyAre({
  /** `POST /teams/{team_id}/transfers/{transfer_id}/backfills`: schedules a backfill. */
  scheduleBackfill: scheduleBackfillEndpoint,
  /** `GET /teams/{team_id}/transfers/{transfer_id}/backfills/latest`: the transfer's newest backfill. */
  latestBackfill: latestBackfillEndpoint,
  /** `GET /teams/{team_id}/backfills/{backfill_id}`: one backfill. */
  getBackfill: getBackfillEndpoint,
  /** `GET /teams/{team_id}/backfills`: a page of the team's backfills; `nextCursor` offers the next. */
  listIncompleteBackfills: listIncompleteBackfillsEndpoint,
  /** `PATCH /teams/{team_id}/backfills/{backfill_id}`: cancels a backfill. */
  cancelBackfill: cancelBackfillEndpoint,
  /** `POST /teams/{team_id}/transfers/{transfer_id}/backfills/preview`: what a create would do, writing nothing. */
  previewBackfill: previewBackfillEndpoint,
  /** `POST /teams/{team_id}/backfills/{backfill_id}/retry`: failed days again, in place. */
  retryBackfill: retryBackfillEndpoint,
  /** `GET /teams/{team_id}/backfills/{backfill_id}/runs`: a page of the ledger; `nextCursor` offers the next. */
  listBackfillRuns: listBackfillRunsEndpoint
})

/**
 * Every endpoint of the API, in SPEC §1's order, then those beyond the seed: its name,
 * method, path template, whether it answers pages, and handler.
 *
 * @example
 * ```ts
 * import { ENDPOINTS } from "transfer-backfills"
 *
 * for (const endpoint of ENDPOINTS) console.log(endpoint.method, endpoint.path, endpoint.name)
 * // POST /teams/:team_id/transfers/:transfer_id/backfills scheduleBackfill
 * ```
 *
 * @since 0.2.0
 * @category routing
 */
export const ENDPOINTS: ReadonlyArray<AnyEndpoint> = Object.values(ENDPOINTS_BY_NAME)

/**
 * Any endpoint of the table.
 *
 * @since 0.2.0
 * @category routing
 */
export type AnyEndpoint = (typeof ENDPOINTS_BY_NAME)[keyof typeof ENDPOINTS_BY_NAME]
