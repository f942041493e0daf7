/**
 * `GET /teams/{team_id}/transfers/{transfer_id}/backfills/latest`: a transfer's newest backfill.
 */
import { Effect } from "effect"
import { latestBackfill } from "../../operations/latestBackfill.js"
import { type Caller, transferCaller } from "../caller.js"
import { oneBackfillEndpoint } from "../readEndpoints.js"
import type { PathParams } from "../request.js"

/**
 * The parts of a `GET /teams/{team_id}/transfers/{transfer_id}/backfills/latest` request that
 * `handleLatestBackfill` reads: the `Authorization` header and the path parameters.
 *
 * @since 0.1.0
 * @category handlers
 */
export interface LatestBackfillRequest extends Caller {
  /** `team_id` and `transfer_id`. */
  readonly path: PathParams<"team_id" | "transfer_id">
}

export const latestBackfillEndpoint = oneBackfillEndpoint(
  "latestBackfill",
  "/teams/:team_id/transfers/:transfer_id/backfills/latest",
  (request: LatestBackfillRequest) => Effect.flatMap(transferCaller(request), latestBackfill),
  { apiName: "latest", summary: "The newest backfill of a transfer" }
)

/**
 * `GET /teams/{team_id}/transfers/{transfer_id}/backfills/latest`: answers with the
 * transfer's newest backfill in any status, or with a SPEC §5 error envelope (404 when it
 * has none). Never fails: every outcome is a response.
 *
 * @example
 * ```ts
 * import { type Layer, ManagedRuntime } from "effect"
 * import { type ApiServices, handleLatestBackfill } from "transfer-backfills"
 *
 * declare const ports: Layer.Layer<ApiServices> // your Authenticator, TransferLookup, BackfillRepository, PageCursors
 * const runtime = ManagedRuntime.make(ports)
 *
 * // GET /teams/1/transfers/456789/backfills/latest
 * const { status, body } = await runtime.runPromise(
 *   handleLatestBackfill({ authorization: "Bearer demo-admin", path: { team_id: "1", transfer_id: "456789" } })
 * )
 * const newest = status === 200 ? JSON.parse(body).data : undefined // 404 NOT_FOUND: the transfer has none
 * ```
 *
 * @since 0.1.0
 * @category handlers
 */
export const handleLatestBackfill = latestBackfillEndpoint.handle
