/**
 * The relay: from the outbox to a sink, at least once and in order per backfill. It holds
 * backfills with pending events, delivers each one's events in sequence, and only then
 * marks them delivered; dying anywhere in between leaves the hold to lapse and the
 * events to be delivered again, never lost.
 */
import { Cause, Clock, Duration, Effect, Metric, Option } from "effect"
import type { BackfillEvent } from "../domain/events.js"
import { eventDeliveryFailures, eventsDelivered } from "../metrics/instruments.js"
import { labelledWith } from "../metrics/labelled.js"
import { BackfillOutbox, type HeldEvents, type HoldLimits } from "../ports/backfillOutbox.js"
import { EventDeliveryFailed, EventSink } from "../ports/eventSink.js"

/**
 * How a relay works; everything but its id has a default.
 *
 * @since 0.3.0
 * @category models
 */
export interface EventRelayOptions {
  /** Names this relay's holds: unique per running relay (a host name and a process id, say). */
  readonly relayId: string
  /** How long a hold lasts: every delivery of a held backfill must end within it. Default 30 s. */
  readonly holdDuration?: Duration.DurationInput
  /** How much one round holds. Default 16 backfills, 100 events each. */
  readonly batch?: HoldLimits
  /** Deliveries of one event before it is dead-lettered. Default 10. */
  readonly maxAttempts?: number
  /** The pause after the first failure of an event, doubled after each next one. Default 1 s. */
  readonly backoff?: Duration.DurationInput
  /** The longest pause between two attempts at one event. Default 5 min. */
  readonly maxBackoff?: Duration.DurationInput
  /** Backfills delivered to at once within a round. Default 8. */
  readonly concurrency?: number
}

/** The defaults of `EventRelayOptions`. */
const DEFAULTS = {
  holdDuration: Duration.seconds(30),
  batch: { backfills: 16, eventsPerBackfill: 100 },
  maxAttempts: 10,
  backoff: Duration.seconds(1),
  maxBackoff: Duration.minutes(5),
  concurrency: 8
} as const

/**
 * When an event that failed its `attempts`-th delivery is due again: after a pause that
 * doubles from `backoff` up to `maxBackoff`; `None` (dead-lettered) once `maxAttempts`
 * deliveries failed.
 *
 * @since 0.3.0
 * @category utils
 */
export const nextAttemptAt = (
  attempts: number,
  nowMillis: number,
  options: Pick<EventRelayOptions, "maxAttempts" | "backoff" | "maxBackoff"> = {}
): Option.Option<number> => {
  if (attempts >= (options.maxAttempts ?? DEFAULTS.maxAttempts)) return Option.none()
  const first = Duration.toMillis(options.backoff ?? DEFAULTS.backoff)
  const longest = Duration.toMillis(options.maxBackoff ?? DEFAULTS.maxBackoff)
  return Option.some(nowMillis + Math.min(first * 2 ** Math.max(attempts - 1, 0), longest))
}

const refusedOrLate = (cause: Cause.Cause<EventDeliveryFailed>): EventDeliveryFailed =>
  Option.getOrElse(
    Cause.failureOption(cause),
    () => new EventDeliveryFailed({ reason: Cause.pretty(cause).split("\n")[0] ?? "defect", retryable: true })
  )

/**
 * One round of the relay: holds what is due, delivers each held backfill's events in
 * sequence (stopping at its first failure, which is due again after a backoff or
 * dead-lettered), and marks what went out. Answers how many events were delivered.
 *
 * @since 0.3.0
 * @category events
 */
