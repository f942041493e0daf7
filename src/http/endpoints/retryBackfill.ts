/**
 * `POST /teams/{team_id}/backfills/{backfill_id}/retry`: failed days again, in place.
 */
import { Effect, Either, Schema } from "effect"
import { retryBackfill } from "../../operations/retryBackfill.js"
import { backfillCaller, type HostRequest, type IdempotentCaller, idempotencyKeyOf, oneBackfill } from "../caller.js"
import { BackfillEnvelope } from "../contract.js"
import type { Endpoint } from "../endpoint.js"
import { decodeObjectBody, type PathParams, type RequestBody } from "../request.js"
import { respond } from "../response.js"

/**
 * `POST /teams/{team_id}/backfills/{backfill_id}/retry`, as the host received it.
 *
 * @since 0.2.0
 * @category requests
 */
export interface RetryBackfillRequest extends IdempotentCaller {
  /** `team_id` and `backfill_id`. */
  readonly path: PathParams<"team_id" | "backfill_id">
  /** `{"days": ["YYYY-MM-DD", …]}`, `{}`, or none at all (`undefined` or empty): every failed day. */
  readonly body?: RequestBody
}

const decodeRetryBody = decodeObjectBody(
  Schema.Struct({ days: Schema.optionalWith(Schema.Array(Schema.String), { exact: true }) }),
  { days: "must be an array of date strings" }
)

/** No body, or an empty one, asks for what `{}` asks for: every failed day. */
const isEmptyBody = (body: RequestBody) =>
  body === undefined ||
  (typeof body === "string" && body.trim() === "") ||
  (body instanceof Uint8Array && body.length === 0)

/**
 * `POST /teams/{team_id}/backfills/{backfill_id}/retry`, body `{"days": [...]}` or none:
 * retries failed days of the team's backfill in place (`retryBackfill`) and answers with
 * the backfill, or with its SPEC §5 error envelope. Never fails: every outcome is a response.
 *
 * @example
 * ```ts
 * import { type Layer, ManagedRuntime } from "effect"
 * import { type ApiServices, handleRetryBackfill } from "transfer-backfills"
 *
 * declare const ports: Layer.Layer<ApiServices> // your Authenticator, TransferLookup, BackfillRepository, PageCursors
 * const runtime = ManagedRuntime.make(ports)
 *
 * const response = await runtime.runPromise(
 *   handleRetryBackfill({
 *     authorization: "Bearer demo-admin",
 *     idempotencyKey: '"retry-42-2024-01-07"',
 *     path: { team_id: "1", backfill_id: "42" },
 *     body: '{"days":["2024-01-07"]}'
 *   })
 * )
 * // response.status: 200 with the SCHEDULED backfill; 422 naming days that have not failed
 * ```
 *
 * @since 0.2.0
 * @category handlers
 */
export const handleRetryBackfill = (request: RetryBackfillRequest & HostRequest) =>
  respond(
    Effect.flatMap(backfillCaller(request), (ids) =>
      retryBackfill({
        ...ids,
        retry: Effect.suspend(() => (isEmptyBody(request.body) ? Either.right({}) : decodeRetryBody(request.body))),
        idempotencyKey: idempotencyKeyOf(request)
      })
    ),
    oneBackfill,
    request.requestId
  )

export const retryBackfillEndpoint = {
  name: "retryBackfill",
  method: "POST",
  path: "/teams/:team_id/backfills/:backfill_id/retry",
  paged: false,
  /** `handleRetryBackfill`. */
  handle: handleRetryBackfill,
  contract: {
    apiName: "retry",
    summary: "Retry failed days of a backfill in place",
    payload: Schema.Struct({
      days: Schema.optional(
        Schema.Array(Schema.String.annotations({ format: "date" })).annotations({
          description: "Failed days to retry, YYYY-MM-DD; every failed day when left out"
        })
      )
    }).annotations({ identifier: "RetryBackfillRequest", description: "May be left out: every failed day" }),
    success: BackfillEnvelope,
    errors: [404, 422, 409],
    idempotent: true,
    optionalBody: true
  }
} as const satisfies Endpoint<"retryBackfill", RetryBackfillRequest>
