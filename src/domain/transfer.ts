/**
 * What the library needs to know of a transfer: who owns it, where its days begin, and
 * the limits of its own, if it has any.
 */
import { Schema } from "effect"
import { CalendarDate } from "./calendarDate.js"
import { TeamId, TransferId } from "./ids.js"
import { TimeZone } from "./time.js"

/**
 * A transfer's own limits, each replacing the host's policy for it when set: the longest
 * range one backfill may cover (a licence, say), the earliest day a backfill may start on
 * (the source's retention), and how many days of the transfer may run at once.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { CalendarDate, type TransferLimits } from "transfer-backfills"
 *
 * const limits: TransferLimits = {
 *   maxRangeDays: 365,
 *   earliestDate: Schema.decodeUnknownSync(CalendarDate)("2023-01-01"),
 *   maxRunningDays: 2
 * }
 * ```
 *
 * @since 0.3.0
 * @category schemas
 */
export const TransferLimits = Schema.Struct({
  /** The longest range one backfill of the transfer may cover, in days. */
  maxRangeDays: Schema.optional(Schema.Int.pipe(Schema.positive())),
  /** No backfill of the transfer may start before this day: the earliest its source keeps. */
  earliestDate: Schema.optional(CalendarDate),
  /** At most this many days of the transfer run at once, across its backfills and all workers. */
  maxRunningDays: Schema.optional(Schema.Int.pipe(Schema.positive()))
})
/**
 * A transfer's own limits.
 *
 * @since 0.3.0
 * @category models
 */
export type TransferLimits = typeof TransferLimits.Type

/**
 * What the library needs to know of a transfer: who owns it and where its days begin. A
 * `TransferLookup` answers with one.
 *
 * @example
 * ```ts
 * import { TeamId, Transfer, TransferId, UTC } from "transfer-backfills"
 *
 * const transfer: Transfer = { id: TransferId.make(456789n), teamId: TeamId.make(1n), timeZone: UTC }
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const Transfer = Schema.Struct({
  id: TransferId,
  teamId: TeamId,
  /** Decides which day is "today" for the transfer; `UTC` when the host has none. */
  timeZone: TimeZone,
  /** Limits of the transfer's own, replacing the host's policy for it; none when left out. */
  limits: Schema.optional(TransferLimits)
})
/**
 * A transfer: its id, its team and its time zone.
 *
 * @since 0.1.0
 * @category models
 */
export type Transfer = typeof Transfer.Type
