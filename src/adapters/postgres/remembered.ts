/**
 * What this adapter knows of the steps it just wrote, so that the worker's next step can
 * be decided on it and skip its read. A claim knows the backfill it leased and its next
 * pending day, which the start of that day needs; a start knows the backfill and the run
 * it saved, which the day's outcome needs. The worker takes those steps one after the
 * other through the same adapter, so the memory is almost always right; it is never
 * trusted: the step's write goes through only if the backfill's version is still the
 * remembered one, and every change to a backfill or its runs (a claim, a start, an
 * outcome, a cancel, a retry) moves that version. A miss, or a version that moved, falls
 * back to reading the snapshot.
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
 * The snapshot the start of a day is decided on: the backfill, its version, the fence of
 * its latest claim, and its next pending day in its processing order with its attempts.
 *
 * @since 0.3.0
 * @category models
 */
export interface StartSnapshot {
  readonly backfill: Backfill
  readonly version: string
  readonly fence: number
  readonly nextDay: CalendarDate
  readonly nextAttempts: number
}

/**
 * How many snapshots of each kind one adapter remembers at most: far more than the
 * backfills a worker host holds at once. The oldest is forgotten first; a forgotten
 * step reads its snapshot as any other would.
 *
 * @since 0.3.0
 * @category constants
 */
export const SNAPSHOTS_REMEMBERED = 4096

/**
 * A bounded memory of snapshots by key, each taken once by the step that follows.
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeMemory = <Snapshot>(capacity: number = SNAPSHOTS_REMEMBERED) => {
  const remembered = new Map<string, Snapshot>()
  return {
    remember: (key: string, snapshot: Snapshot) => {
      remembered.delete(key)
      remembered.set(key, snapshot)
      if (remembered.size > capacity) {
        const oldest = remembered.keys().next()
        if (oldest.done !== true) remembered.delete(oldest.value)
      }
    },
    take: (key: string): Snapshot | undefined => {
      const snapshot = remembered.get(key)
      remembered.delete(key)
      return snapshot
    },
    get size() {
      return remembered.size
    }
  }
}

/**
 * What the worker's steps on one adapter remember for each other: the next start of each
 * claimed backfill, and the outcome of each started day.
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeRemembered = (capacity?: number) => ({
  starts: makeMemory<StartSnapshot>(capacity),
  outcomes: makeMemory<OutcomeSnapshot>(capacity)
})

/**
 * What the worker's steps remember (`makeRemembered`).
 *
 * @since 0.3.0
 * @category models
 */
export type Remembered = ReturnType<typeof makeRemembered>

/**
 * The key of a backfill's next start.
 *
 * @since 0.3.0
 * @category utils
 */
export const startKey = (id: BackfillId): string => String(id)

/**
 * The key of one day's outcome.
 *
 * @since 0.3.0
 * @category utils
 */
export const outcomeKey = (id: BackfillId, day: CalendarDate): string => `${id}/${day}`
