/**
 * What the API sees of what workers did: overlaps, completed and cancelled backfills, late outcomes.
 */
import { describe, expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import { UserId } from "../../../domain/ids.js"
import { failed } from "../../../domain/runs.js"
import { epochSecondsFromMillis } from "../../../domain/time.js"
import type { Repositories, Tester } from "../steps.js"
import * as steps from "../steps.js"
import { T0, USER } from "../world.js"

export const apiViewTests = (test: Tester<Repositories>) =>
  describe("as the API sees what workers did", () => {
    test("an overlap names the active backfill as it now stands", () =>
      Effect.gen(function* () {
        const blocker = yield* steps.insert("2024-01-10", "2024-01-20")
        yield* steps.materialiseAll(blocker.id)
        const refused = yield* Effect.flip(steps.insert("2024-01-20", "2024-01-25"))
        expect(refused._tag === "ActiveRangeOverlap" && refused.conflicting).toEqual(yield* steps.find(blocker.id))
        expect(refused._tag === "ActiveRangeOverlap" && refused.conflicting.status).toBe("SCHEDULED")
      }))

    test("a completed backfill blocks nothing", () =>
      Effect.gen(function* () {
        const done = yield* steps.insert("2024-01-01", "2024-01-02")
        yield* steps.materialiseAll(done.id)
        const lease = yield* steps.claimed("w")
        expect(lease.backfillId).toBe(done.id)
        yield* steps.report(done.id, "2024-01-01")
        const finished = (yield* steps.report(done.id, "2024-01-02")).backfill
        expect(finished.status).toBe("COMPLETED")
        yield* steps.insert("2024-01-01", "2024-01-02")
      }))

    test("a new backfill keeps blocking after an old one on the same days is cancelled and touched again", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const removal = { time: epochSecondsFromMillis(T0), userId: USER }
        const old = yield* steps.insert("2024-01-01", "2024-01-05")
        yield* repo.cancel(old.id, removal)
        const current = yield* steps.insert("2024-01-01", "2024-01-05")
        yield* repo.materialiseRuns(old.id, 10)
        yield* Effect.either(repo.cancel(old.id, removal))
        yield* Effect.either(repo.retryFailedDays(old.id))
        const refused = yield* Effect.flip(steps.insert("2024-01-03", "2024-01-03"))
        expect(refused._tag === "ActiveRangeOverlap" && refused.conflicting.id).toBe(current.id)
      }))

    test("a cancel drops pending runs and counts the late outcome of a running one", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-03")
        const run = Option.getOrThrow(yield* steps.startNext(lease))
        const removal = { time: epochSecondsFromMillis(T0 + 5000), userId: UserId.make(790n) }
        const cancelled = yield* repo.cancel(backfill.id, removal)
        expect(cancelled).toMatchObject({
          status: "CANCELLED",
          removal: Option.some(removal),
          endTime: Option.some(removal.time)
        })
        expect(yield* steps.errorTag(steps.report(backfill.id, "2024-01-02"))).toBe("RunDropped")
        const late = yield* steps.report(backfill.id, run.day, failed("stopped"))
        expect(late.counted).toBe(true)
        expect(late.backfill.status).toBe("CANCELLED")
        expect(late.backfill.runs).toMatchObject({ created: 3, failed: 1, completed: 0 })
        expect(yield* steps.startNext(lease)).toEqual(Option.none())
      }))
  })
