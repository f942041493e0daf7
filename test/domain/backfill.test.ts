import { describe, expect, it } from "@effect/vitest"
import { Either, JSONSchema, Option, Schema } from "effect"
import {
  Backfill,
  BackfillFromWire,
  BackfillWire,
  encodeBackfill,
  inconsistency,
  newBackfill,
  RunCounters
} from "../../src/domain/backfill.js"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { makeDateRange } from "../../src/domain/dateRange.js"
import { BackfillId, TransferId, UserId } from "../../src/domain/ids.js"
import { EpochSeconds, epochSecondsFromMillis } from "../../src/domain/time.js"
import { stringifyJson } from "../../src/http/json.js"
import * as Arb from "../../src/testing/arbitraries.js"
import { SEED_SCHEDULE_RESPONSE_BODY } from "../fixtures/seed.js"
import { parseJson } from "../support/losslessJson.js"
import { decodeMessage } from "../support/messages.js"

const SPEC_KEY_ORDER = [
  "transfer_backfill_id",
  "transfer_id",
  "range_start_date",
  "range_end_date",
  "created_time",
  "created_user_id",
  "removed_time",
  "removed_user_id",
  "start_time",
  "end_time",
  "status",
  "transfer_runs_total",
  "transfer_runs_created",
  "transfer_runs_completed",
  "transfer_runs_failed",
  "error_report"
]

const decodeWire = Schema.decodeUnknownEither(BackfillFromWire)
const seedData = (JSON.parse(SEED_SCHEDULE_RESPONSE_BODY) as { data: Record<string, unknown> }).data

const seedBackfill: Backfill = {
  id: BackfillId.make(12345n),
  ...newBackfill({
    transferId: TransferId.make(456789n),
    range: Either.getOrThrow(makeDateRange("2024-01-01" as CalendarDate, "2024-01-31" as CalendarDate)),
    createdTime: epochSecondsFromMillis(Date.parse("2024-02-01T09:00:00Z")),
    createdUserId: UserId.make(789n)
  })
}

