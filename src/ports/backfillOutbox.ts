import { Context, type Effect, type Option } from "effect"
import type { ReadAccess } from "../domain/access.js"
import type { ServiceUnavailable } from "../domain/errors.js"
import type { BackfillEvent } from "../domain/events.js"
import type { BackfillId } from "../domain/ids.js"

/**
 * An event waiting in the outbox, with how many deliveries of it have failed so far.
 *
 * @since 0.3.0
 * @category models
 */
export interface PendingEvent {
  readonly event: BackfillEvent
  readonly failedAttempts: number
}

/**
 * The pending events of one backfill a relay now holds, in sequence order.
 *
 * @since 0.3.0
 * @category models
 */
export interface HeldEvents {
  readonly backfillId: BackfillId
  readonly events: ReadonlyArray<PendingEvent>
}

/**
 * How much one `hold` takes: at most `backfills` backfills, at most `eventsPerBackfill`
 * events of each.
 *
 * @since 0.3.0
 * @category models
 */
export interface HoldLimits {
  readonly backfills: number
  readonly eventsPerBackfill: number
}

/**
 * A delivery that failed: which relay tried, which event (`id` and `sequence`), what the
 * sink said, when it is due again (`None`: dead-lettered) and when the relay gave up on it.
 *
 * @since 0.3.0
 * @category models
 */
export interface FailedDelivery {
  readonly relayId: string
  readonly id: BackfillId
  readonly sequence: number
  readonly error: string
  readonly retryAtMillis: Option.Option<number>
  readonly nowMillis: number
}

/**
 * The outbox the repositories append events to, as relays and readers use it. Every
 * change a repository makes appends its events (`changeEvents`) in the same atomic step,
 * numbered per backfill from 1 without gaps; this port reads them and keeps track of
 * their delivery. An event is pending until a relay marks it delivered or dead-lettered.
 *
 * Relays on many processes may share one outbox: a backfill's pending events are held by
 * one relay at a time, so each backfill's events go out in order. A hold lapses at its
 * deadline, so a relay that dies holding events leaves them to the next `hold`: delivered
 * again, never lost.
 *
 * @since 0.3.0
 * @category services
 */
export class BackfillOutbox extends Context.Tag("transfer-backfills/BackfillOutbox")<
  BackfillOutbox,
  {
    /**
     * The events of the team's backfill after `afterSequence`, in sequence order, at most
     * `limit`, delivered or not; none for a backfill of another team.
     */
    readonly eventsOf: (
      access: ReadAccess,
      id: BackfillId,
      afterSequence: number,
      limit: number
    ) => Effect.Effect<ReadonlyArray<BackfillEvent>, ServiceUnavailable>

    /**
     * Holds, for `relayId` until `nowMillis + holdMillis`, backfills whose oldest pending
     * event is due (its retry time, if it failed before, has come) and that no live hold
     * covers, oldest pending event first; answers their pending events in sequence order.
     * Holding a backfill again after its hold lapsed hands its events out again.
     */
    readonly hold: (
      relayId: string,
      nowMillis: number,
      holdMillis: number,
      limits: HoldLimits
    ) => Effect.Effect<ReadonlyArray<HeldEvents>, ServiceUnavailable>

    /**
     * The backfill's pending events up to `throughSequence` were delivered at `nowMillis`;
     * `relayId`'s hold on it ends.
     */
    readonly markDelivered: (
      relayId: string,
      id: BackfillId,
      throughSequence: number,
      nowMillis: number
    ) => Effect.Effect<void, ServiceUnavailable>

    /**
     * A delivery failed (`FailedDelivery`): the backfill's pending events before it were
     * delivered at `nowMillis` (marked so, as `markDelivered`), and the failed event is
     * due again at `retryAtMillis`, or dead-lettered (no longer pending, never delivered)
     * when that is `None`. The relay's hold on the backfill ends. The failure counts only
     * while the hold is still the relay's (lapsed or not): once another relay holds the
     * backfill, that relay is delivering the event, and a late failure of the first must
     * not delay it or dead-letter it.
     */
    readonly markFailed: (failure: FailedDelivery) => Effect.Effect<void, ServiceUnavailable>
  }
>() {}
