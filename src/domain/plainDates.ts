/**
 * Calendar days as Temporal dates, for the date arithmetic of the domain's own modules.
 * Not part of the package's API: Temporal types stay inside, so a host never depends on
 * the polyfill's types.
 */
import { Either } from "effect"
import { Temporal } from "temporal-polyfill"
import { type CalendarDate, OUT_OF_RANGE } from "./calendarDate.js"

/**
 * The Temporal date of a calendar day, for date arithmetic.
 */
export const toPlainDate = (date: CalendarDate): Temporal.PlainDate => Temporal.PlainDate.from(date)

/**
 * The calendar date of a Temporal date, if it lies between `FIRST_DAY` and `LAST_DAY`.
 */
export const fromPlainDate = (date: Temporal.PlainDate): Either.Either<CalendarDate, string> =>
  date.year < 1 || date.year > 9999 ? Either.left(OUT_OF_RANGE) : Either.right(date.toString() as CalendarDate)
