/**
 * The relay delivers every event of the outbox at least once and in order per backfill:
 * after failures (backoff, then dead letter), a sink that does not answer, and a relay
 * killed at random points, on the in-memory store and on PostgreSQL.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Clock,
  Deferred,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Metric,
  Option,
  Ref,
  TestClock,
  TestContext
} from "effect"
import * as fc from "fast-check"
import { afterAll } from "vitest"
import { layerMemoryBackfillRepository } from "../../src/adapters/memory/backfillRepository.js"
import type { BackfillEvent } from "../../src/domain/events.js"
import type { BackfillId } from "../../src/domain/ids.js"
import { failed } from "../../src/domain/runs.js"
import * as Metrics from "../../src/metrics/index.js"
import { nextAttemptAt, relayEventsOnce, runEventRelay } from "../../src/operations/eventRelay.js"
import { BackfillOutbox } from "../../src/ports/backfillOutbox.js"
import { EventDeliveryFailed, EventSink } from "../../src/ports/eventSink.js"
import { eventsOf } from "../../src/testing/conformance/outbox/events.js"
import type { OutboxRepositories } from "../../src/testing/conformance/outbox/steps.js"
import * as steps from "../../src/testing/conformance/steps.js"
import { freshRepository, openTestDatabase } from "../support/database.js"

const database = await openTestDatabase()
afterAll(() => database.close())

const STORES: ReadonlyArray<readonly [string, () => Layer.Layer<OutboxRepositories>]> = [
  ["in memory", () => layerMemoryBackfillRepository()],
  [`on PostgreSQL (${database.kind})`, () => freshRepository(database)]
]

const HOLD = Duration.seconds(30)
const OPTIONS = { relayId: "relay-1", holdDuration: HOLD, backoff: Duration.seconds(1), maxAttempts: 3 }

/** What a sink received, in order: `<backfill>-<sequence>`. */
type Received = Ref.Ref<ReadonlyArray<BackfillEvent>>

/** A sink that records each event, after `answer` decides how the delivery goes. */
const recordingSink = (
  received: Received,
  answer: (event: BackfillEvent) => Effect.Effect<void, EventDeliveryFailed>
) =>
  Layer.succeed(EventSink, {
    deliver: (event) =>
      Effect.zipRight(
        answer(event),
        Ref.update(received, (all) => [...all, event])
      )
  })

/** Two backfills with a few days reported: 2 × (created, scheduled, running, day events, end). */
const someHistory = Effect.gen(function* () {
  const first = yield* steps.insert("2024-01-01", "2024-01-02")
  const second = yield* steps.insert("2024-02-01", "2024-02-03")
  for (const backfill of [first, second]) yield* steps.materialiseAll(backfill.id)
  yield* steps.report(first.id, "2024-01-02")
  yield* steps.report(second.id, "2024-02-03", failed("no data"))
  yield* steps.report(first.id, "2024-01-01")
  return [first.id, second.id] as const
})

const sequencesOf = (events: ReadonlyArray<BackfillEvent>, id: BackfillId) =>
  events.filter((event) => event.backfillId === id).map((event) => event.sequence)

/**
 * Each backfill's deliveries as a consumer applying `sequence = last + 1` sees them:
 * nothing ever skips ahead, and every event arrives.
 */
const expectInOrderAndWhole = (received: ReadonlyArray<BackfillEvent>, id: BackfillId, count: number) => {
  let last = 0
  for (const sequence of sequencesOf(received, id)) {
    expect(sequence).toBeLessThanOrEqual(last + 1)
    last = Math.max(last, sequence)
  }
  expect(last).toBe(count)
}

