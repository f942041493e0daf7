/**
 * What this adapter knows of the days it started: the backfill as its start saved it, the
 * version that save gave it and the run's attempts. The worker that started a day almost
 * always reports its outcome through the same adapter next, so the outcome can be decided
 * on what the start wrote and skip its read: its write still goes through only if the
 * backfill's version is the remembered one, and every change to a backfill or its runs
 * (a claim, a cancel, a retry, another day) moves that version. A miss, or a version that
 * moved, falls back to reading the snapshot.
 */
import type { Backfill } from "../../domain/backfill.js"
import type { CalendarDate } from "../../domain/calendarDate.js"
import type { BackfillId } from "../../domain/ids.js"
import type { RunState } from "../../domain/runs.js"

/**
 * The snapshot an outcome is decided on: the backfill, its version, the fence of its
 * latest claim and the day's run.
 *
 * @since 0.3.0
 * @category models
 */
export interface OutcomeSnapshot {
  readonly backfill: Backfill
  readonly version: string
  readonly fence: number
  readonly runState: RunState | undefined
  readonly runAttempts: number | undefined
}

/**
 * How many started days one adapter remembers at most: far more than the days a worker
 * host runs at once. The oldest is forgotten first; a forgotten day's outcome reads its
 * snapshot as any other would.
 *
 * @since 0.3.0
 * @category constants
 */
export const STARTED_DAYS_REMEMBERED = 4096

/**
 * A bounded memory of started days, each taken once by the outcome that follows it.
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeStartedDays = (capacity: number = STARTED_DAYS_REMEMBERED) => {
  const started = new Map<string, OutcomeSnapshot>()
  const keyOf = (id: BackfillId, day: CalendarDate) => `${id}/${day}`
  return {
    remember: (day: CalendarDate, snapshot: OutcomeSnapshot) => {
      const key = keyOf(snapshot.backfill.id, day)
      started.delete(key)
      started.set(key, snapshot)
      if (started.size > capacity) {
        const oldest = started.keys().next()
        if (oldest.done !== true) started.delete(oldest.value)
      }
    },
    take: (id: BackfillId, day: CalendarDate): OutcomeSnapshot | undefined => {
      const key = keyOf(id, day)
      const snapshot = started.get(key)
      started.delete(key)
      return snapshot
    },
    get size() {
      return started.size
    }
  }
}

/**
 * A bounded memory of started days (`makeStartedDays`).
 *
 * @since 0.3.0
 * @category models
 */
export type StartedDays = ReturnType<typeof makeStartedDays>
