/** Cancelling a backfill: `PATCH /teams/{team_id}/backfills/{backfill_id}` with `{"status":"CANCELLED"}`. */
import { Clock, Effect, Schema } from "effect"
import type { Backfill } from "../domain/backfill.js"
import { NotFound, UnprocessableEntity } from "../domain/errors.js"
import { BackfillId, TeamId } from "../domain/ids.js"
import { ACTIVE_STATUSES } from "../domain/status.js"
import { timestampFromMillis } from "../domain/time.js"
import { decodeObjectBody, type PathParams, type RequestBody } from "../http/request.js"
import type { Authenticator } from "../ports/authenticator.js"
import { BackfillRepository } from "../ports/backfillRepository.js"
import { authenticate, findTeamBackfill, type GuardError, pathId, requireAccess } from "./guards.js"

export interface CancelBackfillRequest {
  readonly authorization: string | undefined
  /** `team_id` and `backfill_id`. */
  readonly path: PathParams
  /** Exactly `{"status":"CANCELLED"}`. */
  readonly body: RequestBody
}

export type CancelBackfillError = GuardError | UnprocessableEntity

const decodeCancelBody = decodeObjectBody(Schema.Struct({ status: Schema.Literal("CANCELLED") }), {
  status: 'must be "CANCELLED"'
})

/**
 * Cancels an active backfill (SPEC §4): the check that it is still active and the change
 * are one atomic step of the repository, so of two concurrent cancels one succeeds and
 * the other is the 422 a second cancel always is.
 */
export const cancelBackfill = (
  request: CancelBackfillRequest
): Effect.Effect<Backfill, CancelBackfillError, Authenticator | BackfillRepository> =>
  Effect.gen(function* () {
    const principal = yield* authenticate(request.authorization)
    const teamId = yield* pathId(request.path, "team_id", TeamId)
    const backfillId = yield* pathId(request.path, "backfill_id", BackfillId)
    yield* requireAccess(principal, teamId, "write")
    yield* findTeamBackfill(teamId, backfillId)
    yield* decodeCancelBody(request.body)
    const repository = yield* BackfillRepository
    const now = timestampFromMillis(yield* Clock.currentTimeMillis)
    return yield* repository.cancel(backfillId, { time: now, userId: principal.userId }).pipe(
      Effect.catchTags({
        UnknownBackfill: () => Effect.fail(new NotFound({ resource: "backfill" })),
        IllegalTransition: ({ from }) =>
          Effect.fail(
            new UnprocessableEntity({
              description: `Backfill ${backfillId} is ${from}; only ${ACTIVE_STATUSES.join(", ")} backfills can be cancelled.`
            })
          )
      })
    )
  })
