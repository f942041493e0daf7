/**
 * Instants and time zones. The wire shows instants in RFC 3339 UTC at second precision
 * (`2024-02-01T09:00:00Z`), so the domain keeps them as whole epoch seconds: nothing finer
 * is ever stored, shown or compared.
 */
import { Either, ParseResult, Schema } from "effect"
import { Temporal } from "temporal-polyfill"
import type { CalendarDate } from "./calendarDate.js"
import { formatInstantSeconds, parseInstantSeconds } from "./civil.js"
import { fromPlainDate } from "./plainDates.js"

const FIRST_SECOND = -62135596800 // 0001-01-01T00:00:00Z
/**
 * The last instant an `EpochSeconds` can hold: 9999-12-31T23:59:59Z.
 *
 * @since 0.2.0
 * @category constants
 */
export const LAST_SECOND = 253402300799

/**
 * An instant as whole epoch seconds, between years 0001 and 9999 (named for its unit: the
 * ports' clocks take milliseconds, `…Millis`). The wire shows instants at second
 * precision, so nothing finer is ever stored, shown or compared. Called `Timestamp` in 0.1.
 *
 * @since 0.2.0
 * @category schemas
 */
export const EpochSeconds = Schema.Int.pipe(
  Schema.between(FIRST_SECOND, LAST_SECOND, { message: () => "must be an instant between years 0001 and 9999" }),
  Schema.brand("EpochSeconds")
)
/**
 * An instant in whole epoch seconds.
 *
 * @since 0.2.0
 * @category models
 */
export type EpochSeconds = typeof EpochSeconds.Type

/**
 * The clock gives milliseconds; a stored instant keeps the whole seconds.
 *
 * @example
 * ```ts
 * import { Clock, Effect } from "effect"
 * import { epochSecondsFromMillis } from "transfer-backfills"
 *
 * const now = Effect.map(Clock.currentTimeMillis, epochSecondsFromMillis)
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const epochSecondsFromMillis = (epochMillis: number): EpochSeconds =>
  EpochSeconds.make(Math.floor(epochMillis / 1000))

/**
 * An instant as the wire shows it: RFC 3339 in UTC at second precision,
 * `2024-02-01T09:00:00Z`.
 *
 * @since 0.2.0
 * @category utils
 */
export const formatEpochSeconds = (timestamp: number): string => formatInstantSeconds(timestamp)

const TIMESTAMP_FORM = "must be a UTC instant in the form YYYY-MM-DDTHH:MM:SSZ"

/** Only the text `formatEpochSeconds` would print is accepted: no offsets, fractions or leap seconds. */
const parseTimestamp = (text: string): Either.Either<EpochSeconds, string> => {
  const seconds = parseInstantSeconds(text)
  return seconds === undefined ? Either.left(TIMESTAMP_FORM) : Either.right(EpochSeconds.make(seconds))
}

/**
 * An instant on the wire: `2024-02-01T09:00:00Z`. Only the text `formatEpochSeconds` would
 * print is accepted: no offsets, fractions or leap seconds.
 *
 * @since 0.2.0
 * @category schemas
 */
export const EpochSecondsFromString = Schema.transformOrFail(Schema.String, EpochSeconds, {
  strict: true,
  decode: (text, _, ast) =>
    Either.match(parseTimestamp(text), {
      onLeft: (reason) => ParseResult.fail(new ParseResult.Type(ast, text, reason)),
      onRight: (timestamp) => ParseResult.succeed(timestamp)
    }),
  encode: (timestamp) => ParseResult.succeed(formatEpochSeconds(timestamp))
}).annotations({ identifier: "Timestamp", jsonSchema: { type: "string", format: "date-time" } })

const isTimeZone = (name: string): boolean => {
  try {
    Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(name)
    return true
  } catch {
    return false
  }
}

/**
 * An IANA time zone name (or `UTC`) that Temporal knows.
 *
 * @example
 * ```ts
 * import { TimeZone } from "transfer-backfills"
 *
 * const newYork = TimeZone.make("America/New_York")
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const TimeZone = Schema.String.pipe(
  Schema.filter((name) => isTimeZone(name) || "must be an IANA time zone name", { identifier: "TimeZone" }),
  Schema.brand("TimeZone")
)
/**
 * A time zone name Temporal knows.
 *
 * @since 0.1.0
 * @category models
 */
export type TimeZone = typeof TimeZone.Type

/**
 * The `UTC` time zone: the one to give a transfer when the host knows none.
 *
 * @since 0.1.0
 * @category constants
 */
export const UTC = TimeZone.make("UTC")

/** Per time zone, the last day asked for and the instants it spans. */
const knownDays = new Map<TimeZone, { readonly from: number; readonly until: number; readonly day: CalendarDate }>()

/**
 * The calendar day it is in `timeZone` at the instant `epochMillis`. Every schedule asks,
 * and the answer changes once a day, so the day and its bounds are remembered per zone:
 * a zone's conversion runs again only when an instant falls outside the day last seen.
 *
 * @since 0.1.0
 * @category utils
 */
export const todayIn = (timeZone: TimeZone, epochMillis: number): Either.Either<CalendarDate, string> => {
  const known = knownDays.get(timeZone)
  if (known !== undefined && epochMillis >= known.from && epochMillis < known.until) return Either.right(known.day)
  const zoned = Temporal.Instant.fromEpochMilliseconds(epochMillis).toZonedDateTimeISO(timeZone)
  return Either.map(fromPlainDate(zoned.toPlainDate()), (day) => {
    const start = zoned.startOfDay()
    knownDays.set(timeZone, {
      from: start.epochMilliseconds,
      until: start.add({ days: 1 }).epochMilliseconds,
      day
    })
    return day
  })
}
