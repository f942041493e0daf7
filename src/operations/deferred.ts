/**
 * An input a transport reads only when the operation asks for it: SPEC §3 orders some
 * reads after checks of the operation's own (the body after the transfer is found, step 7
 * after step 6; the `Idempotency-Key` after every check). A caller that has the value
 * passes it; a transport passes the reading, and the operation fails as the reading does
 * (an HTTP host's 400, say), which the operation itself knows nothing of.
 */
import { Effect } from "effect"

/**
 * A value, or the effect that reads it when the operation asks, failing with `E`.
 *
 * @since 0.2.0
 * @category models
 */
export type Deferred<A, E = never, R = never> = A | Effect.Effect<A, E, R>

/**
 * The value of a deferred input, read now.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { readDeferred } from "transfer-backfills"
 *
 * Effect.runSync(readDeferred(1)) // 1
 * Effect.runSync(readDeferred(Effect.succeed(2))) // 2
 * ```
 *
 * @since 0.2.0
 * @category utils
 */
export const readDeferred = <A, E, R>(input: Deferred<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.isEffect(input) ? input : Effect.succeed(input)
