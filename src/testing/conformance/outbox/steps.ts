/**
 * What the outbox half of the conformance suite needs of a store, and its relays' steps.
 */
import { Effect, Option } from "effect"
import type { BackfillId } from "../../../domain/ids.js"
import { BackfillOutbox, type HoldLimits } from "../../../ports/backfillOutbox.js"
import type { Repositories } from "../steps.js"
import { T0 } from "../world.js"

/**
 * What the outbox half of the suite needs of a store: both repository ports and the
 * `BackfillOutbox` over the same data.
 *
 * @since 0.3.0
 * @category models
 */
export type OutboxRepositories = Repositories | BackfillOutbox

export const HOLD_MS = 10_000
const EVERYTHING: HoldLimits = { backfills: 1000, eventsPerBackfill: 1000 }

/** What `relay` holds at `nowMillis`: each backfill's id and its events' sequences. */
export const hold = (relay: string, nowMillis = T0, limits: HoldLimits = EVERYTHING) =>
  Effect.flatMap(BackfillOutbox, (outbox) =>
    Effect.map(outbox.hold(relay, nowMillis, HOLD_MS, limits), (held) =>
      held.map(({ backfillId, events }) => ({
        backfillId,
        sequences: events.map(({ event }) => event.sequence),
        failedAttempts: events.map(({ failedAttempts }) => failedAttempts)
      }))
    )
  )

export const delivered = (relay: string, id: BackfillId, through: number, nowMillis = T0) =>
  Effect.flatMap(BackfillOutbox, (outbox) => outbox.markDelivered(relay, id, through, nowMillis))

export const failedAt = (relay: string, id: BackfillId, sequence: number, retryAt: number | null, nowMillis = T0) =>
  Effect.flatMap(BackfillOutbox, (outbox) =>
    outbox.markFailed({
      relayId: relay,
      id,
      sequence,
      error: "refused",
      retryAtMillis: Option.fromNullable(retryAt),
      nowMillis
    })
  )
