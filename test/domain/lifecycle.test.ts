import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Option, Schema } from "effect"
import { type Backfill, inconsistency } from "../../src/domain/backfill.js"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { daysOf } from "../../src/domain/dateRange.js"
import { TAXONOMY } from "../../src/domain/errors.js"
import { TransferId, UserId } from "../../src/domain/ids.js"
import * as Lifecycle from "../../src/domain/lifecycle.js"
import { completed, failed, type RunState, truncateRunError, WorkerId } from "../../src/domain/runs.js"
import { IllegalTransition } from "../../src/domain/status.js"
import { EpochSeconds } from "../../src/domain/time.js"
import {
  DayOutsideRange,
  DaysNotFailed,
  NoFailedDays,
  RunDropped,
  RunNotMaterialised,
  WORKER_ERROR_CODES
} from "../../src/domain/workerErrors.js"
import * as Arb from "../../src/testing/arbitraries.js"
import { backfillInStatus } from "../fixtures/backfills.js"

const transferId = TransferId.make(456789n)
const at = (seconds: number) => EpochSeconds.make(seconds)
const day = (text: string) => text as CalendarDate

/** A 3-day backfill with all runs created, as a worker finds it. */
const scheduled = backfillInStatus("SCHEDULED", { id: 1n, transferId, start: "2024-01-01", end: "2024-01-03" })
const created = backfillInStatus("CREATED", { id: 2n, transferId, start: "2024-01-01", end: "2024-01-10" })
/** Ten days, all runs created. */
const scheduledTenDays = () =>
  backfillInStatus("SCHEDULED", { id: 3n, transferId, start: "2024-01-01", end: "2024-01-10" })

const record = (backfill: Backfill, text: string, state: RunState | undefined, outcome = completed, now = 100) =>
  Lifecycle.recordOutcome(backfill, day(text), state, outcome, at(now))

const recorded = (result: ReturnType<typeof record>) => Either.getOrThrow(result)

describe("materialising runs", () => {
  it("creates the next days in order and climbs the counter", () => {
    const first = Lifecycle.materialiseRuns(created, 4)
    expect(first.days).toEqual(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"])
    expect(first.backfill.runs.created).toBe(4)
    expect(first.backfill.status).toBe("CREATED")
    const rest = Lifecycle.materialiseRuns(first.backfill, 100)
    expect(rest.days).toEqual(daysOf(created.range).slice(4))
    expect(rest.backfill.runs.created).toBe(10)
    expect(rest.backfill.status).toBe("SCHEDULED")
  })

  it("creates nothing once past CREATED, so a repeated step after a crash creates nothing twice", () => {
    const done = Lifecycle.materialiseRuns(created, 10).backfill
    expect(Lifecycle.materialiseRuns(done, 10)).toEqual({ backfill: done, days: [] })
    const cancelled = backfillInStatus("CANCELLED", { id: 3n, transferId, start: "2024-01-01", end: "2024-01-10" })
    expect(Lifecycle.materialiseRuns(cancelled, 10).days).toEqual([])
  })

  it("treats a negative batch as empty", () => {
    expect(Lifecycle.materialiseRuns(created, -5)).toEqual({ backfill: created, days: [] })
  })

  it.prop(
    "creates every day exactly once, whatever the batch sizes",
    [Arb.dateRange({ maxDays: 60 }), fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 1, maxLength: 40 })],
    ([range, batches]) => {
      let backfill: Backfill = {
        ...backfillInStatus("CREATED", { id: 9n, transferId, start: range.start, end: range.end })
      }
      const made: Array<CalendarDate> = []
      for (const size of [...batches, 60]) {
        const step = Lifecycle.materialiseRuns(backfill, size)
        made.push(...step.days)
        backfill = step.backfill
        expect(inconsistency(backfill)).toBeUndefined()
      }
      expect(made).toEqual(daysOf(range))
      expect(backfill.status).toBe("SCHEDULED")
    },
    { fastCheck: { numRuns: 200 } }
  )
})

describe("starting runs", () => {
  it("makes a SCHEDULED backfill RUNNING and sets start_time once", () => {
    const running = Either.getOrThrow(Lifecycle.startRun(scheduled, at(50)))
    expect(running.status).toBe("RUNNING")
    expect(running.startTime).toEqual(Option.some(50))
    expect(Lifecycle.startRun(running, at(60))).toEqual(Either.right(running))
  })

  it("keeps the first start_time when a retried backfill starts again", () => {
    const retried = { ...scheduled, startTime: Option.some(at(10)) }
    expect(Either.getOrThrow(Lifecycle.startRun(retried, at(99))).startTime).toEqual(Option.some(10))
  })

  it.each(["CREATED", "FAILED", "COMPLETED", "CANCELLED"] as const)(
    "refuses to start a run of a %s backfill",
    (status) => {
      const backfill = backfillInStatus(status, { id: 4n, transferId, start: "2024-01-01", end: "2024-01-03" })
      expect(Lifecycle.startRun(backfill, at(1))).toEqual(
        Either.left(new IllegalTransition({ from: status, event: "RunStarted" }))
      )
    }
  )
})

