/**
 * The worker side of a backfill: one run per day, the outcomes workers report, and the
 * leases that give one worker at a time the right to start a backfill's runs.
 */
import { Option, Schema } from "effect"
import { MAX_RUN_ERROR_LENGTH } from "./backfill.js"
import type { CalendarDate } from "./calendarDate.js"
import { BackfillId } from "./ids.js"
import type { EpochSeconds } from "./time.js"

/**
 * Where one day's run stands. `pending` runs wait for a worker; `running` ones were handed
 * to a worker; `completed` and `failed` ones have reported; `dropped` ones were still
 * pending when the backfill was cancelled and will never run.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RunState = Schema.Literal("pending", "running", "completed", "failed", "dropped")
/**
 * Where one day's run stands.
 *
 * @since 0.1.0
 * @category models
 */
export type RunState = typeof RunState.Type

/**
 * A state in which a run has reported, so a second report of the day changes nothing.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasReported = (state: RunState): boolean => state === "completed" || state === "failed"

/**
 * What a worker reports for one day: `Completed`, or `Failed` with the error text.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RunOutcome = Schema.Union(
  Schema.TaggedStruct("Completed", {}),
  Schema.TaggedStruct("Failed", { error: Schema.String })
)
/**
 * What a worker reports for one day.
 *
 * @since 0.1.0
 * @category models
 */
export type RunOutcome = typeof RunOutcome.Type

const [Completed, Failed] = RunOutcome.members

/**
 * The outcome of a day whose transfer run succeeded.
 *
 * @since 0.1.0
 * @category constructors
 */
export const completed: RunOutcome = Completed.make({})
/**
 * The outcome of a day whose transfer run failed with `error`; the text goes to the
 * backfill's error report, truncated to `MAX_RUN_ERROR_LENGTH`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { completed, failed, type RunExecutor } from "transfer-backfills"
 *
 * const execute: RunExecutor<never> = ({ day }) =>
 *   day.endsWith("-29") ? Effect.succeed(failed(`No data for ${day}`)) : Effect.succeed(completed)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const failed = (error: string): RunOutcome => Failed.make({ error })

/**
 * Error texts are kept to `MAX_RUN_ERROR_LENGTH` UTF-16 units, never cutting a surrogate
 * pair in half.
 *
 * @since 0.1.0
 * @category utils
 */
export const truncateRunError = (error: string): string => {
  if (error.length <= MAX_RUN_ERROR_LENGTH) return error
  const cut = error.slice(0, MAX_RUN_ERROR_LENGTH)
  const last = cut.charCodeAt(cut.length - 1)
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut
}

/**
 * How a worker names itself: printable ASCII, so it is safe in logs and SQL text alike.
 *
 * @example
 * ```ts
 * import { hostname } from "node:os"
 * import { WorkerId } from "transfer-backfills"
 *
 * const workerId = WorkerId.make(hostname())
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const WorkerId = Schema.String.pipe(
  Schema.pattern(/^[\x21-\x7e]{1,128}$/, { identifier: "WorkerId" }),
  Schema.brand("WorkerId")
)
/**
 * A worker's name.
 *
 * @since 0.1.0
 * @category models
 */
export type WorkerId = typeof WorkerId.Type

/**
 * The right of one worker to start a backfill's runs until `expiresAtMillis`. `fence`
 * grows with every claim of the backfill, so a worker whose lease was taken over can no
 * longer act on it, however late it wakes up.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Lease = Schema.Struct({
  backfillId: BackfillId,
  workerId: WorkerId,
  fence: Schema.Int.pipe(Schema.positive()),
  expiresAtMillis: Schema.Int
})
/**
 * A worker's lease on one backfill.
 *
 * @since 0.1.0
 * @category models
 */
export type Lease = typeof Lease.Type

/**
 * Whether the lease still holds at `nowMillis`; once it has expired, another worker may
 * claim the backfill.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isLeaseLive = (lease: Pick<Lease, "expiresAtMillis">, nowMillis: number): boolean =>
  nowMillis < lease.expiresAtMillis

/**
 * One day's run as the ledger shows it (`GET …/backfills/{backfill_id}/runs`): where it
 * stands and the history of its current attempt. A completed or failed run has both times
 * (a day reported before it was handed out started when it reported); a pending run has
 * neither; a run dropped by a cancel ended at the cancel.
 *
 * @since 0.2.0
 * @category models
 */
export interface DayRun {
  readonly day: CalendarDate
  readonly state: RunState
  /** How many times the day has been queued: 1 when its run is created, one more per retry. */
  readonly attempts: number
  /** When the current attempt was handed to a worker. */
  readonly startedTime: Option.Option<EpochSeconds>
  /** When the current attempt reported, or the cancel that dropped it. */
  readonly endedTime: Option.Option<EpochSeconds>
  /** The error of a failed run, at most `MAX_RUN_ERROR_LENGTH` characters. */
  readonly error: Option.Option<string>
}

/**
 * What happens to one day's run at each step of its backfill, as pure decisions the
 * repositories apply: memory calls them, PostgreSQL writes the same columns in SQL.
 *
 * @since 0.2.0
 * @category utils
 */
export const DayRuns = {
  /** The run a materialisation creates: pending, first attempt. */
  queued: (day: CalendarDate): DayRun => ({
    day,
    state: "pending",
    attempts: 1,
    startedTime: Option.none(),
    endedTime: Option.none(),
    error: Option.none()
  }),
  /** Handed to a worker at `now`. */
  started: (run: DayRun, now: EpochSeconds): DayRun => ({
    ...run,
    state: "running",
    startedTime: Option.some(now),
    endedTime: Option.none()
  }),
  /** Its worker is gone (the backfill was claimed again): pending within the same attempt. */
  requeued: (run: DayRun): DayRun => ({ ...run, state: "pending", startedTime: Option.none() }),
  /** Reported at `now`; a failure keeps its (truncated) error. */
  reported: (run: DayRun, outcome: RunOutcome, now: EpochSeconds): DayRun => ({
    ...run,
    state: outcome._tag === "Completed" ? "completed" : "failed",
    startedTime: Option.orElse(run.startedTime, () => Option.some(now)),
    endedTime: Option.some(now),
    error: outcome._tag === "Completed" ? Option.none() : Option.some(truncateRunError(outcome.error))
  }),
  /** Still pending when the backfill was cancelled at `now`: it will never run. */
  dropped: (run: DayRun, now: EpochSeconds): DayRun => ({ ...run, state: "dropped", endedTime: Option.some(now) }),
  /** A failed day queued again: the next attempt, with no history yet. */
  retried: (run: DayRun): DayRun => ({
    ...run,
    state: "pending",
    attempts: run.attempts + 1,
    startedTime: Option.none(),
    endedTime: Option.none(),
    error: Option.none()
  })
} as const
