/**
 * SPEC §3 steps 1 and 2 of a create or a preview (the caller, the ids of the path), and
 * the body's reading for step 7, which the operation runs after step 6.
 */
import { Effect, Schema } from "effect"
import { ProcessingOrder } from "../../domain/turns.js"
import { type IdempotentCaller, idempotencyKeyOf, transferCaller } from "../caller.js"
import { decodeObjectBody, type PathParams, type RequestBody } from "../request.js"

/**
 * The parts of a `POST /teams/{team_id}/transfers/{transfer_id}/backfills` request that
 * `handleScheduleBackfill` reads: the `Authorization` header, the path parameters and the
 * body.
 *
 * @since 0.1.0
 * @category handlers
 */
export interface ScheduleBackfillRequest extends IdempotentCaller {
  /** Raw path parameters: `team_id` and `transfer_id`. */
  readonly path: PathParams<"team_id" | "transfer_id">
  /** The raw body (text or bytes), or the JSON value a framework already parsed. */
  readonly body: RequestBody
}

const decodeScheduleBody = decodeObjectBody(
  Schema.Struct({ range_start: Schema.String, range_end: Schema.String, order: Schema.optional(ProcessingOrder) }),
  {
    range_start: "must be a string",
    range_end: "must be a string",
    order: 'must be "newest_first" or "oldest_first" when given'
  },
  ["order"]
)

/** The schedule command a create or a preview runs, its body and key read when the operation asks. */
export const scheduleCommand = (request: ScheduleBackfillRequest) =>
  Effect.map(transferCaller(request), (ids) => ({
    ...ids,
    range: Effect.suspend(() => decodeScheduleBody(request.body)),
    idempotencyKey: idempotencyKeyOf(request)
  }))