export const relayEventsOnce = (options: EventRelayOptions) =>
  Effect.gen(function* () {
    const outbox = yield* BackfillOutbox
    const sink = yield* EventSink
    const holdMillis = Duration.toMillis(options.holdDuration ?? DEFAULTS.holdDuration)
    const now = yield* Clock.currentTimeMillis
    const held = yield* outbox.hold(options.relayId, now, holdMillis, options.batch ?? DEFAULTS.batch)
    // Every delivery ends before the hold does: one that would outlive it could race the
    // next holder, so it counts as failed, and none starts once the hold is over.
    const holdEnds = now + holdMillis
    const deliver = (event: BackfillEvent, at: number) =>
      Effect.timeoutFail(sink.deliver(event), {
        duration: Duration.millis(holdEnds - at),
        onTimeout: () => new EventDeliveryFailed({ reason: "the sink did not answer within the hold", retryable: true })
      })

    const deliverHeld = ({ backfillId, events }: HeldEvents) =>
      Effect.gen(function* () {
        let through = 0
        let delivered = 0
        for (const { event, failedAttempts } of events) {
          const startedAt = yield* Clock.currentTimeMillis
          if (startedAt >= holdEnds) break
          const exit = yield* Effect.exit(deliver(event, startedAt))
          if (exit._tag === "Failure") {
            if (Cause.isInterruptedOnly(exit.cause)) return yield* Effect.interrupt
            const failure = refusedOrLate(exit.cause)
            const at = yield* Clock.currentTimeMillis
            const retryAt = failure.retryable ? nextAttemptAt(failedAttempts + 1, at, options) : Option.none()
            yield* outbox.markFailed({
              relayId: options.relayId,
              id: backfillId,
              sequence: event.sequence,
              error: failure.reason,
              retryAtMillis: retryAt,
              nowMillis: at
            })
            yield* Metric.increment(
              labelledWith(eventDeliveryFailures, {
                "backfill.event.outcome": Option.isSome(retryAt) ? "retry" : "dead_letter"
              })
            )
            yield* Effect.logWarning(
              Option.isSome(retryAt) ? "Event delivery failed; trying again later" : "Event dead-lettered",
              failure.reason
            ).pipe(Effect.annotateLogs({ backfill_id: String(backfillId), event_sequence: event.sequence }))
            return delivered
          }
          through = event.sequence
          delivered += 1
          yield* Metric.increment(eventsDelivered)
        }
        if (through > 0)
          yield* outbox.markDelivered(options.relayId, backfillId, through, yield* Clock.currentTimeMillis)
        return delivered
      })

    const delivered = yield* Effect.forEach(held, deliverHeld, {
      concurrency: options.concurrency ?? DEFAULTS.concurrency
    })
    return { held: held.length, delivered: delivered.reduce((sum, count) => sum + count, 0) }
  })

/**
 * Relays events until interrupted: round after round while there is work, waiting
 * `pollInterval` when a round held nothing. A round that fails or dies is logged and
 * tried again after `pollInterval`. Run one per process, as many processes as you like: holds
 * keep each backfill's events with one relay at a time. Interrupting it mid-delivery
 * loses nothing: the hold lapses and the events go out again.
 *
 * @example
 * ```ts
 * import { hostname } from "node:os"
 * import { Duration, Effect, Layer } from "effect"
 * import { EventSink, runEventRelay } from "transfer-backfills"
 * import { layerPostgresBackfillRepository, layerPostgresClient } from "transfer-backfills/postgres"
 *
 * const database = layerPostgresClient({ url: "postgres://app@localhost:5432/app" })
 * const repository = layerPostgresBackfillRepository({ schema: "transfer_backfills" }).pipe(Layer.provide(database))
 * const printed = Layer.succeed(EventSink, { deliver: (event) => Effect.log(event.type, event.sequence) })
 *
 * const relay = runEventRelay({ relayId: `${hostname()}/${process.pid}`, pollInterval: Duration.seconds(1) })
 * const fiber = Effect.runFork(Effect.provide(relay, Layer.merge(repository, printed)))
 * ```
 *
 * @since 0.3.0
 * @category events
 */
export const runEventRelay = (options: EventRelayOptions & { readonly pollInterval: Duration.DurationInput }) =>
  relayEventsOnce(options).pipe(
    Effect.flatMap(({ held }) => (held === 0 ? Effect.sleep(options.pollInterval) : Effect.void)),
    // Whatever a round fails or dies with (an unavailable outbox, an unreadable row, a sink
    // that interrupts itself) is logged and the next round comes after the poll interval;
    // interrupting the relay itself still stops it, at that pause.
    Effect.catchAllCause((cause) =>
      Effect.zipRight(Effect.logWarning("Event relay round failed", cause), Effect.sleep(options.pollInterval))
    ),
    Effect.forever,
    Effect.annotateLogs("relay_id", options.relayId)
  )
