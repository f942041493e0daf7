/**
 * Scheduling a backfill (SPEC §3): every check in SPEC order, the first failure wins; the
 * overlap check and the insert are one atomic step of the repository.
 */
import { Clock, Effect, Schema } from "effect"
import { type Backfill, newBackfill } from "../domain/backfill.js"
import { formatRange } from "../domain/dateRange.js"
import { Conflict, type UnprocessableEntity } from "../domain/errors.js"
import { TeamId, TransferId } from "../domain/ids.js"
import { BackfillPolicy } from "../domain/policy.js"
import { validateRequestedRange } from "../domain/scheduleRules.js"
import { timestampFromMillis, todayIn } from "../domain/time.js"
import { decodeObjectBody, type PathParams, type RequestBody } from "../http/request.js"
import type { Authenticator } from "../ports/authenticator.js"
import { type ActiveRangeOverlap, BackfillRepository } from "../ports/backfillRepository.js"
import type { TransferLookup } from "../ports/transferLookup.js"
import { authenticate, findTeamTransfer, type GuardError, pathId, requireAccess } from "./guards.js"

export interface ScheduleBackfillRequest {
  /** The `Authorization` header value, if the request had one. */
  readonly authorization: string | undefined
  /** Raw path parameters: `team_id` and `transfer_id`. */
  readonly path: PathParams
  /** The raw body (text or bytes), or the JSON value a framework already parsed. */
  readonly body: RequestBody
}

export type ScheduleBackfillError = GuardError | UnprocessableEntity | Conflict

const ScheduleBackfillBody = Schema.Struct({ range_start: Schema.String, range_end: Schema.String })

const decodeScheduleBody = decodeObjectBody(ScheduleBackfillBody, {
  range_start: "must be a string",
  range_end: "must be a string"
})

const conflictWith = ({ conflicting }: ActiveRangeOverlap) =>
  new Conflict({
    description:
      `The range overlaps active backfill ${conflicting.id} ` +
      `(${formatRange(conflicting.range)}, status ${conflicting.status}).`
  })

export const scheduleBackfill = (
  request: ScheduleBackfillRequest
): Effect.Effect<Backfill, ScheduleBackfillError, Authenticator | TransferLookup | BackfillRepository> =>
  Effect.gen(function* () {
    const principal = yield* authenticate(request.authorization)
    const teamId = yield* pathId(request.path, "team_id", TeamId)
    const transferId = yield* pathId(request.path, "transfer_id", TransferId)
    yield* requireAccess(principal, teamId, "write")
    const transfer = yield* findTeamTransfer(teamId, transferId)
    const body = yield* decodeScheduleBody(request.body)
    const now = yield* Clock.currentTimeMillis
    const today = yield* Effect.orDie(todayIn(transfer.timeZone, now))
    const range = yield* validateRequestedRange(body, today, yield* BackfillPolicy)
    const repository = yield* BackfillRepository
    return yield* repository
      .insertUnlessOverlapping(
        teamId,
        newBackfill({ transferId, range, createdTime: timestampFromMillis(now), createdUserId: principal.userId })
      )
      .pipe(Effect.catchTag("ActiveRangeOverlap", (overlap) => Effect.fail(conflictWith(overlap))))
  })
