/**
 * The outbox port on the memory store: events read and their delivery tracked in the
 * store's own atomic steps.
 */
import type { BackfillOutbox } from "../../ports/backfillOutbox.js"
import { read } from "./atomic.js"
import type { MemoryStore } from "./store.js"

/**
 * The `BackfillOutbox` of a memory store: the events its repositories appended.
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeMemoryOutbox = (store: MemoryStore): BackfillOutbox["Type"] => ({
  eventsOf: ({ teamId }, id, afterSequence, limit) =>
    read(() => (store.ownedBy(teamId, id) ? store.outbox.after(id, afterSequence, limit) : [])),
  hold: (relayId, nowMillis, holdMillis, limits) =>
    read(() => store.outbox.hold(relayId, nowMillis, holdMillis, limits)),
  markDelivered: (relayId, id, throughSequence, nowMillis) =>
    read(() => store.outbox.markDelivered(relayId, id, throughSequence, nowMillis)),
  markFailed: (failure) => read(() => store.outbox.markFailed(failure))
})
