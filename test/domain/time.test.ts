import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, JSONSchema, Schema } from "effect"
import { Temporal } from "temporal-polyfill"
import {
  EpochSeconds,
  EpochSecondsFromString,
  epochSecondsFromMillis,
  formatEpochSeconds,
  TimeZone,
  todayIn,
  UTC
} from "../../src/domain/time.js"
import { decodeMessage } from "../support/messages.js"

const decodeInstant = Schema.decodeUnknownEither(EpochSecondsFromString)

describe("timestamps", () => {
  it("print as RFC 3339 UTC with whole seconds, as the seed shows them", () => {
    expect(formatEpochSeconds(epochSecondsFromMillis(Date.UTC(2024, 1, 1, 9, 0, 0, 999)))).toBe("2024-02-01T09:00:00Z")
    expect(Schema.encodeSync(EpochSecondsFromString)(EpochSeconds.make(0))).toBe("1970-01-01T00:00:00Z")
  })

  it("keep whole seconds of the clock, also before 1970", () => {
    expect(epochSecondsFromMillis(1999)).toBe(1)
    expect(epochSecondsFromMillis(-1)).toBe(-1)
  })

  it.prop(
    "read back what they print",
    [fc.integer({ min: -62135596800, max: 253402300799 })],
    ([seconds]) => {
      const text = formatEpochSeconds(seconds)
      expect(decodeInstant(text)).toEqual(Either.right(seconds))
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.each([
    "2024-02-01T09:00:00.000Z",
    "2024-02-01T09:00:00+00:00",
    "2024-02-01 09:00:00Z",
    "2024-02-01T09:00Z",
    "2024-02-30T09:00:00Z",
    "2024-02-01T24:00:00Z",
    "2016-12-31T23:59:60Z",
    "+002024-02-01T09:00:00Z"
  ])("refuse %s", (text) => {
    expect(Either.isLeft(decodeInstant(text))).toBe(true)
  })

  it("say which form they expect", () => {
    expect(decodeMessage(EpochSecondsFromString, "2024-02-01T09:00:00+01:00")).toContain(
      "must be a UTC instant in the form YYYY-MM-DDTHH:MM:SSZ"
    )
    expect(decodeMessage(EpochSeconds, 253402300800)).toContain("must be an instant between years 0001 and 9999")
  })

  it("describe themselves in JSON Schema as date-times", () => {
    expect(JSONSchema.make(EpochSecondsFromString)).toMatchObject({
      $defs: { Timestamp: { type: "string", format: "date-time" } }
    })
  })

  it("stay within years 0001 to 9999", () => {
    expect(Schema.is(EpochSeconds)(-62135596800)).toBe(true)
    expect(Schema.is(EpochSeconds)(-62135596801)).toBe(false)
    expect(Schema.is(EpochSeconds)(253402300799)).toBe(true)
    expect(Schema.is(EpochSeconds)(253402300800)).toBe(false)
    expect(Schema.is(EpochSeconds)(1.5)).toBe(false)
  })
})

describe("time zones", () => {
  it("accept IANA names and UTC, refuse anything else", () => {
    expect(Schema.is(TimeZone)("America/New_York")).toBe(true)
    expect(Schema.is(TimeZone)("UTC")).toBe(true)
    expect(Schema.is(TimeZone)("Mars/Olympus_Mons")).toBe(false)
    expect(Schema.is(TimeZone)("")).toBe(false)
    expect(decodeMessage(TimeZone, "Mars/Olympus_Mons")).toContain("must be an IANA time zone name")
    expect(UTC).toBe("UTC")
  })

  it.prop(
    "decide the day as Temporal does, however instants and zones follow each other",
    [
      fc.array(
        fc.tuple(
          fc.constantFrom(
            "UTC",
            "America/New_York",
            "Europe/Berlin",
            "Pacific/Kiritimati",
            "Pacific/Pago_Pago",
            "Asia/Kolkata"
          ),
          // Around a DST change and a midnight, down to the millisecond.
          fc.oneof(
            fc.integer({ min: Date.UTC(2024, 2, 9), max: Date.UTC(2024, 2, 12) }),
            fc.integer({ min: Date.UTC(2024, 9, 26), max: Date.UTC(2024, 10, 4) }),
            fc.integer({ min: 0, max: 4_102_444_800_000 })
          )
        ),
        { minLength: 1, maxLength: 30 }
      )
    ],
    ([asks]) => {
      for (const [zone, millis] of asks) {
        const expected = Temporal.Instant.fromEpochMilliseconds(millis)
          .toZonedDateTimeISO(zone)
          .toPlainDate()
          .toString()
        expect(todayIn(TimeZone.make(zone), millis)).toEqual(Either.right(expected))
      }
    },
    { fastCheck: { numRuns: 300 } }
  )

  it("decide which day it is", () => {
    const instant = Date.UTC(2024, 1, 1, 3, 0, 0)
    expect(todayIn(UTC, instant)).toEqual(Either.right("2024-02-01"))
    expect(todayIn(TimeZone.make("America/New_York"), instant)).toEqual(Either.right("2024-01-31"))
    expect(todayIn(TimeZone.make("Pacific/Kiritimati"), Date.UTC(2024, 0, 31, 11, 0, 0))).toEqual(
      Either.right("2024-02-01")
    )
  })
})