describe.each(STORES)("the event relay %s", (_, store) => {
  it.effect("delivers every event once, in order per backfill, and then has nothing to do", () =>
    Effect.gen(function* () {
      const received = yield* Ref.make<ReadonlyArray<BackfillEvent>>([])
      const sink = recordingSink(received, () => Effect.void)
      const [first, second] = yield* someHistory
      const before = (yield* Metric.value(Metrics.eventsDelivered)).count
      const round = yield* Effect.provide(relayEventsOnce(OPTIONS), sink)
      const all = yield* Ref.get(received)
      expect(round).toEqual({ held: 2, delivered: all.length })
      expect(sequencesOf(all, first)).toEqual((yield* eventsOf(first)).map((event) => event.sequence))
      expect(sequencesOf(all, second)).toEqual((yield* eventsOf(second)).map((event) => event.sequence))
      expect((yield* Metric.value(Metrics.eventsDelivered)).count - before).toBe(all.length)
      expect(yield* Effect.provide(relayEventsOnce(OPTIONS), sink)).toEqual({ held: 0, delivered: 0 })
    }).pipe(Effect.provide(store()))
  )

  it.effect("tries a refused event again after a doubling backoff, then dead-letters it and goes on", () =>
    Effect.gen(function* () {
      const received = yield* Ref.make<ReadonlyArray<BackfillEvent>>([])
      const refuseSecond = recordingSink(received, (event) =>
        event.sequence === 2 ? Effect.fail(new EventDeliveryFailed({ reason: "503", retryable: true })) : Effect.void
      )
      const backfill = yield* steps.insert("2024-01-01", "2024-01-02")
      yield* steps.materialiseAll(backfill.id)
      const relay = Effect.provide(relayEventsOnce(OPTIONS), refuseSecond)
      expect(yield* relay).toEqual({ held: 1, delivered: 1 })
      expect(yield* relay).toEqual({ held: 0, delivered: 0 })
      yield* TestClock.adjust(Duration.seconds(1))
      expect(yield* relay).toEqual({ held: 1, delivered: 0 })
      yield* TestClock.adjust(Duration.millis(1999))
      expect(yield* relay).toEqual({ held: 0, delivered: 0 })
      yield* TestClock.adjust(Duration.millis(1))
      // The third failure is the last of maxAttempts: dead-lettered, and the rest goes on.
      yield* relay
      yield* steps.report(backfill.id, "2024-01-02")
      yield* relay
      expect((yield* Ref.get(received)).map((event) => event.sequence)).toEqual([1, 3, 4])
    }).pipe(Effect.provide(store()))
  )

  it.effect("dead-letters at once what a sink says it can never take, and fails what it does not answer", () =>
    Effect.gen(function* () {
      const received = yield* Ref.make<ReadonlyArray<BackfillEvent>>([])
      const backfill = yield* steps.insert("2024-01-01", "2024-01-01")
      const refused = recordingSink(received, () =>
        Effect.fail(new EventDeliveryFailed({ reason: "410 Gone", retryable: false }))
      )
      const deadBefore = (yield* Metric.value(
        Metric.tagged(Metrics.eventDeliveryFailures, "backfill.event.outcome", "dead_letter")
      )).count
      yield* Effect.provide(relayEventsOnce(OPTIONS), refused)
      expect(
        (yield* Metric.value(Metric.tagged(Metrics.eventDeliveryFailures, "backfill.event.outcome", "dead_letter")))
          .count - deadBefore
      ).toBe(1)
      yield* steps.materialiseAll(backfill.id)
      const called = yield* Deferred.make<void>()
      const silent = recordingSink(received, () => Effect.zipRight(Deferred.succeed(called, undefined), Effect.never))
      const round = yield* Effect.fork(Effect.provide(relayEventsOnce(OPTIONS), silent))
      yield* Deferred.await(called)
      yield* TestClock.adjust(HOLD)
      expect(yield* round.await).toEqual(Exit.succeed({ held: 1, delivered: 0 }))
      const outbox = yield* BackfillOutbox
      const now = Duration.toMillis(HOLD) + 1000
      const [held] = yield* outbox.hold("relay-2", now, 1000, { backfills: 1, eventsPerBackfill: 1 })
      expect(held?.events.map(({ event, failedAttempts }) => [event.sequence, failedAttempts])).toEqual([[2, 1]])
    }).pipe(Effect.provide(store()))
  )

  it.effect("ends every delivery with its hold: the one the hold would outlive fails, and none starts after", () =>
    Effect.gen(function* () {
      const received = yield* Ref.make<ReadonlyArray<BackfillEvent>>([])
      const slow = recordingSink(received, () => Effect.sleep(Duration.seconds(9)))
      const backfill = yield* steps.insert("2024-01-01", "2024-01-02")
      yield* steps.materialiseAll(backfill.id)
      yield* steps.report(backfill.id, "2024-01-02")
      yield* steps.report(backfill.id, "2024-01-01")
      const round = yield* Effect.fork(Effect.provide(relayEventsOnce(OPTIONS), slow))
      // Deliveries start at 0, 9, 18 and 27 s; the hold ends at 30 s.
      while ((yield* round.poll)._tag === "None") {
        yield* TestClock.adjust(Duration.seconds(1))
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
      }
      expect(yield* round.await).toEqual(Exit.succeed({ held: 1, delivered: 3 }))
      expect((yield* Ref.get(received)).map((event) => event.sequence)).toEqual([1, 2, 3])
      const outbox = yield* BackfillOutbox
      const [held] = yield* outbox.hold("relay-2", Duration.toMillis(HOLD) + 1000, 1000, {
        backfills: 1,
        eventsPerBackfill: 1
      })
      expect(held?.events.map(({ event, failedAttempts }) => [event.sequence, failedAttempts])).toEqual([[4, 1]])
    }).pipe(Effect.provide(store()))
  )

  it.effect(
    "loses nothing and skips nothing when the relay is killed at random points",
    () =>
      Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(
            fc.array(fc.record({ afterDeliveries: fc.nat(6), beforeRecording: fc.boolean() }), { maxLength: 6 }),
            (kills) =>
              Effect.runPromise(
                Effect.provide(killedAndRestarted(kills), Layer.merge(store(), TestContext.TestContext))
              )
          ),
          { numRuns: 12 }
        )
      ),
    120_000
  )
})

