/**
 * SPEC §3 step 8: what a well-formed schedule request must mean. Pure: "today" and the
 * policy are given, so every rule is a plain function of its inputs.
 */
import { Either, Option } from "effect"
import { type CalendarDate, compareDates, parseCalendarDate } from "./calendarDate.js"
import { type DateRange, dayCount, makeDateRange } from "./dateRange.js"
import { excerpt, UnprocessableEntity } from "./errors.js"
import type { BackfillPolicyValues } from "./policy.js"

/**
 * The two fields as the caller sent them, already known to be strings.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestedRange {
  readonly range_start: string
  readonly range_end: string
}

const unprocessable = (description: string) => new UnprocessableEntity({ description })

const requireDate = (field: keyof RequestedRange, text: string): Either.Either<CalendarDate, UnprocessableEntity> =>
  Either.mapLeft(parseCalendarDate(text), (reason) => unprocessable(`${field} ${reason}; got ${excerpt(text)}.`))

/**
 * The range to schedule, or the first rule it breaks, in SPEC order (SPEC §3 step 8): both
 * days real, start not after end, end not after `today` in the transfer's time zone, at most
 * `policy.maxRangeDays` days, no start before `policy.earliestDate`. Pure: "today" and the
 * policy are given.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { CalendarDate, DEFAULT_POLICY, validateRequestedRange } from "transfer-backfills"
 *
 * const today = Schema.decodeUnknownSync(CalendarDate)("2024-06-01")
 * const range = validateRequestedRange({ range_start: "2024-01-01", range_end: "2024-01-31" }, today, DEFAULT_POLICY)
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const validateRequestedRange = (
  requested: RequestedRange,
  today: CalendarDate,
  policy: BackfillPolicyValues
): Either.Either<DateRange, UnprocessableEntity> =>
  Either.gen(function* () {
    const start = yield* requireDate("range_start", requested.range_start)
    const end = yield* requireDate("range_end", requested.range_end)
    const range = yield* Either.mapLeft(makeDateRange(start, end), () =>
      unprocessable(`range_start (${start}) must not be after range_end (${end}).`)
    )
    if (compareDates(range.end, today) > 0) {
      return yield* Either.left(
        unprocessable(`range_end (${range.end}) must not be after today (${today} in the transfer's time zone).`)
      )
    }
    const days = dayCount(range)
    if (days > policy.maxRangeDays) {
      return yield* Either.left(
        unprocessable(`The range covers ${days} days; at most ${policy.maxRangeDays} days are allowed.`)
      )
    }
    const tooEarly = Option.filter(policy.earliestDate, (earliest) => compareDates(range.start, earliest) < 0)
    if (Option.isSome(tooEarly)) {
      return yield* Either.left(unprocessable(`range_start (${range.start}) must not be before ${tooEarly.value}.`))
    }
    return range
  })
