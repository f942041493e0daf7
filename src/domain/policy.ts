/**
 * The host's limits on what may be scheduled. Provided as a `Context.Reference`, so the
 * SPEC defaults apply until a host provides its own with `Layer.succeed(BackfillPolicy, …)`.
 */
import { Context, Option, Schema } from "effect"
import { CalendarDate } from "./calendarDate.js"

/**
 * The host's limits on what may be scheduled: the longest range and, optionally, the
 * earliest day a backfill may start on.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BackfillPolicyValues = Schema.Struct({
  /** The longest range one backfill may cover, in days. */
  maxRangeDays: Schema.Int.pipe(Schema.positive()),
  /** No backfill may start before this day, when set. */
  earliestDate: Schema.OptionFromSelf(CalendarDate)
})
/**
 * The host's limits on what may be scheduled.
 *
 * @since 0.1.0
 * @category models
 */
export type BackfillPolicyValues = typeof BackfillPolicyValues.Type

/**
 * SPEC's limits: ranges of at most 366 days, no earliest date.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_POLICY: BackfillPolicyValues = { maxRangeDays: 366, earliestDate: Option.none() }

/**
 * The limits `scheduleBackfill` applies. A `Context.Reference`, so the SPEC defaults
 * (`DEFAULT_POLICY`) apply until a host provides its own.
 *
 * @example
 * ```ts
 * import { Layer, Option, Schema } from "effect"
 * import { BackfillPolicy, CalendarDate } from "transfer-backfills"
 *
 * const policy = Layer.succeed(BackfillPolicy, {
 *   maxRangeDays: 90,
 *   earliestDate: Option.some(Schema.decodeUnknownSync(CalendarDate)("2020-01-01"))
 * })
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class BackfillPolicy extends Context.Reference<BackfillPolicy>()("transfer-backfills/BackfillPolicy", {
  defaultValue: (): BackfillPolicyValues => DEFAULT_POLICY
}) {}
