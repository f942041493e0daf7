/**
 * Events on NATS JetStream: each event published to a subject of its team and backfill,
 * with its id as the message id, so a redelivery within the stream's duplicate window
 * collapses into the message already stored. The stream acknowledges each publish: no
 * acknowledgement within the timeout fails the delivery and the relay tries again.
 */
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream"
import { Duration, Effect, Layer } from "effect"
import { type BackfillEvent, encodeEvent, eventId } from "../../domain/events.js"
import { stringifyJson } from "../../http/json.js"
import { EventDeliveryFailed, EventSink } from "../../ports/eventSink.js"

/**
 * The subject an event is published to by default: `backfills.events.<team>.<backfill>`,
 * so a consumer can subscribe to one team's or one backfill's events.
 *
 * @since 0.3.0
 * @category nats
 */
export const defaultEventSubject = (event: BackfillEvent): string =>
  `backfills.events.${event.teamId}.${event.backfillId}`

/**
 * How the JetStream sink publishes.
 *
 * @since 0.3.0
 * @category models
 */
export interface JetStreamSinkOptions {
  readonly jetstream: JetStreamClient
  /** The subject of an event. Default `defaultEventSubject`. */
  readonly subject?: (event: BackfillEvent) => string
  /** How long the stream has to acknowledge a publish. Default 5 s. */
  readonly timeout?: Duration.DurationInput
}

/**
 * An `EventSink` that publishes each event's JSON to JetStream, with `eventId` as the
 * message id.
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeJetStreamSink = (options: JetStreamSinkOptions): EventSink["Type"] => {
  const subject = options.subject ?? defaultEventSubject
  const timeout = Duration.toMillis(options.timeout ?? Duration.seconds(5))
  return {
    deliver: (event) =>
      Effect.asVoid(
        Effect.tryPromise({
          try: () =>
            options.jetstream.publish(subject(event), stringifyJson(encodeEvent(event)), {
              msgID: eventId(event),
              timeout
            }),
          catch: (error) =>
            new EventDeliveryFailed({
              reason: `publish failed: ${error instanceof Error ? error.message : String(error)}`,
              retryable: true
            })
        })
      )
  }
}

/**
 * `makeJetStreamSink` as the `EventSink` of a layer.
 *
 * @example
 * ```ts
 * import { jetstream, jetstreamManager } from "@nats-io/jetstream"
 * import { connect } from "@nats-io/transport-node"
 * import { ensureEventStream, layerJetStreamSink } from "transfer-backfills/nats"
 *
 * const nats = await connect({ servers: "127.0.0.1:4222" })
 * await ensureEventStream(await jetstreamManager(nats))
 * const sink = layerJetStreamSink({ jetstream: jetstream(nats) })
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layerJetStreamSink = (options: JetStreamSinkOptions): Layer.Layer<EventSink> =>
  Layer.succeed(EventSink, makeJetStreamSink(options))

/**
 * The stream events are kept in, unless told otherwise.
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_EVENT_STREAM = "BACKFILL_EVENTS"

/**
 * Creates the stream that stores the events published to `subjects` (default
 * `backfills.events.>`), unless it exists. Its duplicate window (default 15 minutes) should
 * outlast a relay's hold plus its longest backoff, so that every redelivery collapses.
 *
 * @since 0.3.0
 * @category nats
 */
export const ensureEventStream = async (
  manager: JetStreamManager,
  options: {
    readonly name?: string
    readonly subjects?: ReadonlyArray<string>
    readonly duplicateWindow?: Duration.DurationInput
  } = {}
): Promise<void> => {
  const name = options.name ?? DEFAULT_EVENT_STREAM
  const exists = await manager.streams.info(name).then(
    () => true,
    () => false
  )
  if (exists) return
  await manager.streams.add({
    name,
    subjects: [...(options.subjects ?? ["backfills.events.>"])],
    // JetStream counts this window in nanoseconds.
    duplicate_window: Duration.toMillis(options.duplicateWindow ?? Duration.minutes(15)) * 1_000_000
  })
}
