/**
 * Two teams' backfills side by side, one transfer id between them: every read and change
 * acts for the team of its access and leaves the other team's alone, however the two
 * teams' data interleave.
 */
import { describe, expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import { epochSecondsFromMillis } from "../../../domain/time.js"
import type { BackfillRepository } from "../../../ports/backfillRepository.js"
import type { Tester } from "../steps.js"
import * as steps from "../steps.js"
import { keyed, OTHER_TEAM, range, T0, TEAM, TRANSFER, USER } from "../world.js"

const ids = (backfills: ReadonlyArray<{ readonly id: bigint }>) => backfills.map(({ id }) => id)

export const teamsTests = (test: Tester<BackfillRepository>) =>
  describe("two teams side by side", () => {
    test("answer each team's newest backfill of a transfer, though another team's is newer", () =>
      Effect.gen(function* () {
        const repo = yield* steps.apiRepository
        const own = yield* steps.insert("2024-01-01", "2024-01-31")
        const others = yield* steps.insert("2024-03-01", "2024-03-31", { teamId: OTHER_TEAM, createdMillis: T0 + 1000 })
        expect(Option.map(yield* repo.latestForTransfer(TRANSFER, TEAM), ({ id }) => id)).toEqual(Option.some(own.id))
        expect(Option.map(yield* repo.latestForTransfer(TRANSFER, OTHER_TEAM), ({ id }) => id)).toEqual(
          Option.some(others.id)
        )
      }))

    test("show a team only its own active overlaps, and list only its own backfills", () =>
      Effect.gen(function* () {
        const repo = yield* steps.apiRepository
        const own = yield* steps.insert("2024-01-01", "2024-01-31")
        const others = yield* steps.insert("2024-03-01", "2024-03-31", { teamId: OTHER_TEAM })
        expect(yield* repo.activeOverlapping(TEAM, TRANSFER, range("2024-03-10", "2024-03-12"))).toEqual([])
        expect(ids(yield* repo.activeOverlapping(OTHER_TEAM, TRANSFER, range("2024-01-01", "2024-12-31")))).toEqual([
          others.id
        ])
        const page = { statuses: ["CREATED"] as const, before: Option.none(), limit: 10 }
        expect(ids(yield* repo.listForTeam(TEAM, page))).toEqual([own.id])
        expect(ids(yield* repo.listForTeam(OTHER_TEAM, page))).toEqual([others.id])
      }))

    test("change nothing of another team's backfill, and tell the caller it is unknown", () =>
      Effect.gen(function* () {
        const repo = yield* steps.apiRepository
        const own = yield* steps.insert("2024-01-01", "2024-01-31")
        const removal = { time: epochSecondsFromMillis(T0), userId: USER }
        expect(yield* steps.errorTag(repo.cancel(own.id, removal, OTHER_TEAM))).toBe("UnknownBackfill")
        expect(yield* steps.errorTag(repo.retry(own.id, null, OTHER_TEAM))).toBe("UnknownBackfill")
        expect(yield* repo.findForTeam(OTHER_TEAM, own.id)).toEqual(Option.none())
        expect(yield* steps.find(own.id)).toEqual(own)
      }))

    test("keep a key per team: the same key of another team neither replays nor refuses", () =>
      Effect.gen(function* () {
        const repo = yield* steps.apiRepository
        const key = keyed("shared-key", "scheduleBackfill {same}")
        const others = yield* steps.insert("2024-03-01", "2024-03-31", { teamId: OTHER_TEAM, idempotency: key })
        const own = yield* steps.insert("2024-01-01", "2024-01-31", { idempotency: key })
        expect(own.id).not.toBe(others.id)
        const cancelKey = keyed("cancel-key", "cancelBackfill {same}")
        const removal = { time: epochSecondsFromMillis(T0), userId: USER }
        yield* repo.cancel(others.id, removal, OTHER_TEAM, cancelKey)
        const cancelled = yield* repo.cancel(own.id, removal, TEAM, cancelKey)
        expect([cancelled.id, cancelled.status]).toEqual([own.id, "CANCELLED"])
      }))
  })
