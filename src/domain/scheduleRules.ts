/**
 * SPEC §3 step 8: what a well-formed schedule request must mean. Pure: "today" and the
 * policy are given, so every rule is a plain function of its inputs.
 */
import { Either, Option } from "effect"
import { type CalendarDate, compareDates, parseCalendarDate } from "./calendarDate.js"
import { type DateRange, dayCount, makeDateRange } from "./dateRange.js"
import { excerpt, UnprocessableEntity } from "./errors.js"
import type { BackfillPolicyValues } from "./policy.js"
import type { TransferLimits } from "./transfer.js"
import type { ProcessingOrder } from "./turns.js"

/**
 * The body's fields as the caller sent them: the two days, already known to be strings,
 * and the processing order, if the caller chose one.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestedRange {
  readonly range_start: string
  readonly range_end: string
  /** The order the backfill's days run in; `newest_first` when left out. */
  readonly order?: ProcessingOrder | undefined
}

const unprocessable = (description: string) => new UnprocessableEntity({ description })

const requireDate = (field: keyof RequestedRange, text: string): Either.Either<CalendarDate, UnprocessableEntity> =>
  Either.mapLeft(parseCalendarDate(text), (reason) => unprocessable(`${field} ${reason}; got ${excerpt(text)}.`))

/**
 * The range to schedule, or the first rule it breaks, in SPEC order (SPEC §3 step 8): both
 * days real, start not after end, end not after `today` in the transfer's time zone, at most
 * `policy.maxRangeDays` days, no start before `policy.earliestDate`. A transfer's own
 * `limits` replace the policy's, limit by limit, and a refusal names the transfer's limit
 * and its value. Pure: "today", the policy and the limits are given.
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
  policy: BackfillPolicyValues,
  limits: TransferLimits = {}
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
    const longest = limits.maxRangeDays ?? policy.maxRangeDays
    if (days > longest) {
      return yield* Either.left(
        unprocessable(
          limits.maxRangeDays === undefined
            ? `The range covers ${days} days; at most ${longest} days are allowed.`
            : `The range covers ${days} days, longer than this transfer's limit of ${longest} days.`
        )
      )
    }
    const earliest = Option.orElse(Option.fromNullable(limits.earliestDate), () => policy.earliestDate)
    if (Option.isSome(earliest) && compareDates(range.start, earliest.value) < 0) {
      return yield* Either.left(
        unprocessable(
          limits.earliestDate === undefined
            ? `range_start (${range.start}) must not be before ${earliest.value}.`
            : `range_start (${range.start}) is before ${earliest.value}, the earliest day this transfer's source keeps.`
        )
      )
    }
    return range
  })
