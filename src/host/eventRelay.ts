/**
 * The reference host's relay: from the outbox to each team's webhook (`WEBHOOK_ENDPOINTS`)
 * and to NATS JetStream (`EVENTS_NATS_URL`), whichever are set; none, and events wait in
 * the outbox (its streams still read them). Both sinks take every event: one that fails
 * makes the relay try it again on both, and each deduplicates. A NATS server that cannot
 * be reached yet does not keep the host from starting.
 */
import { hostname } from "node:os"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { Duration, Effect, Layer, Option, Schedule } from "effect"
import { ensureEventStream, makeJetStreamSink } from "../adapters/nats/sink.js"
import { makeWebhookSink } from "../adapters/webhooks/sink.js"
import { runEventRelay } from "../operations/eventRelay.js"
import type { BackfillOutbox } from "../ports/backfillOutbox.js"
import { EventSink } from "../ports/eventSink.js"
import type { EventsConfig } from "./eventsConfig.js"

/** How often the relay asks again for a NATS server that did not answer: from 1 s, doubling, at most 30 s apart. */
const RECONNECT = Schedule.exponential(Duration.seconds(1)).pipe(Schedule.union(Schedule.spaced(Duration.seconds(30))))

/** How long one attempt to reach NATS may take: a shutdown waits for the attempt in flight. */
const CONNECT_TIMEOUT_MS = 5000

/** A connection to `url` with the events' stream in place, or the reason there is none; nothing left open on failure. */
const openJetStream = (url: string) =>
  Effect.tryPromise(async () => {
    const nats = await connect({ servers: url, timeout: CONNECT_TIMEOUT_MS })
    try {
      await ensureEventStream(await jetstreamManager(nats))
      return nats
    } catch (error) {
      await nats.close()
      throw error
    }
  })

/**
 * A JetStream sink on a connection of its own, closed with the scope. A server that
 * cannot be reached is asked again and again (`RECONNECT`), each miss logged; the events
 * wait in the outbox meanwhile.
 */
const jetStreamSink = (url: string) =>
  Effect.acquireRelease(openJetStream(url), (nats) => Effect.promise(() => nats.close())).pipe(
    Effect.tapError((error) =>
      Effect.logWarning(`NATS at ${url} cannot be reached yet; events wait in the outbox`, error)
    ),
    Effect.retry(RECONNECT),
    Effect.map((nats) => makeJetStreamSink({ jetstream: jetstream(nats) }))
  )

/**
 * The relay, forked for the layer's life, when the host has somewhere to deliver. It
 * starts once every sink is ready, so a NATS server that cannot be reached yet delays the
 * deliveries, never the host.
 */
export const layerHostRelay = (config: EventsConfig): Layer.Layer<never, never, BackfillOutbox> =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      if (config.webhooks.size === 0 && Option.isNone(config.natsUrl)) return
      const relay = Effect.gen(function* () {
        const sinks: Array<EventSink["Type"]> = []
        if (config.webhooks.size > 0)
          sinks.push(
            makeWebhookSink({ endpointOf: (teamId) => Option.fromNullable(config.webhooks.get(String(teamId))) })
          )
        if (Option.isSome(config.natsUrl)) sinks.push(yield* jetStreamSink(config.natsUrl.value))
        const everySink: EventSink["Type"] = {
          deliver: (event) => Effect.forEach(sinks, (sink) => sink.deliver(event), { discard: true })
        }
        return yield* Effect.provideService(
          runEventRelay({ relayId: `${hostname()}/${process.pid}`, pollInterval: config.pollInterval }),
          EventSink,
          everySink
        )
      })
      yield* Effect.forkScoped(Effect.scoped(relay))
    })
  )
