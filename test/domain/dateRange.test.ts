import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
import { Temporal } from "temporal-polyfill"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import {
  containsDay,
  DateRange,
  dayCount,
  daysOf,
  formatRange,
  isAdjacent,
  makeDateRange,
  overlaps,
  ReversedRange,
  sharedDays
} from "../../src/domain/dateRange.js"
import * as Arb from "../../src/testing/arbitraries.js"
import { decodeMessage } from "../support/messages.js"

const RUNS = { fastCheck: { numRuns: 300 } }

/** Ranges packed into a few months, so that overlaps, adjacency and gaps all occur often. */
const nearbyRange = Arb.dateRange({ min: "2024-01-01", max: "2024-03-31", maxDays: 40 })

const range = (start: string, end: string): DateRange =>
  Either.getOrThrow(makeDateRange(start as CalendarDate, end as CalendarDate))

const nextDay = (date: string): CalendarDate =>
  Temporal.PlainDate.from(date).add({ days: 1 }).toString() as CalendarDate

describe("date ranges", () => {
  it.prop(
    "overlap symmetrically",
    [nearbyRange, nearbyRange],
    ([a, b]) => {
      expect(overlaps(a, b)).toBe(overlaps(b, a))
    },
    RUNS
  )

  it.prop(
    "overlap themselves",
    [Arb.dateRange()],
    ([a]) => {
      expect(overlaps(a, a)).toBe(true)
    },
    RUNS
  )

  it.prop(
    "overlap exactly when they have a day in common",
    [nearbyRange, nearbyRange],
    ([a, b]) => {
      const daysOfB = new Set(daysOf(b))
      expect(overlaps(a, b)).toBe(daysOf(a).some((day) => daysOfB.has(day)))
    },
    RUNS
  )

  it.prop(
    "share exactly the days both contain, and some days exactly when they overlap",
    [nearbyRange, nearbyRange],
    ([a, b]) => {
      const shared = sharedDays(a, b)
      expect(shared._tag === "Some").toBe(overlaps(a, b))
      const inBoth = daysOf(a).filter((day) => containsDay(b, day))
      expect(shared._tag === "Some" ? daysOf(shared.value) : []).toEqual(inBoth)
      expect(sharedDays(b, a)).toEqual(shared)
    },
    RUNS
  )

  it.prop(
    "never overlap when adjacent",
    [Arb.dateRange({ max: "9000-12-31" }), fc.integer({ min: 0, max: 400 })],
    ([a, extraDays]) => {
      const start = nextDay(a.end)
      const b = range(start, Temporal.PlainDate.from(start).add({ days: extraDays }).toString())
      expect(isAdjacent(a, b)).toBe(true)
      expect(isAdjacent(b, a)).toBe(true)
      expect(overlaps(a, b)).toBe(false)
      expect(overlaps(b, a)).toBe(false)
    },
    RUNS
  )

  it.prop(
    "are adjacent exactly when one starts the day after the other ends",
    [nearbyRange, nearbyRange],
    ([a, b]) => {
      expect(isAdjacent(a, b)).toBe(nextDay(a.end) === b.start || nextDay(b.end) === a.start)
    },
    RUNS
  )

  it.prop(
    "count as many days as they list, and as Temporal's difference plus one",
    [Arb.dateRange({ maxDays: 400 })],
    ([a]) => {
      const days = daysOf(a)
      expect(dayCount(a)).toBe(days.length)
      expect(dayCount(a)).toBe(Temporal.PlainDate.from(a.start).until(a.end, { largestUnit: "days" }).days + 1)
      expect(days[0]).toBe(a.start)
      expect(days.at(-1)).toBe(a.end)
      for (const [index, day] of days.entries()) {
        if (index > 0) expect(day).toBe(nextDay(days[index - 1] as string))
      }
    },
    RUNS
  )

  it.prop(
    "contain exactly their listed days",
    [nearbyRange, Arb.calendarDate({ min: "2023-12-01", max: "2024-06-30" })],
    ([a, day]) => {
      expect(containsDay(a, day)).toBe(daysOf(a).includes(day))
    },
    RUNS
  )

  it("cannot be made reversed", () => {
    expect(makeDateRange("2024-01-02" as CalendarDate, "2024-01-01" as CalendarDate)).toEqual(
      Either.left(new ReversedRange({ start: "2024-01-02" as CalendarDate, end: "2024-01-01" as CalendarDate }))
    )
    expect(decodeMessage(DateRange, { start: "2024-01-02", end: "2024-01-01" })).toContain(
      "start must not be after end"
    )
    expect(decodeMessage(DateRange, { start: "2024-01-01" })).toBeDefined()
  })

  it("may be a single day", () => {
    const day = range("2024-01-01", "2024-01-01")
    expect(dayCount(day)).toBe(1)
    expect(daysOf(day)).toEqual(["2024-01-01"])
    expect(Either.isRight(Schema.decodeUnknownEither(DateRange)({ start: "2024-01-01", end: "2024-01-01" }))).toBe(true)
  })

  it("count the seed's January as 31 days and a leap February as 29", () => {
    expect(dayCount(range("2024-01-01", "2024-01-31"))).toBe(31)
    expect(dayCount(range("2024-02-01", "2024-02-29"))).toBe(29)
    expect(dayCount(range("2024-01-01", "2024-12-31"))).toBe(366)
  })

  it("treat the seed's adjacent months as not overlapping", () => {
    const january = range("2024-01-01", "2024-01-31")
    const february = range("2024-02-01", "2024-02-29")
    expect(overlaps(january, february)).toBe(false)
    expect(isAdjacent(january, february)).toBe(true)
    expect(overlaps(january, range("2024-01-31", "2024-02-01"))).toBe(true)
    expect(isAdjacent(january, range("2024-02-02", "2024-02-03"))).toBe(false)
  })

  it("read as 'start to end'", () => {
    expect(formatRange(range("2024-01-01", "2024-01-31"))).toBe("2024-01-01 to 2024-01-31")
  })
})
