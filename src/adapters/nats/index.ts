/**
 * `transfer-backfills/nats`: events on NATS JetStream for the relay's `EventSink`,
 * deduplicated by the stream (`@nats-io/jetstream`, an optional peer dependency).
 *
 * @module transfer-backfills/nats
 */
export * from "./sink.js"