describe("the backfill entity", () => {
  it("is created as SPEC §3 says: CREATED, one run per day, nothing run yet", () => {
    expect(seedBackfill.status).toBe("CREATED")
    expect(seedBackfill.runs).toEqual({ total: 31, created: 0, completed: 0, failed: 0 })
    expect(seedBackfill.errorReport).toEqual([])
    expect(Option.isNone(seedBackfill.startTime)).toBe(true)
    expect(Option.isNone(seedBackfill.endTime)).toBe(true)
    expect(Option.isNone(seedBackfill.removal)).toBe(true)
    expect(inconsistency(seedBackfill)).toBeUndefined()
  })

  it("encodes to the seed's example, key for key and in the same order", () => {
    const wire = encodeBackfill(seedBackfill)
    expect(JSON.parse(stringifyJson(wire))).toEqual(seedData)
    expect(Object.keys(wire)).toEqual(Object.keys(seedData))
  })

  it("decodes the seed's example", () => {
    expect(decodeWire(seedData)).toEqual(Either.right(seedBackfill))
  })

  it.prop(
    "writes the keys in SPEC §2 order, leaving out removed_* while not cancelled",
    [Arb.backfill()],
    ([backfill]) => {
      const keys = Object.keys(encodeBackfill(backfill))
      const expected =
        backfill.status === "CANCELLED"
          ? SPEC_KEY_ORDER
          : SPEC_KEY_ORDER.filter((key) => key !== "removed_time" && key !== "removed_user_id")
      expect(keys).toEqual(expected)
    },
    { fastCheck: { numRuns: 200 } }
  )

  it.prop(
    "writes a response's wire object exactly as the schema encodes it",
    [Arb.backfill()],
    ([backfill]) => {
      const written = encodeBackfill(backfill)
      const encoded = Schema.encodeSync(BackfillFromWire)(backfill)
      expect(written).toStrictEqual(encoded)
      expect(Object.keys(written)).toEqual(Object.keys(encoded))
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop(
    "round-trips through its wire form and through JSON text",
    [Arb.backfill()],
    ([backfill]) => {
      const wire = encodeBackfill(backfill)
      expect(decodeWire(wire)).toEqual(Either.right(backfill))
      expect(decodeWire(parseJson(stringifyJson(wire)))).toEqual(Either.right(backfill))
    },
    { fastCheck: { numRuns: 300 } }
  )

  it("keeps the largest int64 ids exact in JSON text", () => {
    const huge = {
      ...seedBackfill,
      id: BackfillId.make(9223372036854775807n),
      createdUserId: UserId.make(9223372036854775807n)
    }
    const text = stringifyJson(encodeBackfill(huge))
    expect(text).toContain('"transfer_backfill_id":9223372036854775807')
    expect(text).toContain('"created_user_id":9223372036854775807')
    expect(decodeWire(parseJson(text))).toEqual(Either.right(huge))
  })

  it("writes a cancellation's removed_time and removed_user_id after created_user_id", () => {
    const cancelled: Backfill = {
      ...seedBackfill,
      status: "CANCELLED",
      removal: Option.some({ time: EpochSeconds.make(1706778060), userId: UserId.make(790n) }),
      endTime: Option.some(EpochSeconds.make(1706778060))
    }
    const wire = encodeBackfill(cancelled)
    expect(wire).toMatchObject({
      removed_time: "2024-02-01T09:01:00Z",
      removed_user_id: 790n,
      end_time: "2024-02-01T09:01:00Z"
    })
    expect(Object.keys(wire).slice(5, 9)).toEqual(["created_user_id", "removed_time", "removed_user_id", "start_time"])
  })

  it("refuses wire data with half a removal, a reversed range or an overlong error", () => {
    expect(Either.isLeft(decodeWire({ ...seedData, removed_time: "2024-02-01T09:01:00Z" }))).toBe(true)
    expect(Either.isLeft(decodeWire({ ...seedData, removed_user_id: 790 }))).toBe(true)
    expect(
      Either.isLeft(decodeWire({ ...seedData, range_start_date: "2024-02-01", range_end_date: "2024-01-01" }))
    ).toBe(true)
    const longError = {
      ...seedData,
      status: "RUNNING",
      start_time: "2024-02-01T09:00:00Z",
      transfer_runs_created: 31,
      transfer_runs_failed: 1,
      error_report: [{ transfer_run_date: "2024-01-02", error: "x".repeat(1001) }]
    }
    expect(Either.isLeft(decodeWire(longError))).toBe(true)
    expect(
      Either.isRight(
        decodeWire({ ...longError, error_report: [{ transfer_run_date: "2024-01-02", error: "x".repeat(1000) }] })
      )
    ).toBe(true)
  })

  it("says why it refuses wire data", () => {
    expect(decodeMessage(BackfillFromWire, { ...seedData, removed_time: "2024-02-01T09:01:00Z" })).toContain(
      "removed_time and removed_user_id must be present together"
    )
    expect(decodeMessage(BackfillFromWire, { ...seedData, removed_user_id: 790 })).toContain(
      "removed_time and removed_user_id must be present together"
    )
    expect(
      decodeMessage(BackfillFromWire, { ...seedData, range_start_date: "2024-02-01", range_end_date: "2024-01-01" })
    ).toContain("range_start_date must not be after range_end_date")
    expect(decodeMessage(BackfillFromWire, { ...seedData, transfer_runs_total: 30 })).toContain(
      "transfer_runs_total must equal the days in the range"
    )
  })

  it("refuses removed_* keys that are present without a value", () => {
    expect(Either.isLeft(decodeWire({ ...seedData, removed_time: undefined, removed_user_id: undefined }))).toBe(true)
  })

  it("keeps run counters within int32", () => {
    const counters = { total: 2 ** 31 - 1, created: 0, completed: 0, failed: 0 }
    expect(Schema.is(RunCounters)(counters)).toBe(true)
    expect(Schema.is(RunCounters)({ ...counters, total: 2 ** 31 })).toBe(false)
    expect(Schema.is(RunCounters)({ ...counters, failed: -1 })).toBe(false)
  })

  it("describes its wire form in JSON Schema field by field", () => {
    const schema = JSONSchema.make(BackfillWire) as unknown as {
      $defs: { Backfill: { required: Array<string>; properties: Record<string, unknown> } }
    }
    const entity = schema.$defs.Backfill
    expect(Object.keys(entity.properties)).toEqual(SPEC_KEY_ORDER)
    expect(entity.required).toEqual(SPEC_KEY_ORDER.filter((key) => !key.startsWith("removed_")))
    const int64 = { type: "integer", format: "int64", minimum: 1 }
    const date = { type: "string", format: "date" }
    expect(entity.properties).toMatchObject({
      transfer_backfill_id: int64,
      transfer_id: int64,
      created_user_id: int64,
      removed_user_id: int64,
      range_start_date: date,
      range_end_date: date,
      status: { enum: ["CREATED", "SCHEDULED", "RUNNING", "FAILED", "COMPLETED", "CANCELLED"] },
      transfer_runs_total: { minimum: 0, maximum: 2 ** 31 - 1 },
      error_report: { type: "array", items: { properties: { transfer_run_date: date, error: { maxLength: 1000 } } } }
    })
  })

  it("refuses wire data with unknown statuses, fractional counters or non-integer ids", () => {
    expect(Either.isLeft(decodeWire({ ...seedData, status: "PAUSED" }))).toBe(true)
    expect(Either.isLeft(decodeWire({ ...seedData, transfer_runs_created: 0.5 }))).toBe(true)
    expect(Either.isLeft(decodeWire({ ...seedData, transfer_id: "456789" }))).toBe(true)
  })
})

describe("entity invariants", () => {
  const secondJanuary = { day: "2024-01-02" as CalendarDate, error: "boom" }
  const fifthJanuary = { day: "2024-01-05" as CalendarDate, error: "boom" }
  const running: Backfill = {
    ...seedBackfill,
    status: "RUNNING",
    startTime: Option.some(EpochSeconds.make(1706778000)),
    runs: { total: 31, created: 31, completed: 3, failed: 2 },
    errorReport: [secondJanuary, fifthJanuary]
  }
  const ended = Option.some(EpochSeconds.make(1706779000))

  it.prop(
    "hold for every generated backfill",
    [Arb.backfill()],
    ([backfill]) => {
      expect(inconsistency(backfill)).toBeUndefined()
      expect(Schema.is(Backfill)(backfill)).toBe(true)
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.each<[string, Backfill]>([
    ["transfer_runs_total must equal the days in the range", { ...running, runs: { ...running.runs, total: 30 } }],
    [
      "transfer_runs_created must not exceed transfer_runs_total",
      { ...seedBackfill, runs: { ...seedBackfill.runs, created: 32 } }
    ],
    [
      "transfer_runs_completed + transfer_runs_failed must not exceed transfer_runs_created",
      { ...running, runs: { ...running.runs, created: 31, completed: 30 } }
    ],
    ["error_report must have one entry per failed run", { ...running, runs: { ...running.runs, failed: 3 } }],
    [
      "error_report dates must be unique, in date order and inside the range",
      { ...running, errorReport: [fifthJanuary, secondJanuary] }
    ],
    [
      "error_report dates must be unique, in date order and inside the range",
      { ...running, errorReport: [secondJanuary, secondJanuary] }
    ],
    [
      "error_report dates must be unique, in date order and inside the range",
      { ...running, errorReport: [secondJanuary, { day: "2024-02-01" as CalendarDate, error: "late" }] }
    ],
    [
      "removed_time and removed_user_id are set exactly when the backfill is CANCELLED",
      { ...running, removal: Option.some({ time: EpochSeconds.make(1), userId: UserId.make(1n) }) }
    ],
    [
      "removed_time and removed_user_id are set exactly when the backfill is CANCELLED",
      { ...running, status: "CANCELLED", endTime: ended }
    ],
    ["end_time is set exactly when the backfill is COMPLETED, FAILED or CANCELLED", { ...running, endTime: ended }],
    [
      "end_time is set exactly when the backfill is COMPLETED, FAILED or CANCELLED",
      { ...running, status: "FAILED", runs: { ...running.runs, completed: 29 } }
    ],
    ["start_time is set once a run has started", { ...running, startTime: Option.none() }],
    [
      "start_time is set once a run has started",
      {
        ...running,
        status: "FAILED",
        endTime: ended,
        startTime: Option.none(),
        runs: { ...running.runs, completed: 29 }
      }
    ],
    [
      "start_time is set once a run has started",
      {
        ...running,
        status: "COMPLETED",
        endTime: ended,
        startTime: Option.none(),
        runs: { ...running.runs, completed: 31, failed: 0 },
        errorReport: []
      }
    ],
    ["a CREATED backfill has no started runs", { ...seedBackfill, startTime: Option.some(EpochSeconds.make(1)) }],
    [
      "a CREATED backfill has no started runs",
      { ...seedBackfill, runs: { ...seedBackfill.runs, created: 1, completed: 1 } }
    ],
    [
      "a CREATED backfill has no started runs",
      {
        ...seedBackfill,
        runs: { ...seedBackfill.runs, created: 2, completed: 1, failed: 1 },
        errorReport: [secondJanuary]
      }
    ],
    [
      "every run exists once a backfill is SCHEDULED",
      { ...seedBackfill, status: "SCHEDULED", runs: { ...seedBackfill.runs, created: 30 } }
    ],
    [
      "a COMPLETED backfill has every run completed",
      {
        ...running,
        status: "COMPLETED",
        endTime: ended,
        runs: { ...running.runs, failed: 0, completed: 30 },
        errorReport: []
      }
    ],
    ["a FAILED backfill has every run finished and some failed", { ...running, status: "FAILED", endTime: ended }],
    [
      "a FAILED backfill has every run finished and some failed",
      {
        ...running,
        status: "FAILED",
        endTime: ended,
        runs: { ...running.runs, completed: 31, failed: 0 },
        errorReport: []
      }
    ]
  ])("are enforced: %s", (reason, backfill) => {
    expect(inconsistency(backfill)).toBe(reason)
    expect(Schema.is(Backfill)(backfill)).toBe(false)
  })

  it("allow the examples those cases are made from", () => {
    expect(inconsistency(running)).toBeUndefined()
    expect(
      inconsistency({ ...running, status: "FAILED", endTime: ended, runs: { ...running.runs, completed: 29 } })
    ).toBe(undefined)
    expect(
      inconsistency({
        ...running,
        status: "CANCELLED",
        endTime: ended,
        removal: Option.some({ time: EpochSeconds.make(1), userId: UserId.make(1n) })
      })
    ).toBeUndefined()
  })
})
