/**
 * Scheduling a backfill (SPEC §3, from step 3 on: the caller and the ids are given). Every
 * check in SPEC order, the first failure wins; the overlap check and the insert are one
 * atomic step of the repository.
 */
import { Clock, Effect, Metric, Option } from "effect"
import type { Principal } from "../domain/access.js"
import { type Backfill, newBackfill } from "../domain/backfill.js"
import { type DateRange, dayCount, formatRange, sharedDays } from "../domain/dateRange.js"
import {
  Conflict,
  type DuplicationFailed,
  type Forbidden,
  type NotFound,
  type PermissionDenied,
  type ServiceUnavailable,
  type UnprocessableEntity
} from "../domain/errors.js"
import type { TeamId, TransferId } from "../domain/ids.js"
import { BackfillPolicy } from "../domain/policy.js"
import { type RequestedRange, validateRequestedRange } from "../domain/scheduleRules.js"
import { epochSecondsFromMillis, todayIn } from "../domain/time.js"
import { type BackfillProcessing, DEFAULT_PROCESSING_ORDER } from "../domain/turns.js"
import { backfillsScheduled } from "../metrics/instruments.js"
import { countedOnce } from "../metrics/record.js"
import { type ActiveRangeOverlap, BackfillRepository } from "../ports/backfillRepository.js"
import type { TransferLookup } from "../ports/transferLookup.js"
import { findTeamTransfer, idAttributes, requireAccess } from "./access.js"
import { type Deferred, readDeferred } from "./deferred.js"
import { type IdempotencyKeyInput, idempotentRequest, refusedKeyAnswers } from "./idempotency.js"
import { traced } from "./spans.js"

/**
 * What `scheduleBackfill` needs: the authenticated caller, the team, the transfer and the
 * days asked for. A transport that reads the days or the key only when asked fails with
 * `E` when it cannot read them, needing `R`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ScheduleBackfill<E = never, R = never> {
  readonly principal: Principal
  readonly teamId: TeamId
  readonly transferId: TransferId
  /**
   * The days asked for, as the caller wrote them (SPEC §3 step 8 judges them). A
   * transport whose request body must be read first passes the reading instead: it runs
   * after the transfer is found, as SPEC §3 orders (step 7 after step 6).
   */
  readonly range: Deferred<RequestedRange, E, R>
  /**
   * The caller's `Idempotency-Key`: the same key with the same request within its lifetime
   * answers the backfill the first request created; with another request, 422
   * `DUPLICATION_FAILED`. A preview changes nothing and ignores it.
   */
  readonly idempotencyKey?: IdempotencyKeyInput<E, R> | undefined
}

/**
 * What a schedule fails with, each a SPEC §5 code: access, a missing transfer, a range
 * that breaks a rule, an overlap with an active backfill, a key used for another request
 * or still in flight, or a port that cannot answer.
 *
 * @since 0.1.0
 * @category errors
 */
export type ScheduleBackfillError =
  | Forbidden
  | PermissionDenied
  | NotFound
  | UnprocessableEntity
  | Conflict
  | DuplicationFailed
  | ServiceUnavailable

/** SPEC §3.9's 409: the backfill in the way, its range and status, and the days both would cover. */
const conflictWith = (requested: DateRange, { conflicting }: ActiveRangeOverlap) =>
  new Conflict({
    description:
      `The range overlaps active backfill ${conflicting.id} ` +
      `(${formatRange(conflicting.range)}, status ${conflicting.status})` +
      Option.match(sharedDays(requested, conflicting.range), {
        onNone: () => ".",
        onSome: (shared) => {
          const days = dayCount(shared)
          return days === 1 ? ` on ${shared.start}.` : ` on ${days} days, ${formatRange(shared)}.`
        }
      })
  })

/**
 * SPEC §3 steps 3–8 of a schedule, shared by `scheduleBackfill` and `previewBackfill` so
 * that a preview can never disagree with a create: write access, the transfer, the body's
 * reading, and the range judged against "today" in the transfer's time zone and the
 * host's policy.
 *
 * @since 0.2.0
 * @category operations
 */
