/**
 * Runs and outcomes: starting days newest first, recording each outcome once, and the counters they move.
 */
import { describe, expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import { completed, failed } from "../../../domain/runs.js"
import { epochSecondsFromMillis } from "../../../domain/time.js"
import type { Repositories, Tester } from "../steps.js"
import * as steps from "../steps.js"
import { T0 } from "../world.js"

export const runsAndOutcomesTests = (test: Tester<Repositories>) =>
  describe("runs and outcomes", () => {
    test("start days newest first, make the backfill RUNNING and set start_time once", () =>
      Effect.gen(function* () {
        const { lease } = yield* steps.readyToRun("2024-01-01", "2024-01-03")
        const first = Option.getOrThrow(yield* steps.startNext(lease, T0 + 1000))
        expect(first.day).toBe("2024-01-03")
        expect(first.backfill.status).toBe("RUNNING")
        expect(first.backfill.startTime).toEqual(Option.some(epochSecondsFromMillis(T0 + 1000)))
        const second = Option.getOrThrow(yield* steps.startNext(lease, T0 + 9000))
        expect(second.day).toBe("2024-01-02")
        expect(second.backfill.startTime).toEqual(first.backfill.startTime)
        expect(Option.getOrThrow(yield* steps.startNext(lease)).day).toBe("2024-01-01")
        expect(yield* steps.startNext(lease)).toEqual(Option.none())
      }))

    test("start each day once, even when starts race each other and an outcome", () =>
      Effect.gen(function* () {
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-06")
        yield* steps.startNext(lease)
        const [starts] = yield* Effect.all(
          [
            Effect.all(
              Array.from({ length: 8 }, () => steps.startNext(lease)),
              { concurrency: "unbounded" }
            ),
            steps.report(backfill.id, "2024-01-06")
          ],
          { concurrency: "unbounded" }
        )
        const days = starts.flatMap((started) => (Option.isSome(started) ? [started.value.day] : []))
        expect([...days].sort()).toEqual(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"])
        const final = yield* steps.find(backfill.id)
        expect(final).toMatchObject({ status: "RUNNING", runs: { total: 6, created: 6, completed: 1, failed: 0 } })
      }))

    test("count each day once, even when the same outcome is reported concurrently", () =>
      Effect.gen(function* () {
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-05")
        yield* steps.startNext(lease)
        const reports = yield* Effect.all(
          Array.from({ length: 20 }, (_, index) =>
            steps.report(backfill.id, `2024-01-0${(index % 5) + 1}`, index % 5 === 2 ? failed("boom") : completed)
          ),
          { concurrency: "unbounded" }
        )
        expect(reports.filter((result) => result.counted)).toHaveLength(5)
        const final = yield* steps.find(backfill.id)
        expect(final.runs).toEqual({ total: 5, created: 5, completed: 4, failed: 1 })
        expect(final.errorReport).toEqual([{ day: "2024-01-03", error: "boom" }])
        expect(final.status).toBe("FAILED")
      }))

    test("finish COMPLETED with end_time when the last day completes", () =>
      Effect.gen(function* () {
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-02")
        yield* steps.startNext(lease)
        yield* steps.report(backfill.id, "2024-01-01")
        const last = yield* steps.report(backfill.id, "2024-01-02", completed, T0 + 60_000)
        expect(last.backfill.status).toBe("COMPLETED")
        expect(last.backfill.endTime).toEqual(Option.some(epochSecondsFromMillis(T0 + 60_000)))
        expect(yield* steps.claim("w2")).toEqual(Option.none())
      }))

    test("keep error texts to 1,000 characters", () =>
      Effect.gen(function* () {
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-02")
        yield* steps.startNext(lease)
        const result = yield* steps.report(backfill.id, "2024-01-01", failed("e".repeat(3000)))
        expect(result.backfill.errorReport[0]?.error).toBe("e".repeat(1000))
      }))

    test("retry the failed days of a FAILED backfill, which keeps its range meanwhile", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-03")
        yield* steps.startNext(lease)
        yield* steps.report(backfill.id, "2024-01-01", failed("a"))
        yield* steps.report(backfill.id, "2024-01-02")
        const failedBackfill = (yield* steps.report(backfill.id, "2024-01-03", failed("c"))).backfill
        expect(failedBackfill.status).toBe("FAILED")
        expect(yield* steps.errorTag(steps.insert("2024-01-03", "2024-01-05"))).toBe("ActiveRangeOverlap")
        yield* repo.releaseLease(lease)
        const retried = yield* repo.retryFailedDays(backfill.id)
        expect(retried).toMatchObject({ status: "SCHEDULED", errorReport: [], endTime: Option.none() })
        expect(retried.runs).toEqual({ total: 3, created: 3, completed: 1, failed: 0 })
        expect(yield* steps.errorTag(steps.insert("2024-01-03", "2024-01-05"))).toBe("ActiveRangeOverlap")
        expect(yield* steps.errorTag(repo.retryFailedDays(backfill.id))).toBe("IllegalTransition")
        const again = yield* steps.claimed("w2")
        expect(Option.getOrThrow(yield* steps.startNext(again)).day).toBe("2024-01-03")
        expect(Option.getOrThrow(yield* steps.startNext(again)).day).toBe("2024-01-01")
        yield* steps.report(backfill.id, "2024-01-01")
        const done = (yield* steps.report(backfill.id, "2024-01-03")).backfill
        expect(done).toMatchObject({ status: "COMPLETED", runs: { total: 3, created: 3, completed: 3, failed: 0 } })
      }))
  })