describe("recording outcomes", () => {
  const running = Either.getOrThrow(Lifecycle.startRun(scheduled, at(50)))

  it("counts a completed day and a failed day with its error", () => {
    const afterFirst = recorded(record(running, "2024-01-02", "running"))
    expect(afterFirst).toMatchObject({ state: "completed", counted: true })
    expect(afterFirst.backfill.runs).toMatchObject({ completed: 1, failed: 0 })
    const afterSecond = recorded(record(afterFirst.backfill, "2024-01-01", "running", failed("quota exceeded")))
    expect(afterSecond.state).toBe("failed")
    expect(afterSecond.backfill.runs).toMatchObject({ completed: 1, failed: 1 })
    expect(afterSecond.backfill.errorReport).toEqual([{ day: "2024-01-01", error: "quota exceeded" }])
  })

  it("counts a day once: a second report changes nothing", () => {
    const once = recorded(record(running, "2024-01-02", "running"))
    expect(record(once.backfill, "2024-01-02", "completed")).toEqual(
      Either.right({ backfill: once.backfill, state: "completed", counted: false })
    )
    expect(record(once.backfill, "2024-01-02", "completed", failed("late"))).toEqual(
      Either.right({ backfill: once.backfill, state: "completed", counted: false })
    )
    expect(record(once.backfill, "2024-01-03", "failed").pipe(Either.map((r) => r.counted))).toEqual(
      Either.right(false)
    )
  })

  it("finishes COMPLETED with end_time when the last day completes", () => {
    let backfill = running
    for (const text of ["2024-01-03", "2024-01-01", "2024-01-02"]) {
      backfill = recorded(record(backfill, text, "running", completed, 500)).backfill
    }
    expect(backfill.status).toBe("COMPLETED")
    expect(backfill.endTime).toEqual(Option.some(500))
    expect(inconsistency(backfill)).toBeUndefined()
  })

  it("finishes FAILED when the last day reports and some day failed, keeping the report in date order", () => {
    let backfill = running
    backfill = recorded(record(backfill, "2024-01-03", "running", failed("c"))).backfill
    backfill = recorded(record(backfill, "2024-01-02", "running")).backfill
    backfill = recorded(record(backfill, "2024-01-01", "running", failed("a"), 700)).backfill
    expect(backfill.status).toBe("FAILED")
    expect(backfill.endTime).toEqual(Option.some(700))
    expect(backfill.errorReport.map((entry) => entry.day)).toEqual(["2024-01-01", "2024-01-03"])
    expect(inconsistency(backfill)).toBeUndefined()
  })

  it("starts a SCHEDULED backfill when a pending day reports", () => {
    const result = recorded(record(scheduled, "2024-01-01", "pending", completed, 42))
    expect(result.backfill.status).toBe("RUNNING")
    expect(result.backfill.startTime).toEqual(Option.some(42))
  })

  it("refuses a day outside the range, a day never created and a dropped day", () => {
    expect(record(running, "2024-01-04", "running")).toEqual(
      Either.left(new DayOutsideRange({ backfillId: running.id, day: day("2024-01-04") }))
    )
    expect(record(running, "2023-12-31", undefined)).toEqual(
      Either.left(new DayOutsideRange({ backfillId: running.id, day: day("2023-12-31") }))
    )
    expect(record(running, "2024-01-02", undefined)).toEqual(
      Either.left(new RunNotMaterialised({ backfillId: running.id, day: day("2024-01-02") }))
    )
    expect(record(running, "2024-01-02", "dropped")).toEqual(
      Either.left(new RunDropped({ backfillId: running.id, day: day("2024-01-02") }))
    )
  })

  it("counts a retried day only once its new attempt has started", () => {
    const waiting = recorded(
      Lifecycle.recordOutcome(scheduled, day("2024-01-02"), "pending", failed("late"), at(100), 2)
    )
    expect(waiting).toEqual({ backfill: scheduled, state: "pending", counted: false })
    const running = recorded(Lifecycle.recordOutcome(scheduled, day("2024-01-02"), "running", completed, at(100), 2))
    expect([running.counted, running.state]).toEqual([true, "completed"])
    expect(recorded(record(scheduled, "2024-01-02", "pending")).counted).toBe(true)
  })

  it("refuses an outcome while the backfill is still CREATED", () => {
    const partly = Lifecycle.materialiseRuns(created, 2).backfill
    expect(record(partly, "2024-01-01", "pending")).toEqual(
      Either.left(new IllegalTransition({ from: "CREATED", event: "RunStarted" }))
    )
  })

  it("counts the late outcome of a run that was executing at cancel, leaving the status CANCELLED", () => {
    const cancelled = Either.getOrThrow(Lifecycle.cancel(running, { time: at(60), userId: UserId.make(790n) }))
    const late = recorded(record(cancelled, "2024-01-02", "running", failed("cut short")))
    expect(late.counted).toBe(true)
    expect(late.backfill.status).toBe("CANCELLED")
    expect(late.backfill.runs).toMatchObject({ failed: 1 })
    expect(late.backfill.endTime).toEqual(Option.some(60))
    expect(inconsistency(late.backfill)).toBeUndefined()
  })

  it("inserts a failed day between earlier and later ones in the report", () => {
    let backfill = Either.getOrThrow(Lifecycle.startRun(scheduledTenDays(), at(1)))
    for (const text of ["2024-01-01", "2024-01-09", "2024-01-05", "2024-01-07"]) {
      backfill = recorded(record(backfill, text, "running", failed(text))).backfill
    }
    expect(backfill.errorReport.map((entry) => entry.day)).toEqual([
      "2024-01-01",
      "2024-01-05",
      "2024-01-07",
      "2024-01-09"
    ])
  })

  it("leaves a cancelled backfill CANCELLED when its last running day reports", () => {
    let backfill = Either.getOrThrow(Lifecycle.startRun(scheduled, at(50)))
    backfill = recorded(record(backfill, "2024-01-01", "running")).backfill
    backfill = recorded(record(backfill, "2024-01-02", "running")).backfill
    const cancelled = Either.getOrThrow(Lifecycle.cancel(backfill, { time: at(60), userId: UserId.make(790n) }))
    const last = recorded(record(cancelled, "2024-01-03", "running", completed, 90))
    expect(last.backfill).toMatchObject({ status: "CANCELLED", endTime: Option.some(60) })
    expect(last.backfill.runs).toMatchObject({ completed: 3, failed: 0 })
  })

  it("keeps error texts to 1,000 characters without splitting a character", () => {
    const long = recorded(record(running, "2024-01-01", "running", failed("x".repeat(5000))))
    expect(long.backfill.errorReport[0]?.error).toHaveLength(1000)
    expect(truncateRunError("x".repeat(1000))).toHaveLength(1000)
    expect(truncateRunError(`${"x".repeat(999)}😀`)).toBe("x".repeat(999))
    expect(truncateRunError(`${"x".repeat(998)}😀y`)).toBe(`${"x".repeat(998)}😀`)
    // The lowest and highest leading surrogates, U+10000 and U+10FFFF.
    expect(truncateRunError(`${"x".repeat(999)}\u{10000}`)).toBe("x".repeat(999))
    expect(truncateRunError(`${"x".repeat(999)}\u{10FFFF}`)).toBe("x".repeat(999))
    expect(truncateRunError(`${"x".repeat(999)}\uD7FFz`)).toBe(`${"x".repeat(999)}\uD7FF`)
  })
})

