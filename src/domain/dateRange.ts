/**
 * An inclusive range of calendar days. The brand is only given by decoding or by
 * `makeDateRange`, both of which refuse a reversed range, so a `DateRange` value always
 * has `start <= end` and at least one day.
 */
import { Either, Option, Schema } from "effect"
import { CalendarDate, compareDates, daysBetween } from "./calendarDate.js"
import { toPlainDate } from "./plainDates.js"

/**
 * An inclusive range of calendar days, `start <= end`, at least one day. The brand is only
 * given by decoding or by `makeDateRange`, both of which refuse a reversed range.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DateRange = Schema.Struct({ start: CalendarDate, end: CalendarDate }).pipe(
  Schema.filter((range) => compareDates(range.start, range.end) <= 0 || "start must not be after end", {
    identifier: "DateRange"
  }),
  Schema.brand("DateRange")
)
/**
 * An inclusive, non-empty range of calendar days.
 *
 * @since 0.1.0
 * @category models
 */
export type DateRange = typeof DateRange.Type

/**
 * A range whose start comes after its end, refused by `makeDateRange`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ReversedRange extends Schema.TaggedError<ReversedRange>()("ReversedRange", {
  start: CalendarDate,
  end: CalendarDate
}) {}

/**
 * The range from `start` to `end`, both included, or `ReversedRange` when `start` is later.
 *
 * @example
 * ```ts
 * import { Either, Schema } from "effect"
 * import { CalendarDate, dayCount, makeDateRange } from "transfer-backfills"
 *
 * const day = Schema.decodeUnknownSync(CalendarDate)
 * const days = Either.map(makeDateRange(day("2024-01-01"), day("2024-01-31")), dayCount) // Right(31)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeDateRange = (start: CalendarDate, end: CalendarDate): Either.Either<DateRange, ReversedRange> =>
  compareDates(start, end) <= 0
    ? Either.right(DateRange.make({ start, end }, { disableValidation: true }))
    : Either.left(new ReversedRange({ start, end }))

/**
 * Number of days in the range, both ends included.
 *
 * @since 0.1.0
 * @category utils
 */
export const dayCount = (range: DateRange): number => daysBetween(range.start, range.end) + 1

/**
 * Whether the ranges share at least one day.
 *
 * @since 0.1.0
 * @category predicates
 */
export const overlaps = (a: DateRange, b: DateRange): boolean =>
  compareDates(a.start, b.end) <= 0 && compareDates(b.start, a.end) <= 0

/**
 * The days two ranges share, as a range, if they share any.
 *
 * @example
 * ```ts
 * import { Either, Option } from "effect"
 * import { type CalendarDate, makeDateRange, sharedDays } from "transfer-backfills"
 *
 * const range = (start: string, end: string) =>
 *   Either.getOrThrow(makeDateRange(start as CalendarDate, end as CalendarDate))
 * sharedDays(range("2024-01-01", "2024-01-31"), range("2024-01-15", "2024-02-15"))
 * // Option.some({ start: "2024-01-15", end: "2024-01-31" })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const sharedDays = (a: DateRange, b: DateRange): Option.Option<DateRange> =>
  overlaps(a, b)
    ? Option.some(
        DateRange.make(
          {
            start: compareDates(a.start, b.start) >= 0 ? a.start : b.start,
            end: compareDates(a.end, b.end) <= 0 ? a.end : b.end
          },
          { disableValidation: true }
        )
      )
    : Option.none()

/**
 * Whether one range ends the day before the other starts: touching, not overlapping.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isAdjacent = (a: DateRange, b: DateRange): boolean =>
  daysBetween(a.end, b.start) === 1 || daysBetween(b.end, a.start) === 1

/**
 * Whether `day` lies in the range, either end included.
 *
 * @since 0.1.0
 * @category predicates
 */
export const containsDay = (range: DateRange, day: CalendarDate): boolean =>
  compareDates(range.start, day) <= 0 && compareDates(day, range.end) <= 0

/**
 * Every day of the range, in order.
 *
 * @since 0.1.0
 * @category utils
 */
export const daysOf = (range: DateRange): ReadonlyArray<CalendarDate> => {
  const first = toPlainDate(range.start)
  return Array.from({ length: dayCount(range) }, (_, offset) => first.add({ days: offset }).toString() as CalendarDate)
}

/**
 * The range for a message: `2024-01-01 to 2024-01-31`.
 *
 * @since 0.1.0
 * @category utils
 */
export const formatRange = (range: DateRange): string => `${range.start} to ${range.end}`
