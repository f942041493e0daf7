/**
 * The events a store appends: one per change a consumer can see, numbered per backfill
 * from 1 without gaps, in the change's own atomic step.
 */
import { describe, expect } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { BackfillEvent } from "../../../domain/events.js"
import type { BackfillId } from "../../../domain/ids.js"
import { completed, failed } from "../../../domain/runs.js"
import { epochSecondsFromMillis } from "../../../domain/time.js"
import { BackfillOutbox } from "../../../ports/backfillOutbox.js"
import type { Tester } from "../steps.js"
import * as steps from "../steps.js"
import { accessTo, keyed, OTHER_TEAM, T0, TEAM, USER } from "../world.js"
import type { OutboxRepositories } from "./steps.js"

/** Every event of the team's backfill, in sequence order. */
export const eventsOf = (id: BackfillId, teamId = TEAM) =>
  Effect.flatMap(BackfillOutbox, (outbox) => outbox.eventsOf(accessTo(teamId), id, 0, 10_000))

/** Events compactly: sequence, type, day (for a day's event) and the backfill's status after. */
const told = (events: ReadonlyArray<BackfillEvent>) =>
  events.map((event) => [event.sequence, event.type, event.day ?? "-", event.status].join(" "))

export const eventsTests = (test: Tester<OutboxRepositories>) =>
  describe("events", () => {
    test("tell every change of a backfill's life, numbered from 1 without gaps", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-02")
        yield* steps.startNext(lease, T0 + 1000)
        yield* steps.report(backfill.id, "2024-01-02", completed, T0 + 2000)
        yield* steps.startNext(lease, T0 + 3000)
        yield* steps.report(backfill.id, "2024-01-01", failed("no data"), T0 + 4000)
        yield* repo.retry(backfill.id)
        yield* repo.cancel(backfill.id, { time: epochSecondsFromMillis(T0 + 5000), userId: USER })
        const events = yield* eventsOf(backfill.id)
        expect(told(events)).toEqual([
          "1 backfill.created - CREATED",
          "2 backfill.scheduled - SCHEDULED",
          "3 backfill.running - RUNNING",
          "4 day.started 2024-01-02 RUNNING",
          "5 day.completed 2024-01-02 RUNNING",
          "6 day.started 2024-01-01 RUNNING",
          "7 day.failed 2024-01-01 FAILED",
          "8 backfill.failed - FAILED",
          "9 backfill.retried - SCHEDULED",
          "10 backfill.cancelled - CANCELLED"
        ])
        expect(events[6]).toMatchObject({ error: "no data", runs: { total: 2, completed: 1, failed: 1 } })
        expect(events[8]?.retriedDays).toEqual(["2024-01-01"])
        expect(events[4]?.time).toBe(epochSecondsFromMillis(T0 + 2000))
        expect(events[9]?.time).toBe(epochSecondsFromMillis(T0 + 5000))
        for (const event of events) {
          expect(event).toMatchObject({ backfillId: backfill.id, teamId: TEAM, transferId: backfill.transferId })
          expect(() => Schema.validateSync(BackfillEvent)(event)).not.toThrow()
        }
      }))

    test("a pending day reported while its backfill is SCHEDULED starts and ends it in order", () =>
      Effect.gen(function* () {
        const backfill = yield* steps.insert("2024-01-01", "2024-01-01")
        yield* steps.materialiseAll(backfill.id)
        yield* steps.report(backfill.id, "2024-01-01", completed, T0 + 1000)
        expect(told(yield* eventsOf(backfill.id))).toEqual([
          "1 backfill.created - CREATED",
          "2 backfill.scheduled - SCHEDULED",
          "3 backfill.running - RUNNING",
          "4 day.completed 2024-01-01 COMPLETED",
          "5 backfill.completed - COMPLETED"
        ])
      }))

    test("a refused change, a repeated report and a replayed key append nothing", () =>
      Effect.gen(function* () {
        const repo = yield* steps.repository
        const removal = { time: epochSecondsFromMillis(T0), userId: USER }
        const key = keyed("cancel-once", "cancel")
        const { backfill } = yield* steps.readyToRun("2024-01-01", "2024-01-02")
        yield* steps.report(backfill.id, "2024-01-02")
        yield* steps.report(backfill.id, "2024-01-02")
        yield* repo.cancel(backfill.id, removal, TEAM, key)
        yield* repo.cancel(backfill.id, removal, TEAM, key)
        yield* Effect.flip(repo.cancel(backfill.id, removal))
        yield* Effect.flip(repo.retry(backfill.id))
        const types = (yield* eventsOf(backfill.id)).map((event) => event.type)
        expect(types).toEqual([
          "backfill.created",
          "backfill.scheduled",
          "backfill.running",
          "day.completed",
          "backfill.cancelled"
        ])
      }))

    test("concurrent changes of one backfill take every number once", () =>
      Effect.gen(function* () {
        const { backfill } = yield* steps.readyToRun("2024-01-01", "2024-01-12")
        const days = Array.from({ length: 12 }, (_, index) => `2024-01-${String(index + 1).padStart(2, "0")}`)
        yield* Effect.all(
          days.map((text, index) => steps.report(backfill.id, text, index % 3 === 0 ? failed("x") : completed)),
          { concurrency: "unbounded" }
        )
        const events = yield* eventsOf(backfill.id)
        expect(events.map((event) => event.sequence)).toEqual(events.map((_, index) => index + 1))
        const reported = events.filter((event) => event.type.startsWith("day.")).map((event) => event.day)
        expect([...reported].sort()).toEqual(days)
        expect(events.at(-1)).toMatchObject({ type: "backfill.failed", runs: { completed: 8, failed: 4 } })
      }))

    test("are read after a sequence, page by page, and only by the backfill's team", () =>
      Effect.gen(function* () {
        const outbox = yield* BackfillOutbox
        const { backfill } = yield* steps.readyToRun("2024-01-01", "2024-01-03")
        const page = yield* outbox.eventsOf(accessTo(TEAM), backfill.id, 1, 1)
        expect(page.map((event) => event.sequence)).toEqual([2])
        expect(yield* outbox.eventsOf(accessTo(TEAM), backfill.id, 2, 10)).toEqual([])
        expect(yield* eventsOf(backfill.id, OTHER_TEAM)).toEqual([])
      }))
  })
