/**
 * The host's limits on what may be scheduled. Provided as a `Context.Reference`, so the
 * SPEC defaults apply until a host provides its own with `Layer.succeed(BackfillPolicy, …)`.
 */
import { Context, Option, Schema } from "effect"
import { CalendarDate } from "./calendarDate.js"

export const BackfillPolicyValues = Schema.Struct({
  /** The longest range one backfill may cover, in days. */
  maxRangeDays: Schema.Int.pipe(Schema.positive()),
  /** No backfill may start before this day, when set. */
  earliestDate: Schema.OptionFromSelf(CalendarDate)
})
export type BackfillPolicyValues = typeof BackfillPolicyValues.Type

export const DEFAULT_POLICY: BackfillPolicyValues = { maxRangeDays: 366, earliestDate: Option.none() }

export class BackfillPolicy extends Context.Reference<BackfillPolicy>()("transfer-backfills/BackfillPolicy", {
  defaultValue: (): BackfillPolicyValues => DEFAULT_POLICY
}) {}