/**
 * The relay, killed after the given numbers of deliveries (just before or just after the
 * sink has the event, before the relay marks it), restarted by a relay of another name
 * once the dead one's holds lapsed, then run to the end.
 */
const killedAndRestarted = (
  kills: ReadonlyArray<{ readonly afterDeliveries: number; readonly beforeRecording: boolean }>
) =>
  Effect.gen(function* () {
    const received = yield* Ref.make<ReadonlyArray<BackfillEvent>>([])
    const ids = yield* someHistory
    for (const [index, kill] of kills.entries()) {
      const calls = yield* Ref.make(0)
      const sink = Layer.succeed(EventSink, {
        deliver: (event) =>
          Effect.gen(function* () {
            const call = yield* Ref.updateAndGet(calls, (count) => count + 1)
            const dies = call > kill.afterDeliveries
            if (dies && kill.beforeRecording) return yield* Effect.interrupt
            yield* Ref.update(received, (all) => [...all, event])
            if (dies) return yield* Effect.interrupt
          })
      })
      yield* Effect.exit(
        Effect.provide(relayEventsOnce({ ...OPTIONS, relayId: `relay-${index}`, concurrency: 1 }), sink)
      )
      // The dead relay's holds lapse.
      yield* TestClock.adjust(HOLD)
    }
    yield* Effect.provide(
      relayEventsOnce({ ...OPTIONS, relayId: "relay-last" }),
      recordingSink(received, () => Effect.void)
    )
    const all = yield* Ref.get(received)
    for (const id of ids) expectInOrderAndWhole(all, id, (yield* eventsOf(id)).length)
    const outbox = yield* BackfillOutbox
    const now = yield* Clock.currentTimeMillis
    expect(
      yield* outbox.hold("check", now + Duration.toMillis(HOLD), 1, { backfills: 10, eventsPerBackfill: 10 })
    ).toEqual([])
  })

describe("runEventRelay", () => {
  it.effect("goes on after a round that dies, and stops when interrupted", () =>
    Effect.gen(function* () {
      const holds = yield* Ref.make(0)
      const dyingOnce = Layer.succeed(BackfillOutbox, {
        eventsOf: () => Effect.succeed([]),
        hold: () =>
          Effect.flatMap(
            Ref.updateAndGet(holds, (count) => count + 1),
            (count) => (count === 1 ? Effect.dieMessage("an unreadable row") : Effect.succeed([]))
          ),
        markDelivered: () => Effect.void,
        markFailed: () => Effect.void
      })
      const sink = Layer.succeed(EventSink, { deliver: () => Effect.void })
      const relay = yield* Effect.fork(
        Effect.provide(
          runEventRelay({ relayId: "relay", pollInterval: Duration.seconds(1) }),
          Layer.merge(dyingOnce, sink)
        )
      )
      for (let second = 0; second < 3; second++) {
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
        yield* TestClock.adjust(Duration.seconds(1))
      }
      expect(yield* Ref.get(holds)).toBeGreaterThanOrEqual(3)
      yield* Fiber.interrupt(relay)
      expect(Exit.isInterrupted(yield* relay.await)).toBe(true)
    })
  )
})

describe("nextAttemptAt", () => {
  it("doubles from the first pause up to the longest, and gives up after maxAttempts", () => {
    const options = { backoff: Duration.seconds(1), maxBackoff: Duration.seconds(5), maxAttempts: 6 }
    expect([1, 2, 3, 4, 5].map((attempts) => nextAttemptAt(attempts, 0, options))).toEqual(
      [1000, 2000, 4000, 5000, 5000].map(Option.some)
    )
    expect(nextAttemptAt(6, 0, options)).toEqual(Option.none())
  })
})
