/**
 * `PATCH /teams/{team_id}/backfills/{backfill_id}` with `{"status":"CANCELLED"}`: cancels a backfill.
 */
import { Effect, Schema } from "effect"
import { cancelBackfill } from "../../operations/cancelBackfill.js"
import { backfillCaller, type HostRequest, type IdempotentCaller, idempotencyKeyOf, oneBackfill } from "../caller.js"
import { BackfillEnvelope } from "../contract.js"
import type { Endpoint } from "../endpoint.js"
import { decodeObjectBody, type PathParams, type RequestBody } from "../request.js"
import { respond } from "../response.js"

/**
 * The parts of a `PATCH /teams/{team_id}/backfills/{backfill_id}` request that
 * `handleCancelBackfill` reads: the `Authorization` header, the path parameters and the
 * body.
 *
 * @since 0.1.0
 * @category handlers
 */
export interface CancelBackfillRequest extends IdempotentCaller {
  /** `team_id` and `backfill_id`. */
  readonly path: PathParams<"team_id" | "backfill_id">
  /** Exactly `{"status":"CANCELLED"}`. */
  readonly body: RequestBody
}

const decodeCancelBody = decodeObjectBody(Schema.Struct({ status: Schema.Literal("CANCELLED") }), {
  status: 'must be "CANCELLED"'
})

/**
 * `PATCH /teams/{team_id}/backfills/{backfill_id}` with `{"status":"CANCELLED"}`: cancels the
 * team's backfill and answers with it, or with its SPEC §5 error envelope. Never fails:
 * every outcome is a response.
 *
 * @example
 * ```ts
 * import { type Layer, ManagedRuntime } from "effect"
 * import { type ApiServices, handleCancelBackfill } from "transfer-backfills"
 *
 * declare const ports: Layer.Layer<ApiServices> // your Authenticator, TransferLookup, BackfillRepository, PageCursors
 * const runtime = ManagedRuntime.make(ports)
 *
 * // PATCH /teams/1/backfills/42
 * const response = await runtime.runPromise(
 *   handleCancelBackfill({
 *     authorization: "Bearer demo-admin",
 *     path: { team_id: "1", backfill_id: "42" },
 *     body: '{"status":"CANCELLED"}'
 *   })
 * )
 * // 200 with the CANCELLED backfill, or 422 for one that is already COMPLETED or CANCELLED
 * ```
 *
 * @since 0.1.0
 * @category handlers
 */
export const handleCancelBackfill = (request: CancelBackfillRequest & HostRequest) =>
  respond(
    Effect.flatMap(backfillCaller(request), (ids) =>
      cancelBackfill({
        ...ids,
        confirmation: Effect.asVoid(Effect.suspend(() => decodeCancelBody(request.body))),
        idempotencyKey: idempotencyKeyOf(request)
      })
    ),
    oneBackfill,
    request.requestId
  )

export const cancelBackfillEndpoint = {
  name: "cancelBackfill",
  method: "PATCH",
  path: "/teams/:team_id/backfills/:backfill_id",
  paged: false,
  /** `handleCancelBackfill`. */
  handle: handleCancelBackfill,
  contract: {
    apiName: "cancel",
    summary: "Cancel a backfill",
    payload: Schema.Struct({ status: Schema.Literal("CANCELLED") }).annotations({
      identifier: "CancelBackfillRequest"
    }),
    success: BackfillEnvelope,
    errors: [404, 422, 409],
    idempotent: true
  }
} as const satisfies Endpoint<"cancelBackfill", CancelBackfillRequest>
