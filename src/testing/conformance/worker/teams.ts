/**
 * Two teams with runs, failed days and keys side by side: a ledger, a retry and a read act
 * for the team of their access only, once runs exist.
 */
import { describe, expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import { failed } from "../../../domain/runs.js"
import type { Repositories, Tester } from "../steps.js"
import * as steps from "../steps.js"
import { ALL_RUNS, OTHER_TEAM, TEAM } from "../world.js"

/** A backfill of `teamId` with its runs, the newest day failed and the rest completed. */
const workedWithAFailure = (start: string, end: string, teamId = TEAM) =>
  Effect.gen(function* () {
    const backfill = yield* steps.insert(start, end, { teamId })
    yield* steps.materialiseAll(backfill.id)
    const lease = yield* steps.claimed(`worker-${backfill.id}`)
    for (let first = true; ; first = false) {
      const next = yield* steps.startNext(lease)
      if (Option.isNone(next)) break
      yield* first
        ? steps.report(backfill.id, next.value.day, failed("no data"))
        : steps.report(backfill.id, next.value.day)
    }
    const repo = yield* steps.repository
    yield* repo.releaseLease(lease)
    return yield* Effect.map(repo.findForTeam(teamId, backfill.id), Option.getOrThrow)
  })

export const teamsWithRunsTests = (test: Tester<Repositories>) =>
  describe("two teams with runs side by side", () => {
    test("show a ledger to its team only, whole, beside another team's ledger", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const own = yield* workedWithAFailure("2024-01-01", "2024-01-03")
        const others = yield* workedWithAFailure("2024-02-01", "2024-02-04", OTHER_TEAM)
        expect(steps.ledgerOf(yield* repo.runsOf(own.id))).toEqual([
          "2024-01-03 failed 1",
          "2024-01-02 completed 1",
          "2024-01-01 completed 1"
        ])
        expect(yield* repo.runsOf(own.id, ALL_RUNS, OTHER_TEAM)).toEqual([])
        expect(yield* repo.runsOf(others.id, ALL_RUNS, TEAM)).toEqual([])
        expect(yield* repo.runsOf(others.id, ALL_RUNS, OTHER_TEAM)).toHaveLength(4)
      }))

    test("retry a team's failed days for that team only, leaving another team's failed backfill as it was", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const own = yield* workedWithAFailure("2024-01-01", "2024-01-03")
        const others = yield* workedWithAFailure("2024-02-01", "2024-02-02", OTHER_TEAM)
        expect([own.status, others.status]).toEqual(["FAILED", "FAILED"])
        expect(yield* steps.errorTag(repo.retry(own.id, null, OTHER_TEAM))).toBe("UnknownBackfill")
        expect(yield* steps.errorTag(repo.retry(own.id, ["2024-01-03"], OTHER_TEAM))).toBe("UnknownBackfill")
        expect(yield* steps.find(own.id)).toEqual(own)
        expect(steps.ledgerOf(yield* repo.runsOf(own.id))[0]).toBe("2024-01-03 failed 1")
        const retried = yield* repo.retry(others.id, null, OTHER_TEAM)
        expect(retried.status).toBe("SCHEDULED")
        expect(yield* steps.find(own.id)).toEqual(own)
      }))
  })
