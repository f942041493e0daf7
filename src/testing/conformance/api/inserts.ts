/**
 * Inserts: what they store and return, the overlap rule, and that the check and the insert are one step.
 */
import { describe, expect } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import type { Backfill } from "../../../domain/backfill.js"
import { overlaps } from "../../../domain/dateRange.js"
import { BackfillId } from "../../../domain/ids.js"
import { isActive } from "../../../domain/status.js"
import { epochSecondsFromMillis } from "../../../domain/time.js"
import type { BackfillRepository } from "../../../ports/backfillRepository.js"
import type { Tester } from "../steps.js"
import * as steps from "../steps.js"
import { OTHER_TEAM, OTHER_TRANSFER, overlappingJanuaryRanges, range, T0, TEAM, USER } from "../world.js"

/** Each cause's message and code, outermost first: "Failed to execute statement" alone hides why. */
const causeChain = (cause: unknown): string => {
  const links: Array<string> = []
  for (
    let link = cause;
    typeof link === "object" && link !== null && links.length < 10;
    link = (link as { cause?: unknown }).cause
  ) {
    const { message, code } = link as { readonly message?: unknown; readonly code?: unknown }
    links.push(`${String(message)}${code === undefined ? "" : ` (${String(code)})`}`)
  }
  return links.join(" ← ")
}

export const insertsTests = (test: Tester<BackfillRepository>) =>
  describe("inserts", () => {
    test("store what they return, with increasing ids, readable by the owning team only", () =>
      Effect.gen(function* () {
        const repo = yield* steps.apiRepository
        const first = yield* steps.insert("2024-01-01", "2024-01-31")
        const second = yield* steps.insert("2024-01-01", "2024-01-31", {
          transferId: OTHER_TRANSFER,
          teamId: OTHER_TEAM
        })
        expect(second.id > first.id).toBe(true)
        expect(yield* repo.findForTeam(TEAM, first.id)).toEqual(Option.some(first))
        expect(yield* repo.findForTeam(OTHER_TEAM, first.id)).toEqual(Option.none())
        expect(yield* repo.findForTeam(TEAM, BackfillId.make(9223372036854775807n))).toEqual(Option.none())
      }))

    test("refuse a range sharing a day with an active backfill, naming it", () =>
      Effect.gen(function* () {
        const blocker = yield* steps.insert("2024-01-10", "2024-01-20")
        const refused = yield* Effect.flip(steps.insert("2024-01-20", "2024-01-25"))
        expect(refused._tag).toBe("ActiveRangeOverlap")
        if (refused._tag === "ActiveRangeOverlap") expect(refused.conflicting).toEqual(yield* steps.find(blocker.id))
        expect(yield* steps.errorTag(steps.insert("2024-01-01", "2024-01-31"))).toBe("ActiveRangeOverlap")
        expect(yield* steps.errorTag(steps.insert("2024-01-15", "2024-01-15"))).toBe("ActiveRangeOverlap")
      }))

    test("accept adjacent ranges and other transfers' ranges", () =>
      Effect.gen(function* () {
        yield* steps.insert("2024-01-10", "2024-01-20")
        yield* steps.insert("2024-01-21", "2024-01-31")
        yield* steps.insert("2024-01-01", "2024-01-09")
        yield* steps.insert("2024-01-10", "2024-01-20", { transferId: OTHER_TRANSFER })
      }))

    test("accept a range again once its backfill is cancelled", () =>
      Effect.gen(function* () {
        const repo = yield* steps.apiRepository
        const removal = { time: epochSecondsFromMillis(T0), userId: USER }
        const cancelled = yield* steps.insert("2024-01-01", "2024-01-02")
        yield* repo.cancel(cancelled.id, removal)
        const current = yield* steps.insert("2024-01-01", "2024-01-02")
        yield* Effect.either(repo.cancel(cancelled.id, removal))
        const refused = yield* Effect.flip(steps.insert("2024-01-02", "2024-01-02"))
        expect(refused._tag === "ActiveRangeOverlap" && refused.conflicting.id).toBe(current.id)
      }))

    test(
      "check and insert atomically: concurrent overlapping inserts store pairwise disjoint ranges",
      () =>
        Effect.gen(function* () {
          const ranges = overlappingJanuaryRanges(60)
          const outcomes = yield* Effect.all(
            ranges.map(([start, end]) => Effect.either(steps.insert(start, end))),
            { concurrency: "unbounded" }
          )
          const stored: Array<Backfill> = []
          for (const [index, outcome] of outcomes.entries()) {
            const [start, end] = ranges[index] ?? ["", ""]
            if (Either.isRight(outcome)) {
              stored.push(outcome.right)
            } else {
              // What else refused it, told in full: a flaky refusal under load must say why.
              expect(outcome.left._tag, "cause" in outcome.left ? causeChain(outcome.left.cause) : "").toBe(
                "ActiveRangeOverlap"
              )
              if (outcome.left._tag === "ActiveRangeOverlap") {
                const conflicting = yield* steps.find(outcome.left.conflicting.id)
                expect(isActive(conflicting.status)).toBe(true)
                expect(overlaps(conflicting.range, range(start, end))).toBe(true)
              }
            }
          }
          for (const [index, a] of stored.entries()) {
            for (const b of stored.slice(index + 1)) expect(overlaps(a.range, b.range)).toBe(false)
          }
          expect(stored.length).toBeGreaterThan(0)
        }),
      60_000
    )
  })
