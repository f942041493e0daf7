/**
 * How a repository tells the operations that it answered a keyed change from its
 * idempotency key instead of making it, so the change is counted once (`backfill.scheduled`
 * and the like), however often its key is replayed. The port's methods return the same
 * backfill either way; this says which it was without changing them.
 */
import { Effect, type Fiber, FiberRef } from "effect"

const answeredFromKey = FiberRef.unsafeMake(false)

/**
 * Marks the keyed change in progress as answered from its key. A repository calls it on
 * the fiber of the call, before returning the stored answer; one that never does has its
 * replays counted as changes.
 *
 * @since 0.3.0
 * @category idempotency
 */
export const markAnsweredFromKey: Effect.Effect<void> = FiberRef.set(answeredFromKey, true)

/**
 * Runs a keyed change and says whether the repository answered it from its key.
 *
 * @since 0.3.0
 * @category idempotency
 */
export const withKeyReplay = <A, E, R>(change: Effect.Effect<A, E, R>): Effect.Effect<readonly [A, boolean], E, R> =>
  Effect.locally(Effect.zip(change, FiberRef.get(answeredFromKey)), answeredFromKey, false)

/**
 * The mark of a call run in a fiber of its own (`fiber`), carried to the fiber awaiting
 * it, as a join would carry it, without joining every other fiber ref.
 *
 * @since 0.3.0
 * @category idempotency
 */
export const carryKeyReplay = (fiber: Fiber.RuntimeFiber<unknown, unknown>): Effect.Effect<void> =>
  fiber.getFiberRef(answeredFromKey) ? markAnsweredFromKey : Effect.void
