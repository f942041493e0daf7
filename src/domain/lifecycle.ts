/**
 * Every change a backfill goes through after its creation (SPEC §4), as pure decisions:
 * given the backfill (and, for outcomes, where the day's run stands) each returns the
 * next backfill or why the change is refused. Repositories apply them atomically; the
 * status itself only ever moves through `transition`.
 */
import { Array as Arr, Either, Option } from "effect"
import type { Backfill, Removal, RunError } from "./backfill.js"
import { type CalendarDate, compareDates } from "./calendarDate.js"
import { containsDay } from "./dateRange.js"
import { toPlainDate } from "./plainDates.js"
import { hasReported, type RunOutcome, type RunState, truncateRunError } from "./runs.js"
import { IllegalTransition, LifecycleEvent, transition } from "./status.js"
import type { EpochSeconds } from "./time.js"
import { DayOutsideRange, DaysNotFailed, NoFailedDays, RunDropped, RunNotMaterialised } from "./workerErrors.js"

const move = (backfill: Backfill, event: LifecycleEvent): Either.Either<Backfill, IllegalTransition> =>
  Either.map(transition(backfill.status, event), (status) => ({ ...backfill, status }))

/**
 * Runs created by one materialisation step: the backfill as it now stands and the days
 * whose runs were created, in order.
 *
 * @since 0.1.0
 * @category models
 */
export interface Materialised {
  readonly backfill: Backfill
  readonly days: ReadonlyArray<CalendarDate>
}

/**
 * Creates the runs of the next `maxDays` days of a `CREATED` backfill; the last of them
 * makes it `SCHEDULED`. A backfill past `CREATED` gets nothing, so repeating a step after
 * a crash creates no run twice.
 *
 * @since 0.1.0
 * @category utils
 */
export const materialiseRuns = (backfill: Backfill, maxDays: number): Materialised => {
  if (backfill.status !== "CREATED") return { backfill, days: [] }
  const { created, total } = backfill.runs
  const count = Math.min(Math.max(maxDays, 0), total - created)
  const first = toPlainDate(backfill.range.start).add({ days: created })
  const days = Array.from({ length: count }, (_, offset) => first.add({ days: offset }).toString() as CalendarDate)
  const grown: Backfill = { ...backfill, runs: { ...backfill.runs, created: created + count } }
  return {
    backfill: grown.runs.created === total ? Either.getOrThrow(move(grown, LifecycleEvent.AllRunsCreated())) : grown,
    days
  }
}

/**
 * A run starts: the first one makes a `SCHEDULED` backfill `RUNNING` and sets `start_time`
 * once.
 *
 * @since 0.1.0
 * @category utils
 */
export const startRun = (backfill: Backfill, now: EpochSeconds): Either.Either<Backfill, IllegalTransition> => {
  if (backfill.status === "RUNNING") return Either.right(backfill)
  return Either.map(move(backfill, LifecycleEvent.RunStarted()), (running) => ({
    ...running,
    startTime: Option.orElse(backfill.startTime, () => Option.some(now))
  }))
}

/**
 * The result of recording one day's outcome: the backfill afterwards, where the day's run
 * stands, and whether the outcome counted.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordedOutcome {
  readonly backfill: Backfill
  /** Where the day's run stands afterwards. */
  readonly state: RunState
  /** False when the day had already reported: the outcome changed nothing. */
  readonly counted: boolean
}

const withRunError = (report: ReadonlyArray<RunError>, entry: RunError): ReadonlyArray<RunError> => {
  const at = report.findIndex((existing) => compareDates(existing.day, entry.day) > 0)
  return at === -1 ? [...report, entry] : [...report.slice(0, at), entry, ...report.slice(at)]
}

const count = (backfill: Backfill, day: CalendarDate, outcome: RunOutcome): Backfill =>
  outcome._tag === "Completed"
    ? { ...backfill, runs: { ...backfill.runs, completed: backfill.runs.completed + 1 } }
    : {
        ...backfill,
        runs: { ...backfill.runs, failed: backfill.runs.failed + 1 },
        errorReport: withRunError(backfill.errorReport, { day, error: truncateRunError(outcome.error) })
      }

/** The last outcome of a `RUNNING` backfill ends it: `COMPLETED`, or `FAILED` if any day failed. */
const finishIfLast = (backfill: Backfill, now: EpochSeconds): Backfill => {
  const { total, completed, failed } = backfill.runs
  if (backfill.status !== "RUNNING" || completed + failed < total) return backfill
  const ended = Either.getOrThrow(move(backfill, LifecycleEvent.AllRunsFinished({ anyFailed: failed > 0 })))
  return { ...ended, endTime: Option.some(now) }
}

