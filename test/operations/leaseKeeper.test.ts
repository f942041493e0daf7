/**
 * A worker's hold on its lease, on the in-memory ports and the test clock: renewed every
 * quarter of the lease, and when another worker takes the backfill over, the day in
 * progress interrupted and reported as `LeaseLost`, and no later day started.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Option, Ref, TestClock } from "effect"
import { WorkerId } from "../../src/domain/runs.js"
import { holdLease } from "../../src/operations/leaseKeeper.js"
import * as Worker from "../../src/operations/worker.js"
import { scheduleSeedBackfill as schedule } from "./http.js"
import { world } from "./world.js"

const LEASE = Duration.seconds(40)
const RENEWAL = Duration.seconds(10)

/** A backfill scheduled, claimed by worker w1, and its lease held. */
const claimedAndHeld = Effect.gen(function* () {
  yield* schedule("2024-01-01", "2024-01-02")
  const lease = Option.getOrThrow(yield* Worker.claimBackfill(WorkerId.make("w1"), LEASE))
  return { lease, held: yield* holdLease(lease, LEASE) }
})

describe("holdLease", () => {
  it.scoped("renews the lease every quarter of its duration while the day runs", () =>
    Effect.gen(function* () {
      const { lease, held } = yield* claimedAndHeld
      yield* TestClock.adjust(RENEWAL)
      yield* TestClock.adjust(RENEWAL)
      expect((yield* held.current).expiresAtMillis).toBe(lease.expiresAtMillis + 20_000)
      expect(yield* held.runDay(Effect.succeed("done"), Duration.seconds(1))).toBe("done")
    }).pipe(Effect.provide(world()))
  )

  it.scoped("interrupts the day in progress when another worker took the lease, and fails it with LeaseLost", () =>
    Effect.gen(function* () {
      const { lease, held } = yield* claimedAndHeld
      const interrupted = yield* Ref.make(false)
      const day = yield* Effect.fork(
        held.runDay(
          Effect.onInterrupt(Effect.never, () => Ref.set(interrupted, true)),
          Duration.seconds(1)
        )
      )
      // Released behind the holder's back, so that a second worker can take the backfill over.
      yield* Worker.releaseLease(lease)
      const taken = Option.getOrThrow(yield* Worker.claimBackfill(WorkerId.make("w2"), LEASE))
      expect(taken.fence).toBeGreaterThan(lease.fence)
      yield* TestClock.adjust(RENEWAL)
      const lost = yield* Effect.flip(Fiber.join(day))
      expect([lost._tag, yield* Ref.get(interrupted)]).toEqual(["LeaseLost", true])
      const started = yield* Ref.make(false)
      const next = yield* Effect.flip(held.runDay(Ref.set(started, true), Duration.seconds(1)))
      expect([next._tag, yield* Ref.get(started)]).toEqual(["LeaseLost", false])
    }).pipe(Effect.provide(world()))
  )

  it.scoped("takes a day that failed on its own as that failure, not as a lost lease", () =>
    Effect.gen(function* () {
      const { held } = yield* claimedAndHeld
      expect(yield* Effect.flip(held.runDay(Effect.fail("the day's own failure"), Duration.seconds(1)))).toBe(
        "the day's own failure"
      )
    }).pipe(Effect.provide(world()))
  )
})
