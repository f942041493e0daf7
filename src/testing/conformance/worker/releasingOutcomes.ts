/**
 * The last outcome of a turn, which gives the lease up in the same step
 * (`recordOutcomeAndRelease`, optional: a store without it has nothing to keep here). Its
 * `released` must be true to the store: a lease it says it gave up is free for the next
 * claim, with its running day back; one it kept still renews.
 */
import { describe, expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import { completed, failed, type Lease } from "../../../domain/runs.js"
import type { Repositories, Tester } from "../steps.js"
import * as steps from "../steps.js"
import { day, LEASE_MS, T0, worker } from "../world.js"

/** The store's `recordOutcomeAndRelease`, or nothing to test when it has none. */
const releasing = Effect.map(steps.repository, (repo) => Option.fromNullable(repo.recordOutcomeAndRelease))

/** Whether `lease` is still held: a held lease renews, a released or lost one does not. */
const stillHeld = (lease: Lease, nowMillis = T0) =>
  Effect.flatMap(steps.repository, (repo) =>
    Effect.match(repo.renewLease(lease, nowMillis, LEASE_MS), { onFailure: () => false, onSuccess: () => true })
  )

const claimUnderCap = (name: string, nowMillis: number) =>
  Effect.flatMap(steps.repository, (repo) =>
    repo.claim(worker(name), nowMillis, LEASE_MS, { maxRunningDaysPerTeam: 1 })
  )

export const releasingOutcomesTests = (test: Tester<Repositories>) =>
  describe("the last outcome of a turn", () => {
    test("is recorded and gives the lease up, its running day back for the next claim", () =>
      Effect.gen(function* () {
        const record = yield* releasing
        if (Option.isNone(record)) return
        const first = yield* steps.insert("2024-01-01", "2024-01-01")
        const second = yield* steps.insert("2024-01-02", "2024-01-02")
        yield* steps.materialiseAll(first.id)
        yield* steps.materialiseAll(second.id)
        const lease = Option.getOrThrow(yield* claimUnderCap("w1", T0))
        expect(lease.backfillId).toBe(first.id)
        expect(yield* claimUnderCap("w2", T0)).toEqual(Option.none())
        const run = Option.getOrThrow(yield* steps.startNext(lease))
        const recorded = yield* record.value(first.id, run.day, completed, T0 + 1, lease)
        expect(recorded).toMatchObject({ counted: true, released: true, state: "completed" })
        expect(recorded.backfill.status).toBe("COMPLETED")
        expect((yield* steps.find(first.id)).runs.completed).toBe(1)
        expect(yield* stillHeld(lease, T0 + 1)).toBe(false)
        expect(Option.map(yield* claimUnderCap("w2", T0 + 2), (next) => next.backfillId)).toEqual(
          Option.some(second.id)
        )
      }))

    test("under a lease another claim took over records nothing and leaves the new lease held", () =>
      Effect.gen(function* () {
        const record = yield* releasing
        if (Option.isNone(record)) return
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-02", "slow")
        const run = Option.getOrThrow(yield* steps.startNext(lease))
        const takeover = yield* steps.claimed("eager", T0 + LEASE_MS)
        expect(yield* steps.errorTag(record.value(backfill.id, run.day, failed("late"), T0 + LEASE_MS, lease))).toBe(
          "LeaseLost"
        )
        expect(yield* steps.find(backfill.id)).toMatchObject({ runs: { completed: 0, failed: 0 } })
        expect(yield* stillHeld(takeover, T0 + LEASE_MS)).toBe(true)
      }))

    test("of a day already reported counts nothing, and says truly whether the lease is still held", () =>
      Effect.gen(function* () {
        const record = yield* releasing
        if (Option.isNone(record)) return
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-02")
        const run = Option.getOrThrow(yield* steps.startNext(lease))
        const repo = yield* steps.repository
        expect((yield* repo.recordOutcome(backfill.id, run.day, completed, T0, lease)).counted).toBe(true)
        const again = yield* record.value(backfill.id, run.day, completed, T0 + 1, lease)
        expect(again.counted).toBe(false)
        expect(yield* stillHeld(lease, T0 + 1)).toBe(!again.released)
        expect((yield* steps.find(backfill.id)).runs.completed).toBe(1)
      }))

    test("refuses a day outside the range like any outcome, and keeps the lease", () =>
      Effect.gen(function* () {
        const record = yield* releasing
        if (Option.isNone(record)) return
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-02")
        yield* steps.startNext(lease)
        expect(yield* steps.errorTag(record.value(backfill.id, day("2024-02-01"), completed, T0, lease))).toBe(
          "DayOutsideRange"
        )
        expect(yield* stillHeld(lease)).toBe(true)
      }))
  })
