/**
 * How the memory store's port calls keep the promises of a database's: each is one
 * synchronous step (JavaScript runs nothing else meanwhile), after a yield that lets
 * concurrent fibers interleave the way concurrent transactions would.
 */
import { Clock, Effect, Either } from "effect"
import { type EpochSeconds, epochSecondsFromMillis } from "../../domain/time.js"

/** One atomic step, after letting other fibers run as other transactions would. */
export const atomically = <A, E>(step: () => Either.Either<A, E>): Effect.Effect<A, E> =>
  Effect.zipRight(
    Effect.yieldNow(),
    Effect.suspend(() => step())
  )

/** One atomic step that cannot fail. */
export const read = <A>(step: () => A): Effect.Effect<A> => atomically(() => Either.right(step()))

/** One atomic step at the Clock's time: for the events of a change the port gives no time for. */
export const atomicallyNow = <A, E>(step: (now: EpochSeconds) => Either.Either<A, E>): Effect.Effect<A, E> =>
  Effect.flatMap(Clock.currentTimeMillis, (millis) => atomically(() => step(epochSecondsFromMillis(millis))))
