/**
 * The ledger and retries in place over backfills that have runs.
 */
import { describe, expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import type { CalendarDate } from "../../../domain/calendarDate.js"
import { completed, failed, type RunState } from "../../../domain/runs.js"
import { epochSecondsFromMillis } from "../../../domain/time.js"
import { withKeyReplay } from "../../../ports/keyReplay.js"
import type { Repositories, Tester } from "../steps.js"
import * as steps from "../steps.js"
import { day, keyed, LEASE_MS, T0, TEAM, USER } from "../world.js"

export const ledgerTests = (test: Tester<Repositories>) =>
  describe("the ledger", () => {
    const at = (millis: number) => Option.some(epochSecondsFromMillis(millis))

    test("shows every run, latest day first, with its attempt, times and error", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-04")
        yield* steps.startNext(lease, T0 + 1000)
        yield* steps.startNext(lease, T0 + 2000)
        yield* steps.report(backfill.id, "2024-01-04", completed, T0 + 3000)
        yield* steps.report(backfill.id, "2024-01-01", failed("no data"), T0 + 4000)
        const runs = yield* repo.runsOf(backfill.id)
        const none = Option.none()
        expect(runs).toEqual([
          {
            day: "2024-01-04",
            state: "completed",
            attempts: 1,
            startedTime: at(T0 + 1000),
            endedTime: at(T0 + 3000),
            error: none
          },
          {
            day: "2024-01-03",
            state: "running",
            attempts: 1,
            startedTime: at(T0 + 2000),
            endedTime: none,
            error: none
          },
          { day: "2024-01-02", state: "pending", attempts: 1, startedTime: none, endedTime: none, error: none },
          {
            day: "2024-01-01",
            state: "failed",
            attempts: 1,
            startedTime: at(T0 + 4000),
            endedTime: at(T0 + 4000),
            error: Option.some("no data")
          }
        ])
      }))

    test("pages by day, filtered by state", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-06")
        for (const text of ["2024-01-06", "2024-01-04", "2024-01-02"]) yield* steps.report(backfill.id, text)
        yield* steps.startNext(lease)
        const page = (states: ReadonlyArray<RunState>, before: string | undefined, limit: number) =>
          Effect.map(
            repo.runsOf(backfill.id, {
              states,
              before: Option.fromNullable(before as CalendarDate | undefined),
              limit
            }),
            (runs) => runs.map((run) => run.day)
          )
        expect(yield* page(["completed"], undefined, 2)).toEqual(["2024-01-06", "2024-01-04"])
        expect(yield* page(["completed"], "2024-01-04", 2)).toEqual(["2024-01-02"])
        expect(yield* page(["pending", "running"], undefined, 10)).toEqual(["2024-01-05", "2024-01-03", "2024-01-01"])
        expect(yield* page(["running"], "2024-01-05", 10)).toEqual([])
      }))

    test("shows the runs a cancel dropped, ended at the cancel, and a vanished worker's run pending again", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-03")
        yield* steps.startNext(lease, T0 + 1000)
        const takeover = yield* steps.claimed("next", T0 + LEASE_MS)
        expect(steps.ledgerOf(yield* repo.runsOf(backfill.id))).toEqual([
          "2024-01-03 pending 1",
          "2024-01-02 pending 1",
          "2024-01-01 pending 1"
        ])
        yield* steps.startNext(takeover, T0 + LEASE_MS)
        yield* repo.cancel(backfill.id, { time: epochSecondsFromMillis(T0 + LEASE_MS + 1000), userId: USER })
        const runs = yield* repo.runsOf(backfill.id)
        expect(steps.ledgerOf(runs)).toEqual(["2024-01-03 running 1", "2024-01-02 dropped 1", "2024-01-01 dropped 1"])
        expect(runs[1]?.endedTime).toEqual(at(T0 + LEASE_MS + 1000))
        expect(runs[0]?.startedTime).toEqual(at(T0 + LEASE_MS))
      }))

    test("retries the days asked for, each with one more attempt, and the backfill only leaves FAILED", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-03")
        yield* steps.startNext(lease)
        yield* steps.report(backfill.id, "2024-01-01", failed("a"))
        yield* steps.report(backfill.id, "2024-01-02", failed("b"), T0 + 5000)
        const retriedWhileRunning = yield* repo.retry(backfill.id, ["2024-01-02"])
        expect(retriedWhileRunning).toMatchObject({ status: "RUNNING", runs: { failed: 1 }, endTime: Option.none() })
        expect(retriedWhileRunning.errorReport).toEqual([{ day: "2024-01-01", error: "a" }])
        yield* steps.report(backfill.id, "2024-01-03")
        expect(Option.getOrThrow(yield* steps.startNext(lease, T0 + 8000)).day).toBe("2024-01-02")
        const failedAgain = (yield* steps.report(backfill.id, "2024-01-02", failed("b again"), T0 + 9000)).backfill
        expect(failedAgain).toMatchObject({ status: "FAILED", endTime: at(T0 + 9000) })
        const refused = yield* Effect.flip(repo.retry(backfill.id, ["2024-01-03", "2024-01-02"]))
        expect(refused).toMatchObject({ _tag: "DaysNotFailed", days: ["2024-01-03"] })
        const partly = yield* repo.retry(backfill.id, ["2024-01-02"])
        expect(partly).toMatchObject({
          status: "SCHEDULED",
          endTime: Option.none(),
          runs: { completed: 1, failed: 1 }
        })
        expect(steps.ledgerOf(yield* repo.runsOf(backfill.id))).toEqual([
          "2024-01-03 completed 1",
          "2024-01-02 pending 3",
          "2024-01-01 failed 1"
        ])
        const rest = yield* repo.retry(backfill.id)
        expect(rest).toMatchObject({ status: "SCHEDULED", errorReport: [], runs: { completed: 1, failed: 0 } })
        expect(steps.ledgerOf(yield* repo.runsOf(backfill.id))).toEqual([
          "2024-01-03 completed 1",
          "2024-01-02 pending 3",
          "2024-01-01 pending 2"
        ])
        expect(yield* steps.errorTag(repo.retry(backfill.id))).toBe("NoFailedDays")
        const pendingRun = (yield* repo.runsOf(backfill.id))[2]
        expect(pendingRun).toMatchObject({
          startedTime: Option.none(),
          endedTime: Option.none(),
          error: Option.none()
        })
      }))

    test("counts a retried day only by its new attempt: a late copy of the previous report changes nothing", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-01")
        yield* steps.startNext(lease)
        const firstReport = () => repo.recordOutcome(backfill.id, day("2024-01-01"), failed("a"), T0, lease)
        expect((yield* firstReport()).backfill.status).toBe("FAILED")
        yield* repo.retry(backfill.id)
        const late = yield* firstReport()
        expect([late.counted, late.backfill.status]).toEqual([false, "SCHEDULED"])
        expect(steps.ledgerOf(yield* repo.runsOf(backfill.id))).toEqual(["2024-01-01 pending 2"])
        expect(Option.getOrThrow(yield* steps.startNext(lease)).day).toBe("2024-01-01")
        const second = yield* repo.recordOutcome(backfill.id, day("2024-01-01"), completed, T0, lease)
        expect([second.counted, second.backfill.status]).toEqual([true, "COMPLETED"])
      }))

    test("replays a keyed retry", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-02")
        yield* steps.startNext(lease)
        yield* steps.report(backfill.id, "2024-01-01", failed("a"))
        yield* steps.report(backfill.id, "2024-01-02")
        const key = keyed("retry-1", `POST /teams/1/backfills/${backfill.id}/retry {}`)
        const [retried, retryReplayed] = yield* withKeyReplay(repo.retry(backfill.id, null, TEAM, key))
        const [again, againReplayed] = yield* withKeyReplay(repo.retry(backfill.id, null, TEAM, key))
        expect(again).toEqual(retried)
        expect([retryReplayed, againReplayed]).toEqual([false, true])
        expect(yield* steps.errorTag(repo.retry(backfill.id))).toBe("NoFailedDays")
        expect(steps.ledgerOf(yield* repo.runsOf(backfill.id))).toEqual([
          "2024-01-02 completed 1",
          "2024-01-01 pending 2"
        ])
      }))
  })
