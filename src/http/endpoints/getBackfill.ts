/**
 * `GET /teams/{team_id}/backfills/{backfill_id}`: one backfill.
 */
import { Effect } from "effect"
import { getBackfill } from "../../operations/getBackfill.js"
import { backfillCaller, type Caller, type HostRequest, oneBackfill } from "../caller.js"
import { BackfillEnvelope } from "../contract.js"
import type { Endpoint } from "../endpoint.js"
import type { PathParams } from "../request.js"
import { respond } from "../response.js"

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
export const handleGetBackfill = (request: GetBackfillRequest & HostRequest) =>
  respond(Effect.flatMap(backfillCaller(request), getBackfill), oneBackfill, request.requestId)

export const getBackfillEndpoint = {
  name: "getBackfill",
  method: "GET",
  path: "/teams/:team_id/backfills/:backfill_id",
  paged: false,
  /** `handleGetBackfill`. */
  handle: handleGetBackfill,
  contract: {
    apiName: "get",
    summary: "One backfill",
    success: BackfillEnvelope,
    errors: [404]
  }
} as const satisfies Endpoint<"getBackfill", GetBackfillRequest>
