/**
 * What a schedule would do, found by the same checks (SPEC §3 steps 3–8) and writing
 * nothing: the range, its runs in the order workers take them, "today" in the transfer's
 * time zone, and every active backfill it would meet (step 9).
 */
import { Effect, Option } from "effect"
import type { Backfill } from "../domain/backfill.js"
import type { CalendarDate } from "../domain/calendarDate.js"
import { type DateRange, dayCount, daysOf, sharedDays } from "../domain/dateRange.js"
import type { TransferId } from "../domain/ids.js"
import type { ProcessingOrder } from "../domain/turns.js"
import { BackfillRepository } from "../ports/backfillRepository.js"
import type { TransferLookup } from "../ports/transferLookup.js"
import { idAttributes } from "./access.js"
import { checkedSchedule, type ScheduleBackfill, type ScheduleBackfillError } from "./scheduleBackfill.js"
import { traced } from "./spans.js"

/**
 * How many runs a preview shows from each end of the processing order.
 *
 * @since 0.2.0
 * @category constants
 */
export const PREVIEW_DAYS = 10

/**
 * An active backfill a schedule would meet, and the days both would cover.
 *
 * @since 0.2.0
 * @category models
 */
export interface PreviewConflict {
  readonly backfill: Backfill
  readonly sharedDays: DateRange
}

/**
 * What `scheduleBackfill` would do with the same command, now.
 *
 * @since 0.2.0
 * @category models
 */
export interface BackfillPreview {
  readonly transferId: TransferId
  readonly range: DateRange
  /** "Today" in the transfer's time zone, which the range must not pass. */
  readonly today: CalendarDate
  readonly runsTotal: number
  /** The order the days would run in: the request's, `newest_first` by default. */
  readonly order: ProcessingOrder
  /** The first runs workers would take, in that order: all of them up to `PREVIEW_DAYS`. */
  readonly firstDays: ReadonlyArray<CalendarDate>
  /** The last runs, up to `PREVIEW_DAYS`, none of them among `firstDays`. */
  readonly lastDays: ReadonlyArray<CalendarDate>
  /** The active backfills in the way: a schedule now succeeds exactly when there is none. */
  readonly conflicts: ReadonlyArray<PreviewConflict>
}

/**
 * What a preview fails with: what a schedule fails with before it would write (access, a
 * missing transfer, a body that cannot be read, a range that breaks a rule, a port that
 * cannot answer). An overlap is not a failure of a preview: it is what `conflicts` lists.
 *
 * @since 0.2.0
 * @category errors
 */
export type PreviewBackfillError = Exclude<ScheduleBackfillError, { readonly _tag: "Conflict" | "DuplicationFailed" }>

/**
 * What `scheduleBackfill` would do with the same command, through the very same checks,
 * writing nothing: its errors are a schedule's, in the same order, and when it finds no
 * conflict a schedule made right after succeeds with the same range and runs.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { previewBackfill, type Principal, TeamId, TransferId } from "transfer-backfills"
 *
 * declare const principal: Principal
 * const preview = previewBackfill({
 *   principal,
 *   teamId: TeamId.make(1n),
 *   transferId: TransferId.make(456789n),
 *   range: { range_start: "2024-01-01", range_end: "2024-01-31" }
 * })
 * // Effect<BackfillPreview>: 31 runs, 2024-01-31 first, and the active backfills in the way
 * ```
 *
 * @since 0.2.0
 * @category operations
 */
export const previewBackfill = <E = never, R = never>(
  command: ScheduleBackfill<E, R>
): Effect.Effect<BackfillPreview, PreviewBackfillError | E, TransferLookup | BackfillRepository | R> =>
  Effect.gen(function* () {
    const { access, range, today, processing } = yield* checkedSchedule(command)
    const repository = yield* BackfillRepository
    const active = yield* repository
      .activeOverlapping(access, command.transferId, range)
      .pipe(traced("BackfillRepository.activeOverlapping"))
    const days = processing.order === "oldest_first" ? [...daysOf(range)] : [...daysOf(range)].reverse()
    const firstDays = days.slice(0, PREVIEW_DAYS)
    return {
      transferId: command.transferId,
      range,
      today,
      runsTotal: dayCount(range),
      order: processing.order,
      firstDays,
      lastDays: days.slice(Math.max(firstDays.length, days.length - PREVIEW_DAYS)),
      conflicts: active.flatMap((backfill) =>
        Option.match(sharedDays(range, backfill.range), {
          onNone: () => [],
          onSome: (shared) => [{ backfill, sharedDays: shared }]
        })
      )
    }
  }).pipe(traced("previewBackfill", idAttributes(command)))
