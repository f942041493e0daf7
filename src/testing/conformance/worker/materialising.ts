/**
 * Materialising runs: batch by batch, never twice, and no outcome for a day not yet created.
 */
import { describe, expect } from "@effect/vitest"
import { Effect } from "effect"
import { BackfillId } from "../../../domain/ids.js"
import type { Repositories, Tester } from "../steps.js"
import * as steps from "../steps.js"

export const materialisingTests = (test: Tester<Repositories>) =>
  describe("materialising", () => {
    test("creates runs batch by batch, then SCHEDULED; repeating creates nothing twice", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const backfill = yield* steps.insert("2024-01-01", "2024-01-10")
        expect((yield* repo.materialiseRuns(backfill.id, 4)).runs.created).toBe(4)
        expect((yield* repo.materialiseRuns(backfill.id, 4)).runs.created).toBe(8)
        const done = yield* repo.materialiseRuns(backfill.id, 4)
        expect(done.runs.created).toBe(10)
        expect(done.status).toBe("SCHEDULED")
        expect(yield* repo.materialiseRuns(backfill.id, 4)).toEqual(done)
        expect(yield* steps.errorTag(repo.materialiseRuns(BackfillId.make(424242n), 1))).toBe("UnknownBackfill")
      }))

    test("are refused outcomes for days not yet created", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const backfill = yield* steps.insert("2024-01-01", "2024-01-10")
        yield* repo.materialiseRuns(backfill.id, 2)
        expect(yield* steps.errorTag(steps.report(backfill.id, "2024-01-05"))).toBe("RunNotMaterialised")
        expect(yield* steps.errorTag(steps.report(backfill.id, "2024-01-11"))).toBe("DayOutsideRange")
      }))
  })
