/**
 * Leases: fairness of claims, one worker per backfill, expiry, fences and release.
 */
import { describe, expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import { completed, type Lease } from "../../../domain/runs.js"
import type { Repositories, Tester } from "../steps.js"
import * as steps from "../steps.js"
import { day, LEASE_MS, T0 } from "../world.js"

export const leasesTests = (test: Tester<Repositories>) =>
  describe("leases", () => {
    test("hand out the oldest backfill with work first, and nothing when none has work", () =>
      Effect.gen(function* () {
        expect(yield* steps.claim("w")).toEqual(Option.none())
        const older = yield* steps.insert("2024-01-01", "2024-01-02")
        const newer = yield* steps.insert("2024-01-03", "2024-01-04")
        expect((yield* steps.claimed("a")).backfillId).toBe(older.id)
        expect((yield* steps.claimed("b")).backfillId).toBe(newer.id)
        expect(yield* steps.claim("c")).toEqual(Option.none())
      }))

    test("never give one backfill to two workers at once, however many claim together", () =>
      Effect.gen(function* () {
        for (let index = 1; index <= 5; index++) {
          const text = `2024-01-0${index}`
          yield* steps.insert(text, text)
        }
        const claims = yield* Effect.all(
          Array.from({ length: 12 }, (_, index) => steps.claim(`worker-${index}`)),
          { concurrency: "unbounded" }
        )
        const leased = claims.flatMap(Option.toArray).map((lease) => lease.backfillId)
        expect(leased).toHaveLength(5)
        expect(new Set(leased).size).toBe(5)
      }))

    test("let another worker take over once a lease expires, and fence the one that lost it", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-03", "slow")
        const run = Option.getOrThrow(yield* steps.startNext(lease))
        expect(yield* steps.claim("eager", T0 + LEASE_MS - 1)).toEqual(Option.none())
        const takeover = yield* steps.claimed("eager", T0 + LEASE_MS)
        expect(takeover.backfillId).toBe(backfill.id)
        expect(takeover.fence > lease.fence).toBe(true)
        expect(yield* steps.errorTag(repo.renewLease(lease, T0 + LEASE_MS, LEASE_MS))).toBe("LeaseLost")
        expect(yield* steps.errorTag(steps.startNext(lease, T0 + LEASE_MS))).toBe("LeaseLost")
        const retaken = Option.getOrThrow(yield* steps.startNext(takeover, T0 + LEASE_MS))
        expect(retaken.day).toBe(run.day)
        yield* repo.releaseLease(lease)
        const kept = yield* repo.renewLease(takeover, T0 + LEASE_MS, LEASE_MS)
        expect(kept.fence).toBe(takeover.fence)
      }))

    test("give a worker back the lease it still holds before any other backfill, and reset its running days", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const older = yield* steps.insert("2024-01-01", "2024-01-02")
        const newer = yield* steps.insert("2024-01-05", "2024-01-06")
        yield* steps.materialiseAll(newer.id)
        const onOlder = yield* steps.claimed("x")
        const held = yield* steps.claimed("w")
        expect([onOlder.backfillId, held.backfillId]).toEqual([older.id, newer.id])
        const running = Option.getOrThrow(yield* steps.startNext(held))
        yield* repo.releaseLease(onOlder)
        const retaken = yield* steps.claimed("w", T0 + 1000)
        expect(retaken.backfillId).toBe(newer.id)
        expect(retaken.fence > held.fence).toBe(true)
        expect(yield* steps.errorTag(repo.renewLease(held, T0 + 1000, LEASE_MS))).toBe("LeaseLost")
        expect(Option.getOrThrow(yield* steps.startNext(retaken, T0 + 1000)).day).toBe(running.day)
        expect(yield* steps.claim("y", T0 + 1000)).toEqual(
          Option.some(expect.objectContaining({ backfillId: older.id }))
        )
      }))

    test("count an outcome given with a lease only while that lease is the latest claim", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-03", "first")
        yield* steps.startNext(lease)
        const fenced = (text: string, holder: Lease) =>
          repo.recordOutcome(backfill.id, day(text), completed, T0, holder)
        expect((yield* fenced("2024-01-01", lease)).counted).toBe(true)
        const takeover = yield* steps.claimed("second", T0 + LEASE_MS)
        expect(yield* steps.errorTag(fenced("2024-01-02", lease))).toBe("LeaseLost")
        expect((yield* steps.find(backfill.id)).runs.completed).toBe(1)
        expect((yield* fenced("2024-01-02", takeover)).counted).toBe(true)
        expect((yield* steps.report(backfill.id, "2024-01-03")).counted).toBe(true)
        expect((yield* steps.find(backfill.id)).runs.completed).toBe(3)
      }))

    test("refuse runs under an expired lease until it is renewed", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const { lease } = yield* steps.readyToRun("2024-01-01", "2024-01-03")
        expect(yield* steps.errorTag(steps.startNext(lease, T0 + LEASE_MS))).toBe("LeaseLost")
        const renewed = yield* repo.renewLease(lease, T0 + LEASE_MS, LEASE_MS)
        expect(renewed.expiresAtMillis).toBe(T0 + 2 * LEASE_MS)
        expect(Option.isSome(yield* steps.startNext(renewed, T0 + LEASE_MS))).toBe(true)
      }))

    test("free a backfill on release", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-03")
        yield* repo.releaseLease(lease)
        const next = yield* steps.claimed("other")
        expect(next.backfillId).toBe(backfill.id)
        yield* repo.releaseLease(lease)
        expect(yield* steps.errorTag(repo.renewLease(lease, T0, LEASE_MS))).toBe("LeaseLost")
      }))
  })
