/**
 * Retries and the ledger of a backfill that has no runs yet.
 */
import { describe, expect } from "@effect/vitest"
import { Effect } from "effect"
import { epochSecondsFromMillis } from "../../../domain/time.js"
import type { BackfillRepository } from "../../../ports/backfillRepository.js"
import type { Tester } from "../steps.js"
import * as steps from "../steps.js"
import { ALL_RUNS, OTHER_TEAM, T0, USER } from "../world.js"

export const retryBeforeRunsTests = (test: Tester<BackfillRepository>) =>
  describe("retry and the ledger, before any run exists", () => {
    test("refuse a retry with nothing to retry, naming days that have not failed", () =>
      Effect.gen(function* () {
        const repo = yield* steps.apiRepository
        const backfill = yield* steps.insert("2024-01-01", "2024-01-03")
        expect(yield* steps.errorTag(repo.retry(backfill.id))).toBe("NoFailedDays")
        const named = yield* Effect.flip(repo.retry(backfill.id, ["2024-01-03", "2024-01-01", "2024-01-03"]))
        expect(named).toMatchObject({ _tag: "DaysNotFailed", days: ["2024-01-01", "2024-01-03"] })
        expect(yield* steps.errorTag(repo.retry(backfill.id, null, OTHER_TEAM))).toBe("UnknownBackfill")
        yield* repo.cancel(backfill.id, { time: epochSecondsFromMillis(T0), userId: USER })
        expect(yield* steps.errorTag(repo.retry(backfill.id))).toBe("IllegalTransition")
        expect(yield* steps.find(backfill.id)).toMatchObject({ status: "CANCELLED", runs: { failed: 0 } })
      }))

    test("show no runs for a backfill without any, nor for another team's", () =>
      Effect.gen(function* () {
        const repo = yield* steps.apiRepository
        const backfill = yield* steps.insert("2024-01-01", "2024-01-03")
        expect(yield* repo.runsOf(backfill.id)).toEqual([])
        expect(yield* repo.runsOf(backfill.id, ALL_RUNS, OTHER_TEAM)).toEqual([])
      }))
  })
