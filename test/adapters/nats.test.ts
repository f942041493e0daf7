/**
 * The JetStream sink on the NATS server (`NATS_URL`, which .ci/run sets): a redelivered
 * event collapses into the message already stored, and a relay killed at random points
 * leaves the stream with every event exactly once, in order per backfill.
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { Effect, FastCheck as fc, Layer, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { layerMemoryBackfillRepository } from "../../src/adapters/memory/backfillRepository.js"
import { ensureEventStream, makeJetStreamSink } from "../../src/adapters/nats/index.js"
import type { BackfillEvent } from "../../src/domain/events.js"
import { relayEventsOnce } from "../../src/operations/eventRelay.js"
import { EventSink } from "../../src/ports/eventSink.js"
import { eventsOf } from "../../src/testing/conformance/outbox/events.js"
import * as steps from "../../src/testing/conformance/steps.js"

const natsUrl = process.env.NATS_URL ?? ""
const run = `${process.pid}-${Date.now()}`

describe.runIf(natsUrl !== "")("the JetStream sink (needs NATS_URL, which .ci/run sets)", () => {
  let nats: NatsConnection
  const streams: Array<string> = []
  beforeAll(async () => {
    nats = await connect({ servers: natsUrl })
  })
  afterAll(async () => {
    const manager = await jetstreamManager(nats)
    for (const name of streams) await manager.streams.delete(name)
    await nats.close()
  })

  /** A stream of its own per test: its name and its subjects' prefix. */
  const freshStream = async (name: string) => {
    const stream = `TEST_${name}_${run}`.replace(/[^A-Za-z0-9_]/g, "_")
    const prefix = `test.${stream}`
    await ensureEventStream(await jetstreamManager(nats), { name: stream, subjects: [`${prefix}.>`] })
    streams.push(stream)
    const sink = makeJetStreamSink({
      jetstream: jetstream(nats),
      subject: (event) => `${prefix}.${event.teamId}.${event.backfillId}`
    })
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
    return { stream, sink, stored }
  }

  it("stores a redelivered event once, and the stream survives being ensured again", async () => {
    const { sink, stored, stream } = await freshStream("dedup")
    await ensureEventStream(await jetstreamManager(nats), { name: stream })
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
    await Effect.runPromise(sink.deliver(event))
    await Effect.runPromise(sink.deliver(event))
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
})
