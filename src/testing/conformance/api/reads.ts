/**
 * Reads: one backfill, the latest of a transfer, the active ones in a range, and a team's pages.
 */
import { describe, expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import type { Backfill } from "../../../domain/backfill.js"
import { type BackfillId, TeamId } from "../../../domain/ids.js"
import { ACTIVE_STATUSES } from "../../../domain/status.js"
import { epochSecondsFromMillis } from "../../../domain/time.js"
import type { BackfillRepository } from "../../../ports/backfillRepository.js"
import type { Tester } from "../steps.js"
import * as steps from "../steps.js"
import { OTHER_TEAM, OTHER_TRANSFER, range, T0, TEAM, TRANSFER, USER } from "../world.js"

export const readsTests = (test: Tester<BackfillRepository>) =>
  describe("reads", () => {
    test("find the newest backfill of a transfer in any status, or none", () =>
      Effect.gen(function* () {
        const repo = yield* steps.apiRepository
        expect(yield* repo.latestForTransfer(TRANSFER)).toEqual(Option.none())
        yield* steps.insert("2024-01-01", "2024-01-02")
        const newest = yield* steps.insert("2024-01-03", "2024-01-04")
        yield* steps.insert("2024-01-05", "2024-01-06", { transferId: OTHER_TRANSFER })
        const cancelled = yield* repo.cancel(newest.id, { time: epochSecondsFromMillis(T0), userId: USER })
        expect(yield* repo.latestForTransfer(TRANSFER)).toEqual(Option.some(cancelled))
      }))

    test("find every active backfill of the transfer sharing a day with a range, by start", () =>
      Effect.gen(function* () {
        const repo = yield* steps.apiRepository
        const early = yield* steps.insert("2024-01-01", "2024-01-05")
        const late = yield* steps.insert("2024-01-20", "2024-01-25")
        const gone = yield* steps.insert("2024-01-10", "2024-01-12")
        yield* repo.cancel(gone.id, { time: epochSecondsFromMillis(T0), userId: USER })
        yield* steps.insert("2024-01-08", "2024-01-09", { transferId: OTHER_TRANSFER })
        const overlapping = (from: string, to: string, teamId: TeamId = TEAM) =>
          Effect.map(repo.activeOverlapping(teamId, TRANSFER, range(from, to)), (found) =>
            found.map((backfill) => backfill.id)
          )
        expect(yield* overlapping("2024-01-05", "2024-01-20")).toEqual([early.id, late.id])
        expect(yield* overlapping("2024-01-06", "2024-01-19")).toEqual([])
        expect(yield* overlapping("2024-01-21", "2024-01-21")).toEqual([late.id])
        expect(yield* overlapping("2023-12-01", "2024-02-01", OTHER_TEAM)).toEqual([])
      }))

    test("list a team's backfills newest first, filtered by status, in pages that neither repeat nor skip", () =>
      Effect.gen(function* () {
        const repo = yield* steps.apiRepository
        const ids: Array<BackfillId> = []
        for (let index = 1; index <= 9; index++) {
          const text = `2024-01-${String(index).padStart(2, "0")}`
          ids.push((yield* steps.insert(text, text)).id)
        }
        yield* steps.insert("2024-02-01", "2024-02-01", { transferId: OTHER_TRANSFER, teamId: OTHER_TEAM })
        const [cancelledId] = ids
        if (cancelledId === undefined) return
        yield* repo.cancel(cancelledId, { time: epochSecondsFromMillis(T0), userId: USER })
        const active = ACTIVE_STATUSES
        const pages: Array<ReadonlyArray<BackfillId>> = []
        let before = Option.none<BackfillId>()
        for (let pageNumber = 0; pageNumber < 10; pageNumber++) {
          const page = yield* repo.listForTeam(TEAM, { statuses: active, before, limit: 3 })
          if (pageNumber === 1) yield* steps.insert("2024-03-01", "2024-03-01")
          if (page.length === 0) break
          pages.push(page.map((backfill) => backfill.id))
          before = Option.some((page.at(-1) as Backfill).id)
        }
        const newestFirst = ids.slice(1).reverse()
        expect(pages).toEqual([newestFirst.slice(0, 3), newestFirst.slice(3, 6), newestFirst.slice(6)])
        const onlyCancelled = yield* repo.listForTeam(TEAM, {
          statuses: ["CANCELLED"],
          before: Option.none(),
          limit: 100
        })
        expect(onlyCancelled.map((backfill) => backfill.id)).toEqual([cancelledId])
        expect(
          yield* repo.listForTeam(TeamId.make(3n), { statuses: active, before: Option.none(), limit: 100 })
        ).toEqual([])
      }))
  })
