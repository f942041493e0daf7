/**
 * The JetStream sink on the NATS server (`NATS_URL`, which .ci/run sets): a redelivered
 * event collapses into the message already stored, a relay killed at random points
 * leaves the stream with every event exactly once, in order per backfill, and a publish
 * no stream takes or acknowledges in time fails as one to try again.
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { Effect, FastCheck as fc, Layer, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { layerMemoryBackfillRepository } from "../../src/adapters/memory/backfillRepository.js"
import {
  defaultEventSubject,
  ensureEventStream,
  layerJetStreamSink,
  makeJetStreamSink
} from "../../src/adapters/nats/index.js"
import type { BackfillEvent } from "../../src/domain/events.js"
import { relayEventsOnce } from "../../src/operations/eventRelay.js"
import { EventSink } from "../../src/ports/eventSink.js"
import { eventsOf } from "../../src/testing/conformance/outbox/events.js"
import * as steps from "../../src/testing/conformance/steps.js"

const natsUrl = process.env.NATS_URL ?? ""
const run = `${process.pid}_${Date.now()}`

const event: BackfillEvent = {
  type: "backfill.created",
  status: "CREATED",
  runs: { total: 1, created: 0, completed: 0, failed: 0 },
  backfillId: 8n as BackfillEvent["backfillId"],
  teamId: 1n as BackfillEvent["teamId"],
  transferId: 456789n as BackfillEvent["transferId"],
  sequence: 1,
  time: 1706778000 as BackfillEvent["time"]
}

it("names an event's subject by its team and backfill, by default", () => {
  expect(defaultEventSubject(event)).toBe("backfills.events.1.8")
})

describe.runIf(natsUrl !== "")("the JetStream sink (needs NATS_URL, which .ci/run sets)", () => {
  let nats: NatsConnection
  const streams: Array<string> = []
  beforeAll(async () => {
    nats = await connect({ servers: natsUrl })
  })
  afterAll(async () => {
    const manager = await jetstreamManager(nats)
    // By subject too: a stream of this run under a name not asked for (as a broken
    // ensureEventStream would make it) must not be left to break the next run.
    for await (const { config } of manager.streams.list())
      if (streams.includes(config.name) || config.subjects?.some((subject) => subject.includes(run)))
        await manager.streams.delete(config.name)
    await nats.close()
  })

  /** A stream of its own per test: its name and its subjects' prefix. */
  const freshStream = async (name: string) => {
    const stream = `TEST_${name}_${run}`.replace(/[^A-Za-z0-9_]/g, "_")
    const prefix = `test.${stream}`
    await ensureEventStream(await jetstreamManager(nats), { name: stream, subjects: [`${prefix}.>`] })
    streams.push(stream)
    const options = {
      jetstream: jetstream(nats),
      subject: (event: BackfillEvent) => `${prefix}.${event.teamId}.${event.backfillId}`
    }
    const sink = makeJetStreamSink(options)
    const stored = async () => {
      const manager = await jetstreamManager(nats)
      const { state } = await manager.streams.info(stream)
      const messages: Array<{ readonly subject: string; readonly event: { event_id: string; sequence: number } }> = []
      for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
        const message = await manager.streams.getMessage(stream, { seq })
        if (message !== null) messages.push({ subject: message.subject, event: message.json() })
      }
      return messages
    }
    return { stream, options, sink, stored }
  }

  it("stores a redelivered event once, and the stream survives being ensured again", async () => {
    const { options, sink, stored, stream } = await freshStream("dedup")
    await ensureEventStream(await jetstreamManager(nats), { name: stream })
    await Effect.runPromise(sink.deliver(event))
    // Again through the layer a host provides.
    await Effect.runPromise(
      Effect.provide(
        Effect.flatMap(EventSink, (layered) => layered.deliver(event)),
        layerJetStreamSink(options)
      )
    )
    const messages = await stored()
    expect(messages.map((message) => message.event.event_id)).toEqual(["8-1"])
    expect(messages[0]?.subject).toMatch(/\.1\.8$/)
  })

  it("keeps every event once, in order per backfill, however often the relay is killed", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(8), { minLength: 1, maxLength: 5 }), async (kills) => {
        const { sink, stored } = await freshStream(`kills_${streams.length}`)
        const program = Effect.gen(function* () {
          const backfill = yield* steps.insert("2024-01-01", "2024-01-04")
          yield* steps.materialiseAll(backfill.id)
          for (const day of ["2024-01-04", "2024-01-02", "2024-01-03", "2024-01-01"])
            yield* steps.report(backfill.id, day)
          for (const [index, afterPublishes] of kills.entries()) {
            let publishes = 0
            // Killed right after a publish the stream acknowledged, before the relay marks it.
            const dying = Layer.succeed(EventSink, {
              deliver: (event) =>
                Effect.zipRight(sink.deliver(event), ++publishes > afterPublishes ? Effect.interrupt : Effect.void)
            })
            yield* Effect.exit(Effect.provide(relayEventsOnce({ relayId: `relay-${index}` }), dying))
            yield* TestClock.adjust("30 seconds")
          }
          yield* Effect.provideService(relayEventsOnce({ relayId: "relay-last" }), EventSink, sink)
          return (yield* eventsOf(backfill.id)).map((event) => `${event.backfillId}-${event.sequence}`)
        })
        const outbox = await Effect.runPromise(
          Effect.provide(program, Layer.merge(layerMemoryBackfillRepository(), TestContext.TestContext))
        )
        expect((await stored()).map((message) => message.event.event_id)).toEqual(outbox)
      }),
      { numRuns: 6 }
    )
  }, 60_000)

  it("fails a publish no stream takes, and one the stream does not acknowledge within the timeout, as retryable", async () => {
    const nobody = makeJetStreamSink({ jetstream: jetstream(nats), subject: () => `test.unstreamed.${run}` })
    expect(await Effect.runPromise(Effect.flip(nobody.deliver(event)))).toMatchObject({
      _tag: "EventDeliveryFailed",
      retryable: true,
      reason: expect.stringMatching(/^publish failed: /)
    })
    // A plain subscriber where a stream should be: the publish is heard, never acknowledged.
    const silent = `test.silent.${run}`
    let heard = 0
    const listener = nats.subscribe(silent, {
      callback: () => {
        heard += 1
      }
    })
    try {
      const timeout = 300
      const unacknowledged = makeJetStreamSink({ jetstream: jetstream(nats), subject: () => silent, timeout })
      const started = performance.now()
      const failure = await Effect.runPromise(Effect.flip(unacknowledged.deliver(event)))
      expect(failure).toMatchObject({ _tag: "EventDeliveryFailed", retryable: true, reason: "publish failed: timeout" })
      // Waited out the timeout given, not the default's 5 s (which would show it ignored).
      const waited = performance.now() - started
      expect(waited).toBeGreaterThanOrEqual(timeout - 5)
      expect(waited).toBeLessThan(4_500)
      // Heard, so the publish did reach a listener: not acknowledged, rather than unheard.
      await vi.waitFor(() => expect(heard).toBe(1), { timeout: 30_000 })
    } finally {
      listener.unsubscribe()
    }
  }, 60_000)
})
