/**
 * SPEC §3 step 8: what a well-formed schedule request must mean. Pure: "today" and the
 * policy are given, so every rule is a plain function of its inputs.
 */
import { Either, Option } from "effect"
import { type CalendarDate, compareDates, parseCalendarDate } from "./calendarDate.js"
import { type DateRange, dayCount, makeDateRange } from "./dateRange.js"
import { excerpt, UnprocessableEntity } from "./errors.js"
import type { BackfillPolicyValues } from "./policy.js"

/** The two fields as the caller sent them, already known to be strings. */
export interface RequestedRange {
  readonly range_start: string
  readonly range_end: string
}

const unprocessable = (description: string) => new UnprocessableEntity({ description })

const requireDate = (field: keyof RequestedRange, text: string): Either.Either<CalendarDate, UnprocessableEntity> =>
  Either.mapLeft(parseCalendarDate(text), (reason) => unprocessable(`${field} ${reason}; got ${excerpt(text)}.`))

/** The range to schedule, or the first rule it breaks, in SPEC order. */
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
