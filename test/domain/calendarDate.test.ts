import { describe, expect, it } from "@effect/vitest"
import { Either, JSONSchema, Schema } from "effect"
import { Temporal } from "temporal-polyfill"
import { CalendarDate, compareDates, daysBetween, parseCalendarDate } from "../../src/domain/calendarDate.js"
import { fromPlainDate, toPlainDate } from "../../src/domain/plainDates.js"
import * as Arb from "../../src/testing/arbitraries.js"
import { decodeMessage } from "../support/messages.js"

const RUNS = { fastCheck: { numRuns: 300 } }

describe("calendar dates", () => {
  it.prop(
    "print back exactly the text they were parsed from",
    [Arb.calendarDate()],
    ([date]) => {
      const parsed = parseCalendarDate(date)
      expect(parsed).toEqual(Either.right(date))
      expect(toPlainDate(date).toString()).toBe(date)
      expect(Schema.is(CalendarDate)(date)).toBe(true)
    },
    RUNS
  )

  it.prop(
    "never parse from text that is not a real YYYY-MM-DD date",
    [Arb.invalidDateText],
    ([text]) => {
      expect(Either.isLeft(parseCalendarDate(text))).toBe(true)
      expect(Schema.is(CalendarDate)(text)).toBe(false)
    },
    RUNS
  )

  it.each(["2024-02-30", "2024-1-01", "+002024-01-01", "2024-01-01T00:00", "2023-02-29"])("refuse %s", (text) => {
    expect(Either.isLeft(parseCalendarDate(text))).toBe(true)
  })

  it("describe themselves in JSON Schema as dates, and say why they refuse text", () => {
    expect(JSONSchema.make(CalendarDate)).toMatchObject({ type: "string", format: "date" })
    expect(decodeMessage(CalendarDate, "2024-02-30")).toContain("must be a real calendar date")
  })

  it("tell a wrong shape from an impossible day", () => {
    expect(parseCalendarDate("2024-1-01")).toEqual(Either.left("must be a date in the form YYYY-MM-DD"))
    expect(parseCalendarDate("2024-02-30")).toEqual(Either.left("must be a real calendar date"))
  })

  it("accept leap days of leap years and the first and last supported days", () => {
    for (const text of ["2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31"]) {
      expect(parseCalendarDate(text)).toEqual(Either.right(text))
    }
  })

  it("refuse year 0000, which PostgreSQL's dates do not have", () => {
    for (const text of ["0000-01-01", "0000-12-31", "0000-02-29"]) {
      expect(parseCalendarDate(text)).toEqual(Either.left("must be between 0001-01-01 and 9999-12-31"))
    }
  })

  it.prop(
    "order like Temporal and count the days between like Temporal",
    [Arb.calendarDate(), Arb.calendarDate()],
    ([a, b]) => {
      expect(compareDates(a, b)).toBe(Temporal.PlainDate.compare(a, b))
      expect(daysBetween(a, b)).toBe(Temporal.PlainDate.from(a).until(b, { largestUnit: "days" }).days)
    },
    RUNS
  )

  it("only come from Temporal dates between 0001-01-01 and 9999-12-31", () => {
    expect(fromPlainDate(Temporal.PlainDate.from("2024-03-05"))).toEqual(Either.right("2024-03-05"))
    expect(fromPlainDate(Temporal.PlainDate.from("0001-01-01"))).toEqual(Either.right("0001-01-01"))
    expect(fromPlainDate(Temporal.PlainDate.from("9999-12-31"))).toEqual(Either.right("9999-12-31"))
    expect(fromPlainDate(Temporal.PlainDate.from("0000-12-31"))).toEqual(
      Either.left("must be between 0001-01-01 and 9999-12-31")
    )
    expect(fromPlainDate(Temporal.PlainDate.from("+010000-01-01"))).toEqual(
      Either.left("must be between 0001-01-01 and 9999-12-31")
    )
    expect(Either.isLeft(fromPlainDate(Temporal.PlainDate.from("-000001-12-31")))).toBe(true)
  })
})