describe("cancelling", () => {
  it("sets CANCELLED, who and when, and end_time", () => {
    const removal = { time: at(77), userId: UserId.make(790n) }
    const cancelled = Either.getOrThrow(Lifecycle.cancel(scheduled, removal))
    expect(cancelled).toMatchObject({ status: "CANCELLED", removal: Option.some(removal), endTime: Option.some(77) })
    expect(inconsistency(cancelled)).toBeUndefined()
  })

  it.each(["COMPLETED", "CANCELLED"] as const)("refuses a %s backfill", (status) => {
    const final = backfillInStatus(status, { id: 5n, transferId, start: "2024-01-01", end: "2024-01-03" })
    expect(Lifecycle.cancel(final, { time: at(1), userId: UserId.make(1n) })).toEqual(
      Either.left(new IllegalTransition({ from: status, event: "Cancelled" }))
    )
  })
})

describe("retrying failed days", () => {
  const failedBackfill = backfillInStatus("FAILED", { id: 6n, transferId, start: "2024-01-01", end: "2024-01-03" })

  it("re-opens a FAILED backfill: SCHEDULED, failed days pending, report emptied, end_time cleared", () => {
    const { backfill, days } = Either.getOrThrow(Lifecycle.retryFailedDays(failedBackfill))
    expect(days).toEqual(failedBackfill.errorReport.map((entry) => entry.day))
    expect(backfill).toMatchObject({ status: "SCHEDULED", errorReport: [], endTime: Option.none() })
    expect(backfill.runs).toEqual({ ...failedBackfill.runs, failed: 0 })
    expect(backfill.startTime).toEqual(failedBackfill.startTime)
    expect(inconsistency(backfill)).toBeUndefined()
  })

  it("refuses any other status, even a RUNNING backfill with a failed day", () => {
    expect(Lifecycle.retryFailedDays(scheduled)).toEqual(
      Either.left(new IllegalTransition({ from: "SCHEDULED", event: "FailedDaysRetried" }))
    )
    const running = recorded(record(scheduled, "2024-01-01", "pending", failed("x"))).backfill
    expect(running).toMatchObject({ status: "RUNNING", runs: { failed: 1 } })
    expect(Lifecycle.retryFailedDays(running)).toEqual(
      Either.left(new IllegalTransition({ from: "RUNNING", event: "FailedDaysRetried" }))
    )
  })

  it.prop(
    "retries exactly the chosen failed days of any backfill, or names those that have not failed",
    [
      Arb.backfill({ maxDays: 20 }).chain((backfill) =>
        fc.tuple(
          fc.constant(backfill),
          fc.option(
            fc.array(fc.constantFrom<CalendarDate>(...daysOf(backfill.range), day("1999-12-31")), { maxLength: 4 })
          )
        )
      )
    ],
    ([[backfill, picked]]) => {
      const chosen = picked as ReadonlyArray<CalendarDate> | null
      const failedDays = new Set(backfill.errorReport.map((entry) => entry.day))
      const requested: Array<CalendarDate> = chosen === null ? [...failedDays] : [...new Set(chosen)].sort()
      const notFailed = requested.filter((text) => !failedDays.has(text))
      const outcome = Lifecycle.retryDays(backfill, Option.fromNullable(chosen))
      if (backfill.status === "CANCELLED") {
        expect(Either.getLeft(outcome).pipe(Option.map((refused) => refused._tag))).toEqual(
          Option.some("IllegalTransition")
        )
      } else if (notFailed.length > 0) {
        expect(Either.getLeft(outcome)).toEqual(
          Option.some(new DaysNotFailed({ backfillId: backfill.id, days: notFailed as never }))
        )
      } else if (requested.length === 0) {
        expect(Either.getLeft(outcome)).toEqual(Option.some(new NoFailedDays({ backfillId: backfill.id })))
      } else {
        const { backfill: next, days } = Either.getOrThrow(outcome)
        expect(days).toEqual(requested)
        expect(next.runs).toEqual({ ...backfill.runs, failed: backfill.runs.failed - requested.length })
        expect(next.errorReport).toEqual(backfill.errorReport.filter((entry) => !requested.includes(entry.day)))
        expect(next.status).toBe(backfill.status === "FAILED" ? "SCHEDULED" : backfill.status)
        expect(next.endTime).toEqual(backfill.status === "FAILED" ? Option.none() : backfill.endTime)
        expect(next.startTime).toEqual(backfill.startTime)
        expect(inconsistency(next)).toBeUndefined()
      }
    }
  )
})

describe("worker ids", () => {
  it("are 1 to 128 printable ASCII characters without spaces", () => {
    expect(Schema.is(WorkerId)("worker-1@host:4312")).toBe(true)
    expect(Schema.is(WorkerId)("w".repeat(128))).toBe(true)
    for (const bad of ["", "w".repeat(129), "two words", "tab\there", "ünïcode", "x\n"]) {
      expect(Schema.is(WorkerId)(bad)).toBe(false)
    }
  })
})

describe("worker errors", () => {
  it("each map to a SPEC §5 code", () => {
    const codes = new Set(Object.values(TAXONOMY).map((entry) => entry.code))
    expect(Object.keys(WORKER_ERROR_CODES).sort()).toEqual([
      "DayOutsideRange",
      "IllegalTransition",
      "LeaseLost",
      "RunDropped",
      "RunNotMaterialised",
      "UnknownBackfill"
    ])
    for (const code of Object.values(WORKER_ERROR_CODES)) expect(codes.has(code)).toBe(true)
    expect(WORKER_ERROR_CODES.LeaseLost).toBe("CONFLICT_ERROR")
    expect(WORKER_ERROR_CODES.UnknownBackfill).toBe("NOT_FOUND")
  })
})
