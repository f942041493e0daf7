/**
 * Turns and their order: a claim goes to the team with the fewest running days, skips a
 * team or a transfer at its cap, gets a running day back when a lease is released or
 * expires on a backfill without work; an `oldest_first` backfill runs and lists its days
 * earliest first.
 */
import { describe, expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import { TeamId, TransferId } from "../../../domain/ids.js"
import { DEFAULT_PROCESSING, type ProcessingOrder } from "../../../domain/turns.js"
import type { Repositories, Tester } from "../steps.js"
import * as steps from "../steps.js"
import { ALL_RUNS, LEASE_MS, OTHER_TEAM, T0, TEAM, worker } from "../world.js"

const THIRD_TEAM = TeamId.make(3n)
let transfers = 100n

/** A one-day backfill of `teamId` (on a transfer of its own unless given one), its run created. */
const queued = (
  teamId: TeamId,
  options: { readonly day?: string; readonly transferCap?: number; readonly transferId?: TransferId } = {}
) =>
  Effect.gen(function* () {
    transfers += 1n
    const day = options.day ?? "2024-01-01"
    const backfill = yield* steps.insert(day, day, {
      teamId,
      transferId: options.transferId ?? TransferId.make(transfers),
      processing: { ...DEFAULT_PROCESSING, transferMaxRunningDays: Option.fromNullable(options.transferCap) }
    })
    yield* steps.materialiseAll(backfill.id)
    return backfill
  })

const claimWith = (name: string, cap?: number, nowMillis = T0) =>
  Effect.flatMap(steps.repository, (repo) =>
    repo.claim(worker(name), nowMillis, LEASE_MS, { maxRunningDaysPerTeam: cap })
  )

const ordered = (order: ProcessingOrder) =>
  steps.insert("2024-01-01", "2024-01-04", { processing: { ...DEFAULT_PROCESSING, order } })

export const turnsTests = (test: Tester<Repositories>) =>
  describe("turns", () => {
    test("go to the team with the fewest running days, whatever the backfills' ids", () =>
      Effect.gen(function* () {
        const first = yield* queued(TEAM)
        yield* queued(TEAM)
        const others = yield* queued(OTHER_TEAM)
        expect(Option.map(yield* claimWith("w1"), (lease) => lease.backfillId)).toEqual(Option.some(first.id))
        expect(Option.map(yield* claimWith("w2"), (lease) => lease.backfillId)).toEqual(Option.some(others.id))
      }))

    test("skip a team at its cap, give the day back on release, then serve the backfill waiting longest", () =>
      Effect.gen(function* () {
        const first = yield* queued(TEAM)
        const second = yield* queued(TEAM)
        const held = Option.getOrThrow(yield* claimWith("w1", 1))
        expect(held.backfillId).toBe(first.id)
        expect(yield* claimWith("w2", 1)).toEqual(Option.none())
        const repo = yield* steps.repository
        yield* repo.releaseLease(held)
        const leaseOf = (
          claim: Effect.Effect<Option.Option<{ readonly backfillId: unknown }>, unknown, Repositories>
        ) =>
          Effect.map(
            claim,
            Option.map((lease) => lease.backfillId)
          )
        expect(yield* leaseOf(claimWith("w3", 1, T0 + 1))).toEqual(Option.some(second.id))
        expect(yield* leaseOf(claimWith("w4", 1, T0 + 2))).toEqual(Option.none())
        expect(yield* leaseOf(claimWith("w5", 2, T0 + 3))).toEqual(Option.some(first.id))
      }))

    test("skip a transfer at its own cap while other transfers' backfills go on", () =>
      Effect.gen(function* () {
        const transferId = TransferId.make(9_999n)
        yield* queued(THIRD_TEAM, { day: "2024-01-01", transferCap: 1, transferId })
        yield* queued(THIRD_TEAM, { day: "2024-01-02", transferCap: 1, transferId })
        const free = yield* queued(THIRD_TEAM)
        yield* claimWith("w1")
        expect(Option.map(yield* claimWith("w2"), (lease) => lease.backfillId)).toEqual(Option.some(free.id))
        expect(yield* claimWith("w3")).toEqual(Option.none())
      }))

    test("get back the running day of a lease that expired on a cancelled backfill", () =>
      Effect.gen(function* () {
        const abandoned = yield* queued(TEAM)
        const waiting = yield* queued(TEAM)
        yield* claimWith("crashed", 1)
        const repo = yield* steps.repository
        yield* repo.cancel(abandoned.id, { time: abandoned.createdTime, userId: abandoned.createdUserId })
        expect(yield* claimWith("w2", 1, T0 + 1)).toEqual(Option.none())
        const later = T0 + 2 * LEASE_MS
        expect(Option.map(yield* claimWith("w3", 1, later), (lease) => lease.backfillId)).toEqual(
          Option.some(waiting.id)
        )
      }))

    test("go first to a team never served, among teams with as few running days", () =>
      Effect.gen(function* () {
        const served = yield* queued(TEAM)
        const neverServed = yield* queued(OTHER_TEAM)
        const lease = Option.getOrThrow(yield* claimWith("w1"))
        expect(lease.backfillId).toBe(served.id)
        yield* Effect.flatMap(steps.repository, (repo) => repo.releaseLease(lease))
        expect(Option.map(yield* claimWith("w2", undefined, T0 + 1), (next) => next.backfillId)).toEqual(
          Option.some(neverServed.id)
        )
      }))

    test("pass an expired lease on at a team's cap, its running day counted once", () =>
      Effect.gen(function* () {
        const first = yield* queued(TEAM)
        const second = yield* queued(TEAM)
        const expired = T0 + LEASE_MS + 1
        yield* claimWith("crashed", 1)
        // The team is at its cap of one, with that one day: the next holder takes it over.
        expect(Option.map(yield* claimWith("w2", 1, expired), (lease) => lease.backfillId)).toEqual(
          Option.some(first.id)
        )
        expect(Option.map(yield* claimWith("w3", 2, expired), (lease) => lease.backfillId)).toEqual(
          Option.some(second.id)
        )
        expect(yield* claimWith("w4", 2, expired)).toEqual(Option.none())
      }))

    test("give a transfer back one running day per release, not more", () =>
      Effect.gen(function* () {
        const transferId = TransferId.make(9_998n)
        for (const day of ["2024-01-01", "2024-01-02", "2024-01-03"])
          yield* queued(TEAM, { day, transferCap: 2, transferId })
        const held = Option.getOrThrow(yield* claimWith("w1"))
        yield* claimWith("w2")
        yield* Effect.flatMap(steps.repository, (repo) => repo.releaseLease(held))
        expect(Option.isSome(yield* claimWith("w3", undefined, T0 + 1))).toBe(true)
        expect(yield* claimWith("w4", undefined, T0 + 2)).toEqual(Option.none())
      }))

    test("run and list an oldest_first backfill's days earliest first, page after page", () =>
      Effect.gen(function* () {
        const backfill = yield* ordered("oldest_first")
        yield* steps.materialiseAll(backfill.id)
        const lease = yield* steps.claimed("w1")
        const first = Option.getOrThrow(yield* steps.startNext(lease))
        expect(first.day).toBe("2024-01-01")
        yield* steps.report(backfill.id, first.day)
        const repo = yield* steps.repository
        expect(steps.ledgerOf(yield* repo.runsOf(backfill.id))).toEqual([
          "2024-01-01 completed 1",
          "2024-01-02 pending 1",
          "2024-01-03 pending 1",
          "2024-01-04 pending 1"
        ])
        const page = yield* repo.runsOf(backfill.id, { ...ALL_RUNS, before: Option.some(first.day), limit: 2 })
        expect(page.map((run) => run.day)).toEqual(["2024-01-02", "2024-01-03"])
        expect(Option.map(yield* steps.startNext(lease), (run) => run.day)).toEqual(Option.some("2024-01-02"))
      }))

    test("run a newest_first backfill's days latest first, as SPEC says", () =>
      Effect.gen(function* () {
        const backfill = yield* ordered("newest_first")
        yield* steps.materialiseAll(backfill.id)
        const lease = yield* steps.claimed("w1")
        expect(Option.map(yield* steps.startNext(lease), (run) => run.day)).toEqual(Option.some("2024-01-04"))
      }))
  })
