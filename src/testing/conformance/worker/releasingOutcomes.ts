/**
 * The last outcome of a turn, which gives the lease up in the same step
 * (`recordOutcomeAndRelease`, optional: a store without it has nothing to keep here). Its
 * `released` must be true to the store: a lease it says it gave up is free for the next
 * claim, with its running day back in its team's and its transfer's counts, once; one it
 * kept still renews and still counts.
 */
import { describe, expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import { TransferId } from "../../../domain/ids.js"
import { completed, failed, type Lease } from "../../../domain/runs.js"
import { DEFAULT_PROCESSING } from "../../../domain/turns.js"
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

/** The backfill a claim under a cap of `teamCap` running days for the team gets, if any. */
const claimUnderCap = (name: string, nowMillis: number, teamCap = 1) =>
  Effect.flatMap(steps.repository, (repo) =>
    Effect.map(
      repo.claim(worker(name), nowMillis, LEASE_MS, { maxRunningDaysPerTeam: teamCap }),
      Option.map((lease) => lease.backfillId)
    )
  )

/** One-day backfills of the team, days 1, 2, … of January, their runs created. */
const queuedDays = (count: number, transferId?: TransferId, transferCap?: number) =>
  Effect.forEach(
    Array.from({ length: count }, (_, index) => `2024-01-${String(index + 1).padStart(2, "0")}`),
    (text) =>
      Effect.tap(
        steps.insert(text, text, {
          transferId: transferId ?? TransferId.make(500n + BigInt(text.slice(-2))),
          processing: { ...DEFAULT_PROCESSING, transferMaxRunningDays: Option.fromNullable(transferCap) }
        }),
        (backfill) => steps.materialiseAll(backfill.id)
      )
  )

export const releasingOutcomesTests = (test: Tester<Repositories>) =>
  describe("the last outcome of a turn", () => {
    test("is recorded and gives the lease up, its running day back to its team and its transfer", () =>
      Effect.gen(function* () {
        const record = yield* releasing
        if (Option.isNone(record)) return
        const [first, second] = yield* queuedDays(2, TransferId.make(600n), 1)
        const lease = Option.getOrThrow(yield* steps.claim("w1"))
        expect(lease.backfillId).toBe(first?.id)
        expect(yield* claimUnderCap("w2", T0, 2)).toEqual(Option.none())
        const run = Option.getOrThrow(yield* steps.startNext(lease))
        const recorded = yield* record.value(lease.backfillId, run.day, completed, T0 + 1, lease)
        expect(recorded).toMatchObject({ counted: true, released: true, state: "completed" })
        expect(recorded.backfill.status).toBe("COMPLETED")
        expect(yield* stillHeld(lease, T0 + 1)).toBe(false)
        expect(yield* claimUnderCap("w2", T0 + 2)).toEqual(Option.some(second?.id))
      }))

    test("gives a running day back once: not again when repeated, nor after a release, nor before one", () =>
      Effect.gen(function* () {
        const record = yield* releasing
        if (Option.isNone(record)) return
        const [first, second, third, fourth] = yield* queuedDays(5)
        const repo = yield* steps.repository
        const leaseOf = (name: string) =>
          Effect.map(repo.claim(worker(name), T0, LEASE_MS, { maxRunningDaysPerTeam: 2 }), Option.getOrThrow)
        const [one, two] = [yield* leaseOf("w1"), yield* leaseOf("w2")]
        expect([one.backfillId, two.backfillId]).toEqual([first?.id, second?.id])
        const dayOf = (lease: Lease) => Effect.map(steps.startNext(lease, T0 + 1), (run) => Option.getOrThrow(run).day)
        const runOfOne = yield* dayOf(one)
        expect((yield* record.value(one.backfillId, runOfOne, completed, T0 + 2, one)).released).toBe(true)
        expect(yield* record.value(one.backfillId, runOfOne, completed, T0 + 3, one)).toMatchObject({
          counted: false,
          released: false
        })
        yield* repo.releaseLease(one)
        // The second lease still counts: one slot of two is free, not both.
        expect(yield* claimUnderCap("w3", T0 + 4, 2)).toEqual(Option.some(third?.id))
        expect(yield* claimUnderCap("w4", T0 + 4, 2)).toEqual(Option.none())
        const runOfTwo = yield* dayOf(two)
        yield* repo.releaseLease(two)
        expect(yield* record.value(two.backfillId, runOfTwo, completed, T0 + 5, two)).toMatchObject({
          counted: true,
          released: false
        })
        // The third lease still counts: the outcome after the release gave nothing back.
        expect(yield* claimUnderCap("w5", T0 + 6, 2)).toEqual(Option.some(fourth?.id))
        expect(yield* claimUnderCap("w6", T0 + 6, 2)).toEqual(Option.none())
      }))

    test("under a lease another claim took over records nothing and leaves the new lease held and counted", () =>
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
        yield* queuedDays(1, TransferId.make(700n))
        expect(yield* claimUnderCap("third", T0 + LEASE_MS)).toEqual(Option.none())
      }))

    test("of a day already reported counts nothing, and says truly whether the lease still holds and counts", () =>
      Effect.gen(function* () {
        const record = yield* releasing
        if (Option.isNone(record)) return
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-02")
        const run = Option.getOrThrow(yield* steps.startNext(lease))
        const repo = yield* steps.repository
        expect((yield* repo.recordOutcome(backfill.id, run.day, completed, T0, lease)).counted).toBe(true)
        const again = yield* record.value(backfill.id, run.day, completed, T0 + 1, lease)
        expect(again.counted).toBe(false)
        expect((yield* steps.find(backfill.id)).runs.completed).toBe(1)
        expect(yield* stillHeld(lease, T0 + 1)).toBe(!again.released)
        const [other] = yield* queuedDays(1, TransferId.make(800n))
        expect(yield* claimUnderCap("w2", T0 + 2)).toEqual(again.released ? Option.some(other?.id) : Option.none())
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
