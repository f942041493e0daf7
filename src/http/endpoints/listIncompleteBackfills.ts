/**
 * `GET /teams/{team_id}/backfills`: a page of the team's backfills, newest first.
 */
import { Effect } from "effect"
import { encodeBackfill } from "../../domain/backfill.js"
import { listIncompleteBackfills } from "../../operations/listIncompleteBackfills.js"
import type { Authenticator } from "../../ports/authenticator.js"
import type { BackfillRepository } from "../../ports/backfillRepository.js"
import { authenticate, type Caller, type HostRequest, teamIdOf } from "../caller.js"
import { BackfillPageEnvelope, listingQuery } from "../contract.js"
import type { Endpoint } from "../endpoint.js"
import { type BackfillPageResponse, type ListedPage, nextPageOf } from "../listing.js"
import { requestedPage } from "../listQuery.js"
import { PageCursors } from "../pageCursor.js"
import { listingEndpoint } from "../readEndpoints.js"
import type { PathParams, QueryParams } from "../request.js"

/**
 * The parts of a `GET /teams/{team_id}/backfills` request that
 * `handleListIncompleteBackfills` reads: the `Authorization` header, the path parameters and
 * the query.
 *
 * @since 0.1.0
 * @category handlers
 */
export interface ListBackfillsRequest extends Caller {
  /** `team_id`. */
  readonly path: PathParams<"team_id">
  /** Optional `status` (comma-separated or repeated), `limit` (1–100) and `cursor`. */
  readonly query: QueryParams
}

const listed = (request: ListBackfillsRequest) =>
  Effect.gen(function* () {
    const principal = yield* authenticate(request.authorization)
    const teamId = yield* teamIdOf(request.path)
    const page = yield* listIncompleteBackfills({ principal, teamId, page: requestedPage(request.query, teamId) })
    const cursors = yield* PageCursors
    const next = yield* nextPageOf(
      page.next,
      (request) => request.statuses.join(","),
      (request, before) => cursors.encode({ teamId, statuses: request.statuses, before })
    )
    return { data: page.backfills.map((backfill) => encodeBackfill(backfill)), next } satisfies ListedPage
  })

export const listIncompleteBackfillsEndpoint = listingEndpoint(
  "listIncompleteBackfills",
  "/teams/:team_id/backfills",
  listed,
  {
    apiName: "list",
    summary: "Incomplete backfills of a team, newest first",
    query: listingQuery("Comma-separated or repeated statuses; default CREATED,SCHEDULED,RUNNING,FAILED"),
    success: BackfillPageEnvelope,
    errors: []
  }
) satisfies Endpoint<"listIncompleteBackfills", ListBackfillsRequest, BackfillPageResponse>

/**
 * `GET /teams/{team_id}/backfills`: answers with a page of the team's backfills, newest
 * first (the incomplete ones unless `status` says otherwise), and offers the next page in a
 * `link` header and in `nextCursor`. Never fails: every outcome is a response.
 *
 * @example
 * ```ts
 * import { type Layer, ManagedRuntime } from "effect"
 * import { type ApiServices, handleListIncompleteBackfills } from "transfer-backfills"
 *
 * declare const ports: Layer.Layer<ApiServices> // your Authenticator, TransferLookup, BackfillRepository, PageCursors
 * const runtime = ManagedRuntime.make(ports)
 *
 * // GET /teams/1/backfills?status=RUNNING,FAILED&limit=20
 * const page = await runtime.runPromise(
 *   handleListIncompleteBackfills({
 *     authorization: "Bearer demo-admin",
 *     path: { team_id: "1" },
 *     query: { status: "RUNNING,FAILED", limit: "20" }
 *   })
 * )
 * // page.nextCursor: the next page's cursor, null on the last page; page.headers.link offers it as
 * // '<?status=RUNNING,FAILED&limit=20&cursor=…>; rel="next"'
 * ```
 *
 * @since 0.1.0
 * @category handlers
 */
export const handleListIncompleteBackfills: (
  request: ListBackfillsRequest & HostRequest
) => Effect.Effect<BackfillPageResponse, never, Authenticator | BackfillRepository | PageCursors> =
  listIncompleteBackfillsEndpoint.handle
