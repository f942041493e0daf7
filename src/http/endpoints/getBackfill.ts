/**
 * `GET /teams/{team_id}/backfills/{backfill_id}`: one backfill.
 */
import { Effect } from "effect"
import { getBackfill } from "../../operations/getBackfill.js"
import { backfillCaller, type Caller } from "../caller.js"
import { oneBackfillEndpoint } from "../readEndpoints.js"
import type { PathParams } from "../request.js"

/**
 * The parts of a `GET /teams/{team_id}/backfills/{backfill_id}` request that
 * `handleGetBackfill` reads: the `Authorization` header and the path parameters.
 *
 * @since 0.1.0
 * @category handlers
 */
export interface GetBackfillRequest extends Caller {
  /** `team_id` and `backfill_id`. */
  readonly path: PathParams<"team_id" | "backfill_id">
}

export const getBackfillEndpoint = oneBackfillEndpoint(
  "getBackfill",
  "/teams/:team_id/backfills/:backfill_id",
  (request: GetBackfillRequest) => Effect.flatMap(backfillCaller(request), getBackfill),
  { apiName: "get", summary: "One backfill" }
)

/**
 * `GET /teams/{team_id}/backfills/{backfill_id}`: answers with the team's backfill, or with
 * its SPEC §5 error envelope (404 for a backfill of another team). Never fails: every
 * outcome is a response.
 *
 * @example
 * ```ts
 * import { type Layer, ManagedRuntime } from "effect"
 * import { type ApiServices, handleGetBackfill } from "transfer-backfills"
 *
 * declare const ports: Layer.Layer<ApiServices> // your Authenticator, TransferLookup, BackfillRepository, PageCursors
 * const runtime = ManagedRuntime.make(ports)
 *
 * // GET /teams/1/backfills/42
 * const response = await runtime.runPromise(
 *   handleGetBackfill({ authorization: "Bearer demo-admin", path: { team_id: "1", backfill_id: "42" } })
 * )
 * // { status: 200, headers: { "content-type": "application/json", "x-request-id": … }, body: '{"meta":…,"data":…}' }
 * ```
 *
 * @since 0.1.0
 * @category handlers
 */
export const handleGetBackfill = getBackfillEndpoint.handle
