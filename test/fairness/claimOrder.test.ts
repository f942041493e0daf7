/**
 * The claim's order as a property (memory adapter): whatever teams, backfills, leases and
 * cap a sequence of schedules, claims and releases leads to, the next claim goes to a team
 * with the fewest running days among the teams with claimable work, and never to a team
 * at its cap.
 */
import { Effect, Either, Option } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { layerMemoryBackfillRepository } from "../../src/adapters/memory/backfillRepository.js"
import { newBackfill } from "../../src/domain/backfill.js"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { makeDateRange } from "../../src/domain/dateRange.js"
import { type BackfillId, TransferId, UserId } from "../../src/domain/ids.js"
import { type Lease, WorkerId } from "../../src/domain/runs.js"
import { epochSecondsFromMillis } from "../../src/domain/time.js"
import { BackfillRepository, WorkerRepository } from "../../src/ports/backfillRepository.js"
import { accessTo } from "../support/access.js"

type Step =
  | { readonly kind: "schedule"; readonly team: number }
  | { readonly kind: "claim" }
  | { readonly kind: "release"; readonly pick: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("schedule" as const), team: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant("claim" as const) }),
  fc.record({ kind: fc.constant("release" as const), pick: fc.nat() })
)

const DAY = Either.getOrThrow(makeDateRange("2024-01-01" as CalendarDate, "2024-01-01" as CalendarDate))
const NOW = 1_000_000

/** Replays `steps`; after every claim, checks it against the leases held before it. */
const replay = (steps: ReadonlyArray<Step>, cap: number | undefined) =>
  Effect.gen(function* () {
    const api = yield* BackfillRepository
    const worker = yield* WorkerRepository
    const teamOf = new Map<BackfillId, number>()
    const held: Array<Lease> = []
    let transfers = 0
    let workers = 0
    for (const next of steps) {
      if (next.kind === "schedule") {
        transfers += 1
        const backfill = yield* api.insertUnlessOverlapping(
          accessTo(BigInt(next.team)),
          newBackfill({
            transferId: TransferId.make(BigInt(transfers)),
            range: DAY,
            createdTime: epochSecondsFromMillis(NOW),
            createdUserId: UserId.make(1n)
          })
        )
        teamOf.set(backfill.id, next.team)
      } else if (next.kind === "release") {
        const [lease] = held.splice(next.pick % Math.max(held.length, 1), 1)
        if (lease !== undefined) yield* worker.releaseLease(lease)
      } else {
        const running = new Map<number, number>()
        for (const lease of held) {
          const team = teamOf.get(lease.backfillId) ?? 0
          running.set(team, (running.get(team) ?? 0) + 1)
        }
        const leased = new Set(held.map((lease) => lease.backfillId))
        const claimable = new Set(
          [...teamOf]
            .filter(([id, team]) => !leased.has(id) && (cap === undefined || (running.get(team) ?? 0) < cap))
            .map(([, team]) => team)
        )
        workers += 1
        const claimed = yield* worker.claim(WorkerId.make(`w${workers}`), NOW, 60_000, { maxRunningDaysPerTeam: cap })
        if (claimable.size === 0) {
          expect(claimed).toEqual(Option.none())
          continue
        }
        const lease = Option.getOrThrow(claimed)
        const team = teamOf.get(lease.backfillId) ?? 0
        const fewest = Math.min(...[...claimable].map((candidate) => running.get(candidate) ?? 0))
        expect(claimable.has(team)).toBe(true)
        expect(running.get(team) ?? 0).toBe(fewest)
        held.push(lease)
      }
    }
  }).pipe(Effect.provide(layerMemoryBackfillRepository()))

describe("the claim's order", () => {
  it("goes to a team with the fewest running days among those with claimable work, never past a cap", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 60 }),
        fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        (steps, cap) => Effect.runPromise(replay(steps, cap))
      ),
      { numRuns: 300 }
    )
  })
})
