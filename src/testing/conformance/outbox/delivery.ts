/**
 * Delivery: relays hold backfills one relay at a time, take their pending events in
 * order, and mark them delivered, due again later, or dead-lettered; a hold that lapses
 * hands its events out again.
 */
import { describe, expect } from "@effect/vitest"
import { Effect } from "effect"
import type { Tester } from "../steps.js"
import * as steps from "../steps.js"
import { T0 } from "../world.js"
import { eventsOf } from "./events.js"
import { delivered, failedAt, HOLD_MS, hold, type OutboxRepositories } from "./steps.js"

export const deliveryTests = (test: Tester<OutboxRepositories>) =>
  describe("delivery", () => {
    test("hands out each backfill's pending events in order, oldest backfill first, within the limits", () =>
      Effect.gen(function* () {
        const first = yield* steps.insert("2024-01-01", "2024-01-02")
        const second = yield* steps.insert("2024-02-01", "2024-02-02")
        yield* steps.materialiseAll(first.id)
        yield* steps.materialiseAll(second.id)
        expect(yield* hold("relay-1", T0, { backfills: 1, eventsPerBackfill: 1 })).toEqual([
          { backfillId: first.id, sequences: [1], failedAttempts: [0] }
        ])
        expect(yield* hold("relay-2")).toEqual([{ backfillId: second.id, sequences: [1, 2], failedAttempts: [0, 0] }])
      }))

    test("hands held backfills out by their oldest pending event, whatever their ids", () =>
      Effect.gen(function* () {
        const first = yield* steps.insert("2024-01-01", "2024-01-02")
        const second = yield* steps.insert("2024-02-01", "2024-02-02")
        yield* hold("relay-1", T0, { backfills: 1, eventsPerBackfill: 10 })
        yield* delivered("relay-1", first.id, 1)
        // The first backfill's next event comes after the second backfill's waiting one.
        yield* steps.materialiseAll(first.id)
        expect((yield* hold("relay-2")).map((held) => held.backfillId)).toEqual([second.id, first.id])
      }))

    test("hands out a backfill still pending by its next event, behind older events of others", () =>
      Effect.gen(function* () {
        const first = yield* steps.insert("2024-01-01", "2024-01-02")
        const second = yield* steps.insert("2024-02-01", "2024-02-02")
        yield* steps.materialiseAll(first.id)
        yield* hold("relay-1", T0, { backfills: 1, eventsPerBackfill: 1 })
        // The first backfill's next event was appended after the second's first.
        yield* delivered("relay-1", first.id, 1)
        expect(yield* hold("relay-2")).toEqual([
          { backfillId: second.id, sequences: [1], failedAttempts: [0] },
          { backfillId: first.id, sequences: [2], failedAttempts: [0] }
        ])
      }))

    test("holds a backfill for one relay until it is done or its hold lapses", () =>
      Effect.gen(function* () {
        const backfill = yield* steps.insert("2024-01-01", "2024-01-02")
        expect((yield* hold("relay-1")).map((held) => held.sequences)).toEqual([[1]])
        yield* steps.materialiseAll(backfill.id)
        // Appended while held: still the holder's, not another relay's.
        expect(yield* hold("relay-2", T0 + HOLD_MS - 1)).toEqual([])
        expect((yield* hold("relay-2", T0 + HOLD_MS)).map((held) => held.sequences)).toEqual([[1, 2]])
        yield* delivered("relay-2", backfill.id, 1, T0 + HOLD_MS)
        expect((yield* hold("relay-3", T0 + HOLD_MS)).map((held) => held.sequences)).toEqual([[2]])
      }))

    test("forgets what was delivered and keeps what came after", () =>
      Effect.gen(function* () {
        const backfill = yield* steps.insert("2024-01-01", "2024-01-02")
        yield* steps.materialiseAll(backfill.id)
        yield* hold("relay-1")
        yield* delivered("relay-1", backfill.id, 2)
        expect(yield* hold("relay-1")).toEqual([])
        yield* steps.report(backfill.id, "2024-01-02")
        expect((yield* hold("relay-1")).map((held) => held.sequences)).toEqual([[3, 4]])
        expect((yield* eventsOf(backfill.id)).length).toBe(4)
      }))

    test("a failed event is due again at its retry time; a dead letter lets the rest go", () =>
      Effect.gen(function* () {
        const backfill = yield* steps.insert("2024-01-01", "2024-01-02")
        yield* steps.materialiseAll(backfill.id)
        yield* hold("relay-1")
        yield* failedAt("relay-1", backfill.id, 1, T0 + 5000)
        expect(yield* hold("relay-2", T0 + 4999)).toEqual([])
        expect(yield* hold("relay-2", T0 + 5000)).toEqual([
          { backfillId: backfill.id, sequences: [1, 2], failedAttempts: [1, 0] }
        ])
        yield* failedAt("relay-2", backfill.id, 1, null)
        expect(yield* hold("relay-1", T0 + 5000)).toEqual([
          { backfillId: backfill.id, sequences: [2], failedAttempts: [0] }
        ])
      }))

    test("a relay whose hold passed to another cannot fail the events the other now delivers", () =>
      Effect.gen(function* () {
        const backfill = yield* steps.insert("2024-01-01", "2024-01-02")
        yield* steps.materialiseAll(backfill.id)
        yield* hold("relay-1")
        expect((yield* hold("relay-2", T0 + HOLD_MS)).map((held) => held.sequences)).toEqual([[1, 2]])
        // relay-1 learns late that its delivery failed, and gives the event up: relay-2 holds it now.
        yield* failedAt("relay-1", backfill.id, 1, null, T0 + HOLD_MS)
        expect(yield* hold("relay-3", T0 + HOLD_MS)).toEqual([])
        expect(yield* hold("relay-3", T0 + 2 * HOLD_MS)).toEqual([
          { backfillId: backfill.id, sequences: [1, 2], failedAttempts: [0, 0] }
        ])
        // A relay whose hold lapsed with nobody taking it over still reports its failure.
        yield* failedAt("relay-3", backfill.id, 1, T0 + 5 * HOLD_MS, T0 + 4 * HOLD_MS)
        expect(yield* hold("relay-4", T0 + 5 * HOLD_MS)).toEqual([
          { backfillId: backfill.id, sequences: [1, 2], failedAttempts: [1, 0] }
        ])
      }))

    test("a late failure counts nothing once another relay has settled the backfill", () =>
      Effect.gen(function* () {
        const backfill = yield* steps.insert("2024-01-01", "2024-01-02")
        yield* steps.materialiseAll(backfill.id)
        yield* hold("relay-1")
        yield* hold("relay-2", T0 + HOLD_MS)
        yield* delivered("relay-2", backfill.id, 1, T0 + HOLD_MS)
        // Nobody holds the backfill now; relay-1's hold ended when relay-2 took it.
        yield* failedAt("relay-1", backfill.id, 2, null, T0 + HOLD_MS)
        expect(yield* hold("relay-3", T0 + HOLD_MS)).toEqual([
          { backfillId: backfill.id, sequences: [2], failedAttempts: [0] }
        ])
      }))

    test("concurrent relays never hold one backfill together, and leave none behind", () =>
      Effect.gen(function* () {
        const backfills = yield* Effect.forEach(
          Array.from({ length: 6 }, (_, index) => index + 1),
          (month) => steps.insert(`2024-0${month}-01`, `2024-0${month}-02`)
        )
        const taken = yield* Effect.all(
          Array.from({ length: 8 }, (_, index) => hold(`relay-${index}`, T0, { backfills: 2, eventsPerBackfill: 10 })),
          { concurrency: "unbounded" }
        )
        const rest = yield* hold("relay-last")
        const held = [...taken.flat(), ...rest].map((entry) => entry.backfillId)
        expect(new Set(held).size).toBe(held.length)
        expect([...held].sort((a, b) => (a < b ? -1 : 1))).toEqual(backfills.map((backfill) => backfill.id))
      }))
  })
