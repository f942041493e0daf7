/**
 * Cancels: who and when, the statuses that refuse one, and one winner of two at once.
 */
import { describe, expect } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import { BackfillId, UserId } from "../../../domain/ids.js"
import { epochSecondsFromMillis } from "../../../domain/time.js"
import type { BackfillRepository } from "../../../ports/backfillRepository.js"
import type { Tester } from "../steps.js"
import * as steps from "../steps.js"
import { OTHER_TEAM, T0, USER } from "../world.js"

export const cancelTests = (test: Tester<BackfillRepository>) =>
  describe("cancel", () => {
    test("sets CANCELLED with who and when", () =>
      Effect.gen(function* () {
        const repo = yield* steps.apiRepository
        const backfill = yield* steps.insert("2024-01-01", "2024-01-03")
        const removal = { time: epochSecondsFromMillis(T0 + 5000), userId: UserId.make(790n) }
        const cancelled = yield* repo.cancel(backfill.id, removal)
        expect(cancelled).toEqual({
          ...backfill,
          status: "CANCELLED",
          removal: Option.some(removal),
          endTime: Option.some(removal.time)
        })
        expect(yield* steps.find(backfill.id)).toEqual(cancelled)
      }))

    test("refuses a final backfill and an unknown one", () =>
      Effect.gen(function* () {
        const repo = yield* steps.apiRepository
        const backfill = yield* steps.insert("2024-01-01", "2024-01-03")
        const removal = { time: epochSecondsFromMillis(T0), userId: USER }
        yield* repo.cancel(backfill.id, removal)
        expect(yield* steps.errorTag(repo.cancel(backfill.id, removal))).toBe("IllegalTransition")
        expect(yield* steps.errorTag(repo.cancel(BackfillId.make(424242n), removal))).toBe("UnknownBackfill")
        const others = yield* steps.insert("2024-01-05", "2024-01-06")
        expect(yield* steps.errorTag(repo.cancel(others.id, removal, OTHER_TEAM))).toBe("UnknownBackfill")
        expect((yield* steps.find(others.id)).status).toBe("CREATED")
      }))

    test("lets exactly one of two concurrent cancels win", () =>
      Effect.gen(function* () {
        const repo = yield* steps.apiRepository
        const backfill = yield* steps.insert("2024-01-01", "2024-01-03")
        const removal = { time: epochSecondsFromMillis(T0), userId: USER }
        const outcomes = yield* Effect.all(
          [Effect.either(repo.cancel(backfill.id, removal)), Effect.either(repo.cancel(backfill.id, removal))],
          { concurrency: "unbounded" }
        )
        expect(outcomes.filter(Either.isRight)).toHaveLength(1)
      }))
  })
