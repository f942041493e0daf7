import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { Temporal } from "temporal-polyfill"
import {
  civilFromDays,
  daysFromCivil,
  formatCivilDay,
  formatInstantSeconds,
  isRealDay,
  parseInstantSeconds
} from "../../src/domain/civil.js"

const FIRST_EPOCH_DAY = daysFromCivil({ year: 1, month: 1, day: 1 })
const LAST_EPOCH_DAY = daysFromCivil({ year: 9999, month: 12, day: 31 })
const epochDays = fc.integer({ min: FIRST_EPOCH_DAY, max: LAST_EPOCH_DAY })
const epochSeconds = fc.integer({ min: FIRST_EPOCH_DAY * 86_400, max: LAST_EPOCH_DAY * 86_400 + 86_399 })

/** Text shaped like an instant, with every field free to be out of range. */
const instantLikeText = fc
  .tuple(
    fc.integer({ min: 0, max: 9999 }),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
    fc.integer({ min: 0, max: 25 }),
    fc.integer({ min: 0, max: 60 }),
    fc.integer({ min: 0, max: 61 }),
    fc.constantFrom("Z", "+00:00", ".5Z", "z", "")
  )
  .map(([year, month, day, hours, minutes, seconds, tail]) => {
    const two = (value: number) => String(value).padStart(2, "0")
    return `${String(year).padStart(4, "0")}-${two(month)}-${two(day)}T${two(hours)}:${two(minutes)}:${two(seconds)}${tail}`
  })

/** What Temporal makes of the text: its seconds when it prints back as the very same text. */
const temporalSeconds = (text: string): number | undefined => {
  try {
    const millis = Temporal.Instant.from(text).epochMilliseconds
    const seconds = Math.floor(millis / 1000)
    const inRange = seconds >= FIRST_EPOCH_DAY * 86_400 && seconds <= LAST_EPOCH_DAY * 86_400 + 86_399
    return inRange && Temporal.Instant.fromEpochMilliseconds(seconds * 1000).toString() === text ? seconds : undefined
  } catch {
    return undefined
  }
}

describe("the calendar by arithmetic agrees with Temporal", () => {
  it.prop("on the day of every day count from 0001-01-01 to 9999-12-31, and back", [epochDays], ([days]) => {
    const day = civilFromDays(days)
    expect(formatCivilDay(day)).toBe(Temporal.PlainDate.from("1970-01-01").add({ days }).toString())
    expect(daysFromCivil(day)).toBe(days)
  })

  it.prop("on every instant's text, to the second", [epochSeconds], ([seconds]) => {
    expect(formatInstantSeconds(seconds)).toBe(
      Temporal.Instant.fromEpochMilliseconds(seconds * 1000).toString({ smallestUnit: "second" })
    )
    expect(parseInstantSeconds(formatInstantSeconds(seconds))).toBe(seconds)
  })

  it.prop("on which instants' texts it accepts, and as which second", [instantLikeText], ([text]) => {
    expect(parseInstantSeconds(text)).toBe(temporalSeconds(text))
  })

  it.prop(
    "on which days exist",
    [fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 })],
    ([year, month, day]) => {
      const exists = (() => {
        try {
          Temporal.PlainDate.from({ year, month, day }, { overflow: "reject" })
          return true
        } catch {
          return false
        }
      })()
      expect(isRealDay({ year, month, day })).toBe(exists)
    }
  )

  it("at the edges: leap days, century years, the first and last second", () => {
    expect(isRealDay({ year: 2000, month: 2, day: 29 })).toBe(true)
    expect(isRealDay({ year: 1900, month: 2, day: 29 })).toBe(false)
    expect(isRealDay({ year: 2024, month: 2, day: 29 })).toBe(true)
    expect(formatInstantSeconds(FIRST_EPOCH_DAY * 86_400)).toBe("0001-01-01T00:00:00Z")
    expect(formatInstantSeconds(LAST_EPOCH_DAY * 86_400 + 86_399)).toBe("9999-12-31T23:59:59Z")
    expect(parseInstantSeconds("2024-02-01T24:00:00Z")).toBeUndefined()
    expect(parseInstantSeconds("2024-02-01T23:59:60Z")).toBeUndefined()
    expect(parseInstantSeconds("0000-01-01T00:00:00Z")).toBeUndefined()
  })
})
