import { describe, expect, it } from "@effect/vitest"
import { Either, Option } from "effect"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { UnprocessableEntity } from "../../src/domain/errors.js"
import { DEFAULT_POLICY } from "../../src/domain/policy.js"
import { validateRequestedRange } from "../../src/domain/scheduleRules.js"

const today = "2024-02-01" as CalendarDate

const refusal = (range_start: string, range_end: string, policy = DEFAULT_POLICY) =>
  Either.getLeft(validateRequestedRange({ range_start, range_end }, today, policy)).pipe(
    Option.map((error) => error.description),
    Option.getOrUndefined
  )

describe("schedule rules (SPEC §3 step 8)", () => {
  it("accept the seed's range", () => {
    expect(
      validateRequestedRange({ range_start: "2024-01-01", range_end: "2024-01-31" }, today, DEFAULT_POLICY)
    ).toEqual(Either.right({ start: "2024-01-01", end: "2024-01-31" }))
  })

  it("accept a single day, and a range ending today", () => {
    expect(refusal("2024-02-01", "2024-02-01")).toBeUndefined()
  })

  it("refuse an impossible range_start, naming the field and quoting the value", () => {
    expect(refusal("2024-02-30", "2024-01-31")).toBe('range_start must be a real calendar date; got "2024-02-30".')
  })

  it("refuse a badly written range_end", () => {
    expect(refusal("2024-01-01", "2024-1-31")).toBe('range_end must be a date in the form YYYY-MM-DD; got "2024-1-31".')
  })

  it("check range_start before range_end", () => {
    expect(refusal("+002024-01-01", "2024-01-01T00:00")).toMatch(/^range_start /)
  })

  it("refuse a reversed range", () => {
    expect(refusal("2024-01-31", "2024-01-01")).toBe(
      "range_start (2024-01-31) must not be after range_end (2024-01-01)."
    )
  })

  it("refuse a range ending after today, the first day that may not be backfilled", () => {
    expect(refusal("2024-01-01", "2024-02-02")).toBe(
      "range_end (2024-02-02) must not be after today (2024-02-01 in the transfer's time zone)."
    )
  })

  it("refuse a range longer than the policy allows, and accept one exactly as long", () => {
    expect(refusal("2023-01-31", "2024-01-31")).toBeUndefined()
    expect(refusal("2023-01-30", "2024-01-31")).toBe("The range covers 367 days; at most 366 days are allowed.")
    const weekly = { ...DEFAULT_POLICY, maxRangeDays: 7 }
    expect(refusal("2024-01-01", "2024-01-07", weekly)).toBeUndefined()
    expect(refusal("2024-01-01", "2024-01-08", weekly)).toBe("The range covers 8 days; at most 7 days are allowed.")
  })

  it("refuse a range starting before the policy's earliest date, and accept one starting on it", () => {
    const policy = { ...DEFAULT_POLICY, earliestDate: Option.some("2024-01-10" as CalendarDate) }
    expect(refusal("2024-01-09", "2024-01-31", policy)).toBe("range_start (2024-01-09) must not be before 2024-01-10.")
    expect(refusal("2024-01-10", "2024-01-31", policy)).toBeUndefined()
  })

  it("apply the rules in SPEC order: reversed before future before too long before too early", () => {
    const strict = { maxRangeDays: 1, earliestDate: Option.some("2025-01-01" as CalendarDate) }
    expect(refusal("2024-03-02", "2024-03-01", strict)).toMatch(/must not be after range_end/)
    expect(refusal("2024-01-01", "2024-03-01", strict)).toMatch(/must not be after today/)
    expect(refusal("2024-01-01", "2024-01-31", strict)).toMatch(/covers 31 days/)
    expect(refusal("2024-01-01", "2024-01-01", strict)).toMatch(/must not be before 2025-01-01/)
  })

  it("fail with UNPROCESSABLE_ENTITY errors", () => {
    const result = validateRequestedRange({ range_start: "x", range_end: "y" }, today, DEFAULT_POLICY)
    expect(Either.getLeft(result).pipe(Option.getOrThrow)).toBeInstanceOf(UnprocessableEntity)
  })
})
