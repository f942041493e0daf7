/**
 * The reference host's relay: from the outbox to each team's webhook (`WEBHOOK_ENDPOINTS`)
 * and to NATS JetStream (`EVENTS_NATS_URL`), whichever are set; none, and events wait in
 * the outbox (its streams still read them). Both sinks take every event: one that fails
 * makes the relay try it again on both, and each deduplicates.
 */
import { hostname } from "node:os"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { Effect, Layer, Option } from "effect"
import { ensureEventStream, makeJetStreamSink } from "../adapters/nats/sink.js"
import { makeWebhookSink } from "../adapters/webhooks/sink.js"
import { runEventRelay } from "../operations/eventRelay.js"
import type { BackfillOutbox } from "../ports/backfillOutbox.js"
import { EventSink } from "../ports/eventSink.js"
import type { EventsConfig } from "./eventsConfig.js"

/** A JetStream sink on a connection of its own, closed with the scope. */
const jetStreamSink = (url: string) =>
  Effect.gen(function* () {
    const nats = yield* Effect.acquireRelease(
      Effect.tryPromise(() => connect({ servers: url })),
      (connection) => Effect.promise(() => connection.close())
    )
    yield* Effect.tryPromise(async () => ensureEventStream(await jetstreamManager(nats)))
    return makeJetStreamSink({ jetstream: jetstream(nats) })
  })

/** The relay, forked for the layer's life, when the host has somewhere to deliver. */
export const layerHostRelay = (config: EventsConfig): Layer.Layer<never, unknown, BackfillOutbox> =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const sinks: Array<EventSink["Type"]> = []
      if (config.webhooks.size > 0)
        sinks.push(
          makeWebhookSink({ endpointOf: (teamId) => Option.fromNullable(config.webhooks.get(String(teamId))) })
        )
      if (Option.isSome(config.natsUrl)) sinks.push(yield* jetStreamSink(config.natsUrl.value))
      if (sinks.length === 0) return
      const everySink: EventSink["Type"] = {
        deliver: (event) => Effect.forEach(sinks, (sink) => sink.deliver(event), { discard: true })
      }
      yield* Effect.forkScoped(
        Effect.provideService(
          runEventRelay({ relayId: `${hostname()}/${process.pid}`, pollInterval: config.pollInterval }),
          EventSink,
          everySink
        )
      )
    })
  )
