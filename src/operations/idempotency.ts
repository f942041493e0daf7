/**
 * What the operations that change a backfill share for `Idempotency-Key`: the request the
 * repository stores with the change, and the answers to a key that cannot be used.
 */
import { Clock, Duration, Effect } from "effect"
import { type BadRequest, Conflict, DuplicationFailed } from "../domain/errors.js"
import {
  type IdempotencyKey,
  IdempotencyKeyLifetime,
  type IdempotentRequest,
  requestFingerprint
} from "../domain/idempotency.js"
import { epochSecondsFromMillis, LAST_SECOND } from "../domain/time.js"

/**
 * A command's `Idempotency-Key`: the key, or, for a transport that must read it from a
 * header first, the reading (a 400 for a header that is not a key; `undefined` for none).
 * The reading runs after the request's other checks (SPEC §3 steps 1–8), right before
 * the key is looked up.
 *
 * @since 0.2.0
 * @category models
 */
export type IdempotencyKeyInput = IdempotencyKey | Effect.Effect<IdempotencyKey | undefined, BadRequest>

// `Effect.void` would type the absent key as `void`, which the repositories' optional argument does not take.
// @effect-diagnostics-next-line effectSucceedWithVoid:off
const NO_KEY = Effect.succeed<IdempotentRequest | undefined>(undefined)

/**
 * The request a key names, with the time and the expiry the repository stores it with;
 * `undefined` without a key. `body` is the decoded request's body, as the caller would
 * have sent it.
 *
 * @since 0.2.0
 * @category utils
 */
export const idempotentRequest = (
  input: IdempotencyKeyInput | undefined,
  method: "POST" | "PATCH",
  path: string,
  body: unknown
): Effect.Effect<IdempotentRequest | undefined, BadRequest> =>
  // Most requests carry no key: they pay for no generator.
  input === undefined
    ? NO_KEY
    : Effect.gen(function* () {
        const key = Effect.isEffect(input) ? yield* input : input
        if (key === undefined) return undefined
        const nowMillis = yield* Clock.currentTimeMillis
        const lifetime = yield* IdempotencyKeyLifetime
        const expiresAtMillis = Math.min(nowMillis + Duration.toMillis(lifetime), LAST_SECOND * 1000)
        return {
          key,
          fingerprint: requestFingerprint(method, path, body),
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