/**
 * A worker reports the outcome of `day`, whose run is in `state` (`undefined` when it was
 * never created). A day reports once: a second report is accepted and changes nothing.
 * A pending day's report starts the backfill as its run would have, on its first attempt
 * (`attempts`, 1 by default): a pending day that was retried counts only an outcome of its
 * new attempt, once that has started, so a late second delivery of the previous attempt's
 * report changes nothing. On a cancelled backfill the outcome of a run that was already
 * executing is counted and the status stays `CANCELLED`. The last outcome of a `RUNNING`
 * backfill ends it: `COMPLETED`, or `FAILED` if any day failed.
 *
 * @since 0.1.0
 * @category utils
 */
export const recordOutcome = (
  backfill: Backfill,
  day: CalendarDate,
  state: RunState | undefined,
  outcome: RunOutcome,
  now: EpochSeconds,
  attempts = 1
): Either.Either<RecordedOutcome, DayOutsideRange | RunNotMaterialised | RunDropped | IllegalTransition> => {
  const backfillId = backfill.id
  if (!containsDay(backfill.range, day)) return Either.left(new DayOutsideRange({ backfillId, day }))
  if (state === undefined) return Either.left(new RunNotMaterialised({ backfillId, day }))
  if (state === "dropped") return Either.left(new RunDropped({ backfillId, day }))
  if (hasReported(state) || (state === "pending" && attempts > 1))
    return Either.right({ backfill, state, counted: false })
  const started = backfill.status === "CANCELLED" ? Either.right(backfill) : startRun(backfill, now)
  return Either.map(started, (running) => ({
    backfill: finishIfLast(count(running, day, outcome), now),
    state: outcome._tag === "Completed" ? "completed" : "failed",
    counted: true
  }))
}

/**
 * A user cancels: `CANCELLED`, with who and when; pending runs are to be dropped. Only an
 * active backfill can be cancelled; otherwise the answer is `IllegalTransition`.
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { type Backfill, Lifecycle, epochSecondsFromMillis, UserId } from "transfer-backfills"
 *
 * declare const backfill: Backfill
 *
 * const cancelled = Lifecycle.cancel(backfill, { time: epochSecondsFromMillis(1706778000000), userId: UserId.make(789n) })
 * const status = Either.map(cancelled, (next) => next.status) // Right("CANCELLED") for an active backfill
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const cancel = (backfill: Backfill, removal: Removal): Either.Either<Backfill, IllegalTransition> =>
  Either.map(move(backfill, LifecycleEvent.Cancelled()), (cancelled) => ({
    ...cancelled,
    removal: Option.some(removal),
    endTime: Option.some(removal.time)
  }))

/**
 * Failed days are queued again: those of `days`, or every failed day when it is `None`.
 * Allowed while the backfill has failed days and is not cancelled; a `FAILED` backfill
 * goes back to `SCHEDULED` with `end_time` cleared, one still `SCHEDULED` or `RUNNING`
 * keeps its status. The failed counter and the error report lose the retried days.
 * Refused with `IllegalTransition` for a cancelled backfill, `DaysNotFailed` naming the
 * requested days that have not failed, or `NoFailedDays` when there is nothing to retry.
 *
 * @since 0.2.0
 * @category utils
 */
export const retryDays = (
  backfill: Backfill,
  days: Option.Option<ReadonlyArray<CalendarDate>>
): Either.Either<Materialised, IllegalTransition | DaysNotFailed | NoFailedDays> => {
  if (backfill.status === "CANCELLED")
    return Either.left(new IllegalTransition({ from: "CANCELLED", event: "FailedDaysRetried" }))
  const failedDays = new Set(backfill.errorReport.map((entry) => entry.day))
  const requested = Option.match(days, {
    onNone: () => [...failedDays],
    onSome: (chosen) => [...new Set(chosen)].sort(compareDates)
  })
  const notFailed = requested.filter((day) => !failedDays.has(day))
  if (Arr.isNonEmptyReadonlyArray(notFailed))
    return Either.left(new DaysNotFailed({ backfillId: backfill.id, days: notFailed }))
  if (requested.length === 0) return Either.left(new NoFailedDays({ backfillId: backfill.id }))
  const retried = new Set(requested)
  const reopened =
    backfill.status === "FAILED" ? move(backfill, LifecycleEvent.FailedDaysRetried()) : Either.right(backfill)
  return Either.map(reopened, (next) => ({
    backfill: {
      ...next,
      runs: { ...next.runs, failed: next.runs.failed - retried.size },
      errorReport: next.errorReport.filter((entry) => !retried.has(entry.day)),
      // A FAILED backfill's end is cleared; a SCHEDULED or RUNNING one has none yet.
      endTime: Option.none()
    },
    days: requested
  }))
}

/**
 * Every failed day of a `FAILED` backfill is queued again (`retryDays`); a backfill in any
 * other status is refused with `IllegalTransition`. The worker port's retry.
 *
 * @since 0.1.0
 * @category utils
 */
export const retryFailedDays = (backfill: Backfill): Either.Either<Materialised, IllegalTransition> => {
  const refused = new IllegalTransition({ from: backfill.status, event: "FailedDaysRetried" })
  return backfill.status === "FAILED"
    ? Either.mapLeft(retryDays(backfill, Option.none()), () => refused)
    : Either.left(refused)
}
