/**
 * How workers share the backfills: the order a backfill's days run in, and the caps a
 * claim respects. A worker holds a backfill for a turn of a few days, then gives it back
 * and claims again, and each claim goes to the team with the fewest running days.
 */
import { Option, Schema } from "effect"

/**
 * The order a backfill's days run in: `newest_first` (SPEC's "reverse chronological
 * order", the default) or `oldest_first`. The ledger and the preview list runs in it.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ProcessingOrder = Schema.Literal("newest_first", "oldest_first")
/**
 * The order a backfill's days run in.
 *
 * @since 0.3.0
 * @category models
 */
export type ProcessingOrder = typeof ProcessingOrder.Type

/**
 * SPEC's order: the latest day first.
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_PROCESSING_ORDER: ProcessingOrder = "newest_first"

/**
 * How a backfill is to be processed, fixed when it is scheduled and kept beside it (not
 * in the Backfill entity): the order of its days, and the running-days cap of its
 * transfer, when the transfer has one.
 *
 * @since 0.3.0
 * @category models
 */
export interface BackfillProcessing {
  readonly order: ProcessingOrder
  /** At most this many days of the backfill's transfer run at once, across its backfills. */
  readonly transferMaxRunningDays: Option.Option<number>
}

/**
 * Newest first, no cap of the transfer's own.
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_PROCESSING: BackfillProcessing = {
  order: DEFAULT_PROCESSING_ORDER,
  transferMaxRunningDays: Option.none()
}

/**
 * What a claim must respect besides leases: at most `maxRunningDaysPerTeam` days of one
 * team running at once, across every worker and host (none when unset). A team at its
 * cap is skipped, not waited for.
 *
 * @since 0.3.0
 * @category models
 */
export interface ClaimCaps {
  readonly maxRunningDaysPerTeam?: number | undefined
}

/**
 * Days a worker runs of a backfill before giving it back and claiming again: one, so that
 * every team with work gets its share day by day.
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_DAYS_PER_TURN = 1

/**
 * Whether a day comes before another in `order`: the later day first for `newest_first`.
 *
 * @since 0.3.0
 * @category utils
 */
export const runsBefore = (order: ProcessingOrder, day: string, other: string): boolean =>
  order === "newest_first" ? day > other : day < other
