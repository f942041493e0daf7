/**
 * A calendar day written exactly as `YYYY-MM-DD`. Kept as its canonical string: with a
 * fixed four-digit year, string order is calendar order, equality is `===`, and the
 * wire form needs no conversion. Validity and arithmetic are Temporal's.
 */
import { Either, Schema } from "effect"
import { Temporal } from "temporal-polyfill"

const ISO_CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/

const toRealPlainDate = (text: string): Either.Either<Temporal.PlainDate, string> => {
  if (!ISO_CALENDAR_DATE.test(text)) return Either.left("must be a date in the form YYYY-MM-DD")
  try {
    // An ISO string naming a day that does not exist always throws, whatever `overflow` says.
    return Either.right(Temporal.PlainDate.from(text))
  } catch {
    return Either.left("must be a real calendar date")
  }
}

export const CalendarDate = Schema.String.pipe(
  Schema.filter((text) => Either.match(toRealPlainDate(text), { onLeft: (reason) => reason, onRight: () => true }), {
    identifier: "CalendarDate",
    description: "a calendar date in the form YYYY-MM-DD",
    jsonSchema: { type: "string", format: "date" }
  }),
  Schema.brand("CalendarDate")
)
export type CalendarDate = typeof CalendarDate.Type

/** Why `text` is not a calendar date, or the date. */
export const parseCalendarDate = (text: string): Either.Either<CalendarDate, string> =>
  Either.map(toRealPlainDate(text), () => text as CalendarDate)

export const toPlainDate = (date: CalendarDate): Temporal.PlainDate => Temporal.PlainDate.from(date)

const FIRST_DAY = Temporal.PlainDate.from("0000-01-01")
const LAST_DAY = Temporal.PlainDate.from("9999-12-31")

/** The calendar date of a Temporal date, if it can be written with a four-digit year. */
export const fromPlainDate = (date: Temporal.PlainDate): Either.Either<CalendarDate, string> =>
  Temporal.PlainDate.compare(date, FIRST_DAY) < 0 || Temporal.PlainDate.compare(date, LAST_DAY) > 0
    ? Either.left("must be between 0000-01-01 and 9999-12-31")
    : Either.right(date.toString() as CalendarDate)

export const compareDates = (a: CalendarDate, b: CalendarDate): -1 | 0 | 1 => (a < b ? -1 : a > b ? 1 : 0)

/** Whole days from `a` to `b` (negative when `b` is earlier). */
export const daysBetween = (a: CalendarDate, b: CalendarDate): number => toPlainDate(a).until(toPlainDate(b)).days
