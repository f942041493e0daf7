/**
 * Idempotency keys: replays, reuse, expiry, one namespace per user and team, and one change for many concurrent requests.
 */
import { describe, expect } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import { UserId } from "../../../domain/ids.js"
import { ACTIVE_STATUSES } from "../../../domain/status.js"
import { epochSecondsFromMillis } from "../../../domain/time.js"
import type { BackfillRepository } from "../../../ports/backfillRepository.js"
import { withKeyReplay } from "../../../ports/keyReplay.js"
import type { Tester } from "../steps.js"
import * as steps from "../steps.js"
import { keyed, OPERATOR, OTHER_TEAM, range, T0, TEAM, USER } from "../world.js"

export const idempotencyKeysTests = (test: Tester<BackfillRepository>) =>
  describe("idempotency keys", () => {
    test("replay the first answer for the same request, and change nothing more", () =>
      Effect.gen(function* () {
        const repo = yield* steps.apiRepository
        const key = keyed("create-1", "POST /teams/1/transfers/10/backfills january")
        const [first, firstReplayed] = yield* withKeyReplay(
          steps.insert("2024-01-01", "2024-01-31", { idempotency: key })
        )
        const [again, againReplayed] = yield* withKeyReplay(
          steps.insert("2024-01-01", "2024-01-31", { idempotency: key, createdMillis: T0 + 5000 })
        )
        expect(again).toEqual(first)
        // The operations count a change only when the store did not answer it from its key.
        expect([firstReplayed, againReplayed]).toEqual([false, true])
        const page = yield* repo.listForTeam(TEAM, { statuses: ACTIVE_STATUSES, before: Option.none(), limit: 100 })
        expect(page.map((backfill) => backfill.id)).toEqual([first.id])
      }))

    test("refuse a key first used with another request, storing nothing", () =>
      Effect.gen(function* () {
        const repo = yield* steps.apiRepository
        yield* steps.insert("2024-01-01", "2024-01-31", { idempotency: keyed("k", "january") })
        const reused = yield* Effect.flip(
          steps.insert("2024-03-01", "2024-03-31", { idempotency: keyed("k", "march") })
        )
        expect(reused._tag).toBe("IdempotencyKeyReused")
        const page = yield* repo.listForTeam(TEAM, { statuses: ACTIVE_STATUSES, before: Option.none(), limit: 100 })
        expect(page).toHaveLength(1)
      }))

    test("keep each user's keys in each team apart", () =>
      Effect.gen(function* () {
        const other = { ...OPERATOR, userId: UserId.make(790n) }
        const mine = yield* steps.insert("2024-01-01", "2024-01-02", { idempotency: keyed("shared", "a") })
        const theirs = yield* steps.insert("2024-01-03", "2024-01-04", {
          idempotency: keyed("shared", "b"),
          principal: other
        })
        const elsewhere = yield* steps.insert("2024-01-05", "2024-01-06", {
          idempotency: keyed("shared", "c"),
          teamId: OTHER_TEAM
        })
        expect(new Set([mine.id, theirs.id, elsewhere.id]).size).toBe(3)
      }))

    test("forget a key once it expires", () =>
      Effect.gen(function* () {
        const first = yield* steps.insert("2024-01-01", "2024-01-02", { idempotency: keyed("short", "a", T0, 10_000) })
        const later = T0 + 10_000
        const second = yield* steps.insert("2024-01-03", "2024-01-04", {
          idempotency: keyed("short", "b", later, 10_000)
        })
        expect(second.id > first.id).toBe(true)
        const replay = yield* steps.insert("2024-01-03", "2024-01-04", {
          idempotency: keyed("short", "b", later + 1, 10_000)
        })
        expect(replay).toEqual(second)
      }))

    test("forget a key at its own expiry, though a key made before it lives longer", () =>
      Effect.gen(function* () {
        yield* steps.insert("2024-01-01", "2024-01-02", { idempotency: keyed("long", "a", T0, 86_400_000) })
        const first = yield* steps.insert("2024-01-03", "2024-01-04", { idempotency: keyed("short", "b", T0, 10_000) })
        const second = yield* steps.insert("2024-01-05", "2024-01-06", {
          idempotency: keyed("short", "c", T0 + 10_000, 10_000)
        })
        expect(second.id > first.id).toBe(true)
      }))

    test("store no key for a change the store refused", () =>
      Effect.gen(function* () {
        const repo = yield* steps.apiRepository
        const blocker = yield* steps.insert("2024-01-10", "2024-01-20")
        const key = keyed("after-conflict", "january")
        expect(yield* steps.errorTag(steps.insert("2024-01-01", "2024-01-31", { idempotency: key }))).toBe(
          "ActiveRangeOverlap"
        )
        yield* repo.cancel(blocker.id, { time: epochSecondsFromMillis(T0), userId: USER })
        const created = yield* steps.insert("2024-01-01", "2024-01-31", { idempotency: key })
        expect(created.range).toEqual(range("2024-01-01", "2024-01-31"))
      }))

    test("replay a cancel where a repeated cancel would be refused", () =>
      Effect.gen(function* () {
        const repo = yield* steps.apiRepository
        const backfill = yield* steps.insert("2024-01-01", "2024-01-03")
        const removal = { time: epochSecondsFromMillis(T0), userId: USER }
        const key = keyed("cancel-1", `PATCH /teams/1/backfills/${backfill.id}`)
        const [cancelled, cancelReplayed] = yield* withKeyReplay(repo.cancel(backfill.id, removal, TEAM, key))
        const later = { ...removal, time: epochSecondsFromMillis(T0 + 9000) }
        const [again, againReplayed] = yield* withKeyReplay(repo.cancel(backfill.id, later, TEAM, key))
        expect(again).toEqual(cancelled)
        expect([cancelReplayed, againReplayed]).toEqual([false, true])
        expect(yield* steps.errorTag(repo.cancel(backfill.id, removal))).toBe("IllegalTransition")
      }))

    test(
      "make one change of many concurrent requests with one key, and answer each with it or as in flight",
      () =>
        Effect.gen(function* () {
          const repo = yield* steps.apiRepository
          const key = keyed("burst", "january")
          const outcomes = yield* Effect.all(
            Array.from({ length: 30 }, () =>
              Effect.either(steps.insert("2024-01-01", "2024-01-31", { idempotency: key }))
            ),
            { concurrency: "unbounded" }
          )
          const answered = outcomes.filter(Either.isRight).map((outcome) => outcome.right)
          expect(new Set(answered.map((backfill) => backfill.id)).size).toBe(1)
          for (const outcome of outcomes) {
            if (Either.isLeft(outcome)) expect(outcome.left._tag).toBe("IdempotencyKeyInFlight")
          }
          const page = yield* repo.listForTeam(TEAM, { statuses: ACTIVE_STATUSES, before: Option.none(), limit: 100 })
          expect(page.map((backfill) => backfill.id)).toEqual([answered[0]?.id])
          expect(yield* steps.insert("2024-01-01", "2024-01-31", { idempotency: key })).toEqual(answered[0])
        }),
      60_000
    )
  })
