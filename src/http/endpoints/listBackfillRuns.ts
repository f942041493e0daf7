/**
 * `GET /teams/{team_id}/backfills/{backfill_id}/runs`: a page of a backfill's ledger.
 */
import { Effect } from "effect"
import { listBackfillRuns } from "../../operations/listBackfillRuns.js"
import type { Authenticator } from "../../ports/authenticator.js"
import type { BackfillRepository } from "../../ports/backfillRepository.js"
import { backfillCaller, type Caller, type HostRequest } from "../caller.js"
import { listingQuery, RunPageEnvelope } from "../contract.js"
import type { Endpoint } from "../endpoint.js"
import { type ListedPage, nextPageOf, type RunPageResponse } from "../listing.js"
import { requestedRunPage } from "../listQuery.js"
import { PageCursors } from "../pageCursor.js"
import { listingEndpoint } from "../readEndpoints.js"
import type { PathParams, QueryParams } from "../request.js"
import { encodeDayRun, RunStatus, runStateOf } from "../runs.js"

/**
 * `GET /teams/{team_id}/backfills/{backfill_id}/runs`, as the host received it.
 *
 * @since 0.2.0
 * @category requests
 */
export interface ListBackfillRunsRequest extends Caller {
  /** `team_id` and `backfill_id`. */
  readonly path: PathParams<"team_id" | "backfill_id">
  /** Optional `status` (run statuses, comma-separated or repeated), `limit` (1–100) and `cursor`. */
  readonly query: QueryParams
}

const listed = (request: ListBackfillRunsRequest) =>
  Effect.gen(function* () {
    const { principal, teamId, backfillId } = yield* backfillCaller(request)
    const page = yield* listBackfillRuns({
      principal,
      teamId,
      backfillId,
      page: requestedRunPage(request.query, teamId, backfillId)
    })
    const cursors = yield* PageCursors
    const next = yield* nextPageOf(
      page.next,
      (request) => RunStatus.literals.filter((status) => request.states.includes(runStateOf(status))).join(","),
      (request, before) => cursors.encodeRuns({ teamId, backfillId, states: request.states, before })
    )
    return { data: page.runs.map(encodeDayRun), next } satisfies ListedPage
  })

export const listBackfillRunsEndpoint = listingEndpoint(
  "listBackfillRuns",
  "/teams/:team_id/backfills/:backfill_id/runs",
  listed,
  {
    apiName: "runs",
    summary: "The ledger of a backfill: one entry per day's run, latest day first",
    query: listingQuery(
      "Comma-separated or repeated run statuses (pending, running, completed, failed, cancelled); default all"
    ),
    success: RunPageEnvelope,
    errors: [404]
  }
) satisfies Endpoint<"listBackfillRuns", ListBackfillRunsRequest, RunPageResponse>

/**
 * `GET /teams/{team_id}/backfills/{backfill_id}/runs`: answers with a page of the backfill's
 * ledger, one entry per day's run, latest day first (every run unless `status` filters
 * them), and offers the next page in a `link` header and in `nextCursor`. Never fails:
 * every outcome is a response.
 *
 * @example
 * ```ts
 * import { type Layer, ManagedRuntime } from "effect"
 * import { type ApiServices, handleListBackfillRuns } from "transfer-backfills"
 *
 * declare const ports: Layer.Layer<ApiServices> // your Authenticator, TransferLookup, BackfillRepository, PageCursors
 * const runtime = ManagedRuntime.make(ports)
 *
 * // GET /teams/1/backfills/42/runs?status=failed
 * const page = await runtime.runPromise(
 *   handleListBackfillRuns({ authorization: "Bearer demo-admin", path: { team_id: "1", backfill_id: "42" }, query: { status: "failed" } })
 * )
 * ```
 *
 * @since 0.2.0
 * @category handlers
 */
export const handleListBackfillRuns: (
  request: ListBackfillRunsRequest & HostRequest
) => Effect.Effect<RunPageResponse, never, Authenticator | BackfillRepository | PageCursors> =
  listBackfillRunsEndpoint.handle
