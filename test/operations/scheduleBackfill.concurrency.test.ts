import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Option, TestClock } from "effect"
import type { Backfill } from "../../src/domain/backfill.js"
import { type DateRange, dayCount, overlaps, sharedDays } from "../../src/domain/dateRange.js"
import { BackfillId } from "../../src/domain/ids.js"
import { isActive } from "../../src/domain/status.js"
import { scheduleBackfill } from "../../src/operations/scheduleBackfill.js"
import { BackfillRepository } from "../../src/ports/backfillRepository.js"
import * as Arb from "../../src/testing/arbitraries.js"
import { accessTo } from "../support/access.js"
import { PRINCIPALS, SEED_NOW, SEED_TRANSFER, TEAM_1, world } from "./world.js"

/** Short ranges crowded into two months, so that most concurrent requests collide. */
const requestedRanges = fc.array(Arb.dateRange({ min: "2023-12-01", max: "2024-01-20", maxDays: 10 }), {
  minLength: 100,
  maxLength: 100
})

const CONFLICT =
  /^The range overlaps active backfill (\d+) \((\S+) to (\S+), status (\w+)\) on (?:(\d+) days, (\S+) to (\S+)|(\S+))\.$/

describe("concurrent schedules", () => {
  it.effect.prop(
    "keep the active backfills of a transfer pairwise disjoint, store every success and name a real overlap in every conflict",
    [requestedRanges],
    ([ranges]) =>
      Effect.gen(function* () {
        yield* TestClock.setTime(SEED_NOW)
        const outcomes = yield* Effect.all(
          ranges.map((range) =>
            Effect.either(
              scheduleBackfill({
                principal: PRINCIPALS.admin,
                teamId: TEAM_1,
                transferId: SEED_TRANSFER,
                range: { range_start: range.start, range_end: range.end }
              })
            ).pipe(Effect.map((outcome) => ({ range, outcome })))
          ),
          { concurrency: "unbounded" }
        )
        const repository = yield* BackfillRepository
        const access = accessTo(TEAM_1)
        const successes: Array<Backfill> = []
        for (const { range, outcome } of outcomes) {
          if (Either.isRight(outcome)) {
            successes.push(outcome.right)
            expect(yield* repository.findForTeam(access, outcome.right.id)).toEqual(Option.some(outcome.right))
            continue
          }
          expect(outcome.left._tag).toBe("Conflict")
          const named = CONFLICT.exec(outcome.left._tag === "Conflict" ? outcome.left.description : "")
          expect(named).not.toBeNull()
          const [, id, start, end, status, days, sharedStart, sharedEnd, sharedDay] = named ?? []
          const conflicting = Option.getOrThrow(
            yield* repository.findForTeam(access, BackfillId.make(BigInt(id ?? "0")))
          )
          expect([conflicting.range.start, conflicting.range.end, conflicting.status]).toEqual([start, end, status])
          expect(isActive(conflicting.status)).toBe(true)
          expect(overlaps(conflicting.range, range as DateRange)).toBe(true)
          // The days named are exactly those both ranges cover.
          const shared = Option.getOrThrow(sharedDays(conflicting.range, range as DateRange))
          expect(sharedDay === undefined ? [Number(days), sharedStart, sharedEnd] : [1, sharedDay, sharedDay]).toEqual([
            dayCount(shared),
            shared.start,
            shared.end
          ])
        }
        expect(successes.length).toBeGreaterThan(0)
        for (const [index, a] of successes.entries()) {
          for (const b of successes.slice(index + 1)) expect(overlaps(a.range, b.range)).toBe(false)
        }
        const ids = successes.map((backfill) => backfill.id)
        expect(new Set(ids).size).toBe(ids.length)
        // Nothing beyond the successes was stored: ids are handed out one by one from 1.
        expect(
          Option.isNone(yield* repository.findForTeam(access, BackfillId.make(BigInt(successes.length + 1))))
        ).toBe(true)
      }).pipe(Effect.provide(world())),
    { timeout: 60_000, fastCheck: { numRuns: 25, endOnFailure: true } }
  )
})
