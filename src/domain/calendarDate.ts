/**
 * A calendar day written exactly as `YYYY-MM-DD`, from 0001-01-01 to 9999-12-31. Kept as
 * its canonical string: with a fixed four-digit year, string order is calendar order,
 * equality is `===`, and the wire form needs no conversion. Validity and arithmetic are
 * Temporal's. Year 0000 is refused although ISO 8601 has it: PostgreSQL's `date` has no
 * year 0 (1 BC comes before AD 1), and every adapter must accept the same days.
 */
import { Either, Schema } from "effect"
import { type CivilDay, daysFromCivil, isRealDay } from "./civil.js"

const ISO_CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/

/**
 * The earliest calendar day accepted, on every adapter alike.
 *
 * @since 0.1.0
 * @category constants
 */
export const FIRST_DAY = "0001-01-01"
/**
 * The latest calendar day accepted.
 *
 * @since 0.1.0
 * @category constants
 */
export const LAST_DAY = "9999-12-31"

/**
 * Why a day outside years 0001–9999 is refused.
 *
 * @since 0.2.0
 * @category constants
 */
export const OUT_OF_RANGE = `must be between ${FIRST_DAY} and ${LAST_DAY}`

const partsOf = (text: string): CivilDay => ({
  year: Number(text.slice(0, 4)),
  month: Number(text.slice(5, 7)),
  day: Number(text.slice(8, 10))
})

const toRealDay = (text: string): Either.Either<CivilDay, string> => {
  if (!ISO_CALENDAR_DATE.test(text)) return Either.left("must be a date in the form YYYY-MM-DD")
  if (text.startsWith("0000")) return Either.left(OUT_OF_RANGE)
  const parts = partsOf(text)
  return isRealDay(parts) ? Either.right(parts) : Either.left("must be a real calendar date")
}

/**
 * A real calendar day written exactly as `YYYY-MM-DD`, from `FIRST_DAY` to `LAST_DAY`,
 * kept as its canonical string: string order is calendar order and equality is `===`.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { CalendarDate } from "transfer-backfills"
 *
 * const day = Schema.decodeUnknownSync(CalendarDate)("2024-02-29")
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const CalendarDate = Schema.String.pipe(
  Schema.filter((text) => Either.match(toRealDay(text), { onLeft: (reason) => reason, onRight: () => true }), {
    identifier: "CalendarDate",
    description: "a calendar date in the form YYYY-MM-DD",
    jsonSchema: { type: "string", format: "date" }
  }),
  Schema.brand("CalendarDate")
)
/**
 * A calendar day as its canonical `YYYY-MM-DD` text.
 *
 * @since 0.1.0
 * @category models
 */
export type CalendarDate = typeof CalendarDate.Type

/**
 * Why `text` is not a calendar date, or the date.
 *
 * @example
 * ```ts
 * import { parseCalendarDate } from "transfer-backfills"
 *
 * parseCalendarDate("2024-02-30") // Left("must be a real calendar date")
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const parseCalendarDate = (text: string): Either.Either<CalendarDate, string> =>
  Either.map(toRealDay(text), () => text as CalendarDate)

/**
 * Orders two calendar days: `-1` when `a` is earlier, `1` when later, `0` when equal.
 *
 * @since 0.1.0
 * @category utils
 */
export const compareDates = (a: CalendarDate, b: CalendarDate): -1 | 0 | 1 => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Days from 1970-01-01 to `date` in the proleptic Gregorian calendar, as Temporal counts
 * them, by plain arithmetic on the canonical text: day counts sit on the hot path of
 * every schedule, where Temporal objects cost more.
 *
 * @since 0.1.0
 * @category utils
 */
export const epochDay = (date: CalendarDate): number => daysFromCivil(partsOf(date))

/**
 * Whole days from `a` to `b` (negative when `b` is earlier).
 *
 * @since 0.1.0
 * @category utils
 */
export const daysBetween = (a: CalendarDate, b: CalendarDate): number => epochDay(b) - epochDay(a)
