/**
 * Backfills a memory store starts with: what a seed says of each, and the runs its
 * counters imply when it says nothing of them.
 */
import { Option } from "effect"
import type { Backfill } from "../../domain/backfill.js"
import type { CalendarDate } from "../../domain/calendarDate.js"
import { daysOf } from "../../domain/dateRange.js"
import type { TeamId } from "../../domain/ids.js"
import { type DayRun, DayRuns, type RunState } from "../../domain/runs.js"

/**
 * A backfill already in the store when it starts, in any status, with the team that owns
 * it; for `layerMemoryBackfillRepository`'s seed.
 *
 * @since 0.1.0
 * @category models
 */
export interface SeededBackfill {
  readonly teamId: TeamId
  readonly backfill: Backfill
  /** Where each created day's run stands; by default pending, or as the counters imply. */
  readonly runs?: ReadonlyMap<CalendarDate, RunState> | undefined
}

/**
 * Runs a seeded backfill's counters imply: reported days first, then pending ones (dropped
 * ones for a cancelled backfill).
 *
 * @since 0.1.0
 * @category utils
 */
export const impliedRuns = (backfill: Backfill): Map<CalendarDate, RunState> => {
  const failedDays = new Set(backfill.errorReport.map((entry) => entry.day))
  const runs = new Map<CalendarDate, RunState>()
  let completed = backfill.runs.completed
  for (const day of daysOf(backfill.range).slice(0, backfill.runs.created)) {
    if (failedDays.has(day)) runs.set(day, "failed")
    else if (completed > 0) {
      runs.set(day, "completed")
      completed -= 1
    } else runs.set(day, backfill.status === "CANCELLED" ? "dropped" : "pending")
  }
  return runs
}

/**
 * The ledger entries of a seeded backfill's runs: first attempts, the error of a failed
 * day from the error report, no times (a seed says where runs stand, not when they moved).
 *
 * @since 0.2.0
 * @category utils
 */
export const seededRuns = (
  backfill: Backfill,
  states: ReadonlyMap<CalendarDate, RunState>
): Map<CalendarDate, DayRun> => {
  const errors = new Map(backfill.errorReport.map((entry) => [entry.day, entry.error]))
  return new Map(
    [...states].map(([day, state]) => [
      day,
      {
        ...DayRuns.queued(day),
        state,
        error: state === "failed" ? Option.fromNullable(errors.get(day)) : Option.none()
      }
    ])
  )
}
