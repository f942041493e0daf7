/**
 * The counts an operator's gauges read: backfills with work by status across every team,
 * their days not yet reported, and a live lease as its backfill's one running day.
 */
import { describe, expect } from "@effect/vitest"
import { Clock, Effect, Option } from "effect"
import { completed, failed, type RunOutcome } from "../../../domain/runs.js"
import { epochSecondsFromMillis } from "../../../domain/time.js"
import { type BackfillCounts, BackfillStatistics } from "../../../ports/backfillStatistics.js"
import type { Repositories, Tester } from "../steps.js"
import * as steps from "../steps.js"
import { LEASE_MS, OTHER_TEAM, OTHER_TRANSFER, USER } from "../world.js"

/**
 * What the statistics suite needs of a store: both repository ports and
 * `BackfillStatistics` over the same data.
 *
 * @since 0.3.0
 * @category models
 */
export type StatisticsRepositories = Repositories | BackfillStatistics

const counts = Effect.flatMap(BackfillStatistics, (statistics) => statistics.counts)

const counted = (created: number, scheduled: number, running: number, pendingDays: number, runningDays: number) =>
  ({
    withWork: { CREATED: created, SCHEDULED: scheduled, RUNNING: running },
    pendingDays,
    runningDays
  }) satisfies BackfillCounts

/**
 * Inserts a backfill, creates its runs and leases it at `nowMillis` (the store's counts
 * read the Clock's time, so a lease is live or not by it), then reports `outcomes` for its
 * newest days and starts the next, leaving the lease held.
 */
const worked = (start: string, end: string, nowMillis: number, outcomes: ReadonlyArray<RunOutcome>) =>
  Effect.gen(function* () {
    const backfill = yield* steps.insert(start, end)
    yield* steps.materialiseAll(backfill.id)
    const lease = yield* steps.claimed(`worker-${backfill.id}`, nowMillis)
    for (const outcome of outcomes) {
      const { day } = Option.getOrThrow(yield* steps.startNext(lease, nowMillis))
      yield* steps.report(backfill.id, day, outcome, nowMillis)
    }
    yield* steps.startNext(lease, nowMillis)
    return lease
  })

export const countsTests = (test: Tester<StatisticsRepositories>) =>
  describe("counts", () => {
    test("are nothing in an empty store", () =>
      Effect.gen(function* () {
        expect(yield* counts).toEqual(counted(0, 0, 0, 0, 0))
      }))

    test("count backfills with work by status across teams, their days waiting and running, and no ended one", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const now = yield* Clock.currentTimeMillis
        const ended = yield* worked("2023-01-01", "2023-01-01", now, [completed])
        yield* repo.releaseLease(ended)
        const failedOne = yield* worked("2023-02-01", "2023-02-01", now, [failed("no data")])
        yield* repo.releaseLease(failedOne)
        // Four days: one completed, one failed, one running under the live lease, one waiting.
        yield* worked("2024-03-01", "2024-03-04", now, [completed, failed("no data")])
        const cancelled = yield* steps.insert("2024-04-01", "2024-04-02")
        yield* repo.cancel(cancelled.id, { time: epochSecondsFromMillis(now), userId: USER })
        yield* steps.insert("2024-01-01", "2024-01-03")
        const scheduled = yield* steps.insert("2024-02-01", "2024-02-02", {
          teamId: OTHER_TEAM,
          transferId: OTHER_TRANSFER
        })
        yield* steps.materialiseAll(scheduled.id)
        expect(yield* counts).toEqual(counted(1, 1, 1, 3 + 2 + 1, 1))
      }))

    test("count a running day only while its lease is live: a crashed worker's day waits again", () =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        yield* worked("2024-03-01", "2024-03-03", now - 2 * LEASE_MS, [completed])
        expect(yield* counts).toEqual(counted(0, 0, 1, 2, 0))
      }))
  })
