/** Retrying a backfill's failed days in place (SPEC §4: FAILED → SCHEDULED, beyond the seed). */
import { Effect, Metric, Option } from "effect"
import type { Principal } from "../domain/access.js"
import type { Backfill } from "../domain/backfill.js"
import { type CalendarDate, parseCalendarDate } from "../domain/calendarDate.js"
import { type Conflict, type DuplicationFailed, excerpt, NotFound, UnprocessableEntity } from "../domain/errors.js"
import type { BackfillId, TeamId } from "../domain/ids.js"
import type { DaysNotFailed } from "../domain/workerErrors.js"
import { backfillsRetried } from "../metrics/instruments.js"
import { countedOnce } from "../metrics/record.js"
import { BackfillRepository } from "../ports/backfillRepository.js"
import { findTeamBackfill, idAttributes, type ReadError, requireAccess } from "./access.js"
import { type Deferred, readDeferred } from "./deferred.js"
import { type IdempotencyKeyInput, idempotentRequest, refusedKeyAnswers } from "./idempotency.js"
import { traced } from "./spans.js"

/**
 * The days a retry asks for, as the caller wrote them: `days` absent means every failed day.
 *
 * @since 0.2.0
 * @category models
 */
export interface RequestedRetry {
  readonly days?: ReadonlyArray<string> | undefined
}

/**
 * A user's request to retry failed days of one of the team's backfills.
 *
 * @since 0.2.0
 * @category models
 */
export interface RetryBackfill<E = never, R = never> {
  readonly principal: Principal
  readonly teamId: TeamId
  readonly backfillId: BackfillId
  /**
   * The days asked for (absent: every failed day). A transport whose request body must be
   * read first passes the reading instead: it runs after the backfill is found, as SPEC
   * §3 orders (step 7 after step 6).
   */
  readonly retry?: Deferred<RequestedRetry, E, R> | undefined
  /**
   * The caller's `Idempotency-Key`: the same key with the same retry within its lifetime
   * answers the backfill as the first retry did.
   */
  readonly idempotencyKey?: IdempotencyKeyInput<E, R> | undefined
}

/**
 * Everything `retryBackfill` can fail with.
 *
 * @since 0.2.0
 * @category errors
 */
export type RetryBackfillError = ReadError | UnprocessableEntity | Conflict | DuplicationFailed

/** How many refused days a 422 names before it counts the rest. */
const NAMED_DAYS = 10

const unprocessable = (description: string) => new UnprocessableEntity({ description })

/** SPEC §3 step 8 for a retry: every named day a real date, at least one of them. */
const requestedDays = (
  requested: RequestedRetry
): Effect.Effect<Option.Option<ReadonlyArray<CalendarDate>>, UnprocessableEntity> =>
  Effect.gen(function* () {
    if (requested.days === undefined) return Option.none()
    if (requested.days.length === 0) {
      return yield* unprocessable("days must name at least one day; leave it out to retry every failed day.")
    }
    const days: Array<CalendarDate> = []
    for (const [index, text] of requested.days.entries()) {
      days.push(
        yield* Effect.mapError(parseCalendarDate(text), (reason) =>
          unprocessable(`days[${index}] ${reason}; got ${excerpt(text)}.`)
        )
      )
    }
    return Option.some(days)
  })

const notFailed = ({ backfillId, days }: DaysNotFailed) => {
  const named = days.slice(0, NAMED_DAYS).join(", ")
  const more = days.length > NAMED_DAYS ? ` and ${days.length - NAMED_DAYS} more` : ""
  const subject = days.length === 1 ? `Day ${named} has` : `Days ${named}${more} have`
  return unprocessable(`${subject} not failed in backfill ${backfillId}; only failed days can be retried.`)
}

/** Built once: the increment is the same effect on every call. */
const COUNT_RETRIED = Metric.increment(backfillsRetried)

/**
 * Retries failed days of one of the team's backfills in place: the named days, or every
 * failed day. Needs write scope and edit permission. Allowed while the backfill has failed
 * days and is not cancelled: a `FAILED` backfill goes back to `SCHEDULED` (`end_time`
 * cleared), the failed counter and `error_report` lose the retried days, and each retried
 * day's run is pending again with one more attempt. Days that have not failed are named in
 * a 422 `UNPROCESSABLE_ENTITY`, and nothing is retried.
 *
 * A retried backfill keeps the range it held: a `FAILED` backfill is active (SPEC §3 step 9),
 * so no other active backfill can have taken its days meanwhile, and the overlap rule holds.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { BackfillId, type Principal, retryBackfill, TeamId } from "transfer-backfills"
 *
 * declare const principal: Principal
 *
 * const retried = retryBackfill({
 *   principal,
 *   teamId: TeamId.make(1n),
 *   backfillId: BackfillId.make(42n),
 *   retry: { days: ["2024-01-07"] }
 * }).pipe(Effect.map((backfill) => backfill.status)) // "SCHEDULED" once a FAILED backfill's day is queued again
 * ```
 *
 * @since 0.2.0
 * @category operations
 */
export const retryBackfill = <E = never, R = never>(
  command: RetryBackfill<E, R>
): Effect.Effect<Backfill, RetryBackfillError | E, BackfillRepository | R> =>
  Effect.gen(function* () {
    const access = yield* requireAccess(command.principal, command.teamId, "write")
    yield* findTeamBackfill(access, command.backfillId)
    const requested = command.retry === undefined ? {} : yield* readDeferred(command.retry)
    const days = yield* requestedDays(requested)
    const repository = yield* BackfillRepository
    const idempotency = yield* idempotentRequest(command.idempotencyKey, "retryBackfill", {
      teamId: command.teamId,
      backfillId: command.backfillId,
      days: Option.getOrNull(days)
    })
    return yield* repository.retry(access, command.backfillId, days, idempotency).pipe(
      countedOnce(idempotency !== undefined, () => COUNT_RETRIED),
      traced("BackfillRepository.retry"),
      Effect.catchTags({
        ...refusedKeyAnswers,
        UnknownBackfill: () => Effect.fail(new NotFound({ resource: "backfill" })),
        IllegalTransition: ({ from }) =>
          Effect.fail(
            unprocessable(
              `Backfill ${command.backfillId} is ${from}; ` +
                (from === "CANCELLED" ? "a cancelled backfill cannot be retried." : "it has no failed days to retry.")
            )
          ),
        DaysNotFailed: (refused) => Effect.fail(notFailed(refused)),
        NoFailedDays: () => Effect.fail(unprocessable(`Backfill ${command.backfillId} has no failed days to retry.`))
      })
    )
  }).pipe(traced("retryBackfill", idAttributes(command)))
