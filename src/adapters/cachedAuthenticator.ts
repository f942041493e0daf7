/**
 * Remembers what an authenticator said about each token for a while, so that a host does
 * not verify the same token on every request. A token revoked meanwhile stays accepted
 * until its entry expires; choose `timeToLive` with that in mind. Failures (the
 * authenticator could not answer) are never remembered.
 */
import { Cache, type Duration, Effect, Layer } from "effect"
import { Authenticator } from "../ports/authenticator.js"

export interface AuthenticationCacheOptions {
  readonly timeToLive: Duration.DurationInput
  /** Most tokens remembered at once. */
  readonly capacity: number
}

export const withCachedAuthentication = <E, R>(
  authenticator: Layer.Layer<Authenticator, E, R>,
  options: AuthenticationCacheOptions
): Layer.Layer<Authenticator, E, R> =>
  Layer.effect(
    Authenticator,
    Effect.gen(function* () {
      const inner = yield* Authenticator
      const cache = yield* Cache.make({
        capacity: options.capacity,
        lookup: inner.authenticate,
        timeToLive: options.timeToLive
      })
      return {
        authenticate: (token) => Effect.tapError(cache.get(token), () => cache.invalidate(token))
      }
    })
  ).pipe(Layer.provide(authenticator))
