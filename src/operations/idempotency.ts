/**
 * What the operations that change a backfill share for `Idempotency-Key`: the request the
 * repository stores with the change, and the answers to a key that cannot be used.
 */
import { Clock, Duration, Effect } from "effect"
import { Conflict, DuplicationFailed } from "../domain/errors.js"
import {
  type IdempotencyKey,
  IdempotencyKeyLifetime,
  type IdempotentRequest,
  requestFingerprint
} from "../domain/idempotency.js"
import { epochSecondsFromMillis, LAST_SECOND } from "../domain/time.js"
import { type Deferred, readDeferred } from "./deferred.js"

/**
 * A command's `Idempotency-Key`: the key, or, for a transport that must read it from a
 * header first, the reading (failing as the transport refuses a header that is not a key;
 * `undefined` for none). The reading runs after the request's other checks (SPEC §3 steps
 * 1–8), right before the key is looked up.
 *
 * @since 0.2.0
 * @category models
 */
export type IdempotencyKeyInput<E = never, R = never> = Deferred<IdempotencyKey | undefined, E, R>

// `Effect.void` would type the absent key as `void`, which the repositories' optional argument does not take.
// @effect-diagnostics-next-line effectSucceedWithVoid:off
const NO_KEY = Effect.succeed<IdempotentRequest | undefined>(undefined)

/**
 * The request a key names, with the time and the expiry the repository stores it with;
 * `undefined` without a key. `command` is what the operation was asked to do, decoded:
 * its ids and its arguments.
 *
 * @since 0.2.0
 * @category utils
 */
export const idempotentRequest = <E, R>(
  input: IdempotencyKeyInput<E, R> | undefined,
  operation: "scheduleBackfill" | "cancelBackfill" | "retryBackfill",
  command: unknown
): Effect.Effect<IdempotentRequest | undefined, E, R> =>
  // Most requests carry no key: they pay for no generator.
  input === undefined
    ? NO_KEY
    : Effect.gen(function* () {
        const key = yield* readDeferred(input)
        if (key === undefined) return undefined
        const nowMillis = yield* Clock.currentTimeMillis
        const lifetime = yield* IdempotencyKeyLifetime
        const expiresAtMillis = Math.min(nowMillis + Duration.toMillis(lifetime), LAST_SECOND * 1000)
        return {
          key,
          fingerprint: requestFingerprint(operation, command),
          now: epochSecondsFromMillis(nowMillis),
          expiresAt: epochSecondsFromMillis(expiresAtMillis)
        }
      })

/**
 * SPEC §5's answers to a key that cannot be used, as `Effect.catchTags` handlers: 422
 * `DUPLICATION_FAILED` for a key first used with another request, 409 `CONFLICT_ERROR`
 * while its first request is in flight.
 *
 * @since 0.2.0
 * @category utils
 */
export const refusedKeyAnswers = {
  IdempotencyKeyReused: () =>
    Effect.fail(
      new DuplicationFailed({
        description: "This Idempotency-Key was first used with a different request; send a new key for a new request."
      })
    ),
  IdempotencyKeyInFlight: () =>
    Effect.fail(
      new Conflict({
        description: "A request with this Idempotency-Key is still in progress; retry once it has been answered."
      })
    )
}