export const checkedSchedule = <E, R>(command: ScheduleBackfill<E, R>) =>
  Effect.gen(function* () {
    const access = yield* requireAccess(command.principal, command.teamId, "write")
    const transfer = yield* findTeamTransfer(access, command.transferId)
    const requested = yield* readDeferred(command.range)
    const now = yield* Clock.currentTimeMillis
    const today = yield* Effect.orDie(todayIn(transfer.timeZone, now))
    const range = yield* validateRequestedRange(requested, today, yield* BackfillPolicy, transfer.limits)
    const processing: BackfillProcessing = {
      order: requested.order ?? DEFAULT_PROCESSING_ORDER,
      transferMaxRunningDays: Option.fromNullable(transfer.limits?.maxRunningDays)
    }
    return { access, transfer, range, today, now, processing }
  })

/** Built once: the increment is the same effect on every call. */
const COUNT_SCHEDULED = Metric.increment(backfillsScheduled)

/**
 * A new `CREATED` backfill of the transfer for the caller, or the first rule it breaks
 * (SPEC §3, from step 3 on: the caller and the ids are given). Every check runs in SPEC
 * order; "today" is the transfer's, in its time zone; the limits are `BackfillPolicy`'s;
 * the overlap check and the insert are one atomic step of the repository.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { type Principal, scheduleBackfill, TeamId, TransferId, UserId, UTC } from "transfer-backfills"
 * import { layerMemoryBackfillRepository, layerMemoryTransferLookup } from "transfer-backfills/memory"
 *
 * const principal: Principal = {
 *   userId: UserId.make(789n),
 *   teamIds: [TeamId.make(1n)],
 *   scopes: ["dwh_transfers_read", "dwh_transfers_write"],
 *   permissions: ["dwh.transfer.view", "dwh.transfer.edit"]
 * }
 *
 * const ports = Layer.merge(
 *   layerMemoryTransferLookup([{ id: TransferId.make(456789n), teamId: TeamId.make(1n), timeZone: UTC }]),
 *   layerMemoryBackfillRepository()
 * )
 *
 * const program = scheduleBackfill({
 *   principal, // from your own authentication
 *   teamId: TeamId.make(1n),
 *   transferId: TransferId.make(456789n),
 *   range: { range_start: "2024-01-01", range_end: "2024-01-31" } // checked as the API checks it
 * }).pipe(
 *   Effect.map((backfill) => `backfill ${backfill.id}: ${backfill.status}, ${backfill.runs.total} runs`),
 *   Effect.catchTags({
 *     Conflict: (error) => Effect.succeed(`409: ${error.description}`),
 *     UnprocessableEntity: (error) => Effect.succeed(`422: ${error.description}`)
 *   })
 * )
 *
 * Effect.runPromise(Effect.provide(program, ports)).then(console.log) // "backfill 1: CREATED, 31 runs"
 * ```
 *
 * @since 0.1.0
 * @category operations
 */
export const scheduleBackfill = <E = never, R = never>(
  command: ScheduleBackfill<E, R>
): Effect.Effect<Backfill, ScheduleBackfillError | E, TransferLookup | BackfillRepository | R> =>
  Effect.gen(function* () {
    const { access, range, now, processing } = yield* checkedSchedule(command)
    const repository = yield* BackfillRepository
    const idempotency = yield* idempotentRequest(command.idempotencyKey, "scheduleBackfill", {
      teamId: command.teamId,
      transferId: command.transferId,
      range: { start: range.start, end: range.end },
      // Left out for the default, so that keys taken before the order existed still match.
      ...(processing.order === DEFAULT_PROCESSING_ORDER ? {} : { order: processing.order })
    })
    return yield* repository
      .insertUnlessOverlapping(
        access,
        newBackfill({
          transferId: command.transferId,
          range,
          createdTime: epochSecondsFromMillis(now),
          createdUserId: command.principal.userId
        }),
        idempotency,
        processing
      )
      .pipe(
        countedOnce(idempotency !== undefined, () => COUNT_SCHEDULED),
        traced("BackfillRepository.insertUnlessOverlapping"),
        Effect.catchTags({
          ...refusedKeyAnswers,
          ActiveRangeOverlap: (overlap) => Effect.fail(conflictWith(range, overlap))
        })
      )
  }).pipe(traced("scheduleBackfill", idAttributes(command)))
