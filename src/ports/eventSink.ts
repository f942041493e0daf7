import { Context, type Effect, Schema } from "effect"
import type { BackfillEvent } from "../domain/events.js"

/**
 * A sink could not take an event. `retryable` is false when trying again cannot help
 * (the receiver refused the event itself): the relay dead-letters it at once.
 *
 * @since 0.3.0
 * @category errors
 */
export class EventDeliveryFailed extends Schema.TaggedError<EventDeliveryFailed>()("EventDeliveryFailed", {
  reason: Schema.String,
  retryable: Schema.Boolean
}) {}

/**
 * Where a relay delivers events (`runEventRelay`): a webhook, a broker, a log. `deliver`
 * succeeds once the receiver has the event; it may be called again for an event it took
 * (after a relay died before marking it), so receivers deduplicate by `eventId`, and a
 * sink that can (a broker's deduplication id) passes it on. It should answer well within
 * the relay's hold, which the relay enforces.
 *
 * @since 0.3.0
 * @category services
 */
export class EventSink extends Context.Tag("transfer-backfills/EventSink")<
  EventSink,
  {
    /** Hands one event to the receiver; succeeds once the receiver has it. */
    readonly deliver: (event: BackfillEvent) => Effect.Effect<void, EventDeliveryFailed>
  }
>() {}
