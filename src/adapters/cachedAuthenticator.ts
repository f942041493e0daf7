/**
 * Remembers what an authenticator said about each token for a while, so that a host does
 * not verify the same token on every request. A token revoked meanwhile stays accepted
 * until its entry expires; choose `timeToLive` with that in mind. Failures (the
 * authenticator could not answer) are never remembered.
 */
import { Cache, type Duration, Effect, Layer } from "effect"
import { Authenticator } from "../ports/authenticator.js"

/**
 * How long `withCachedAuthentication` remembers a token's answer, and for how many tokens.
 * A token revoked meanwhile stays accepted until its entry expires; choose `timeToLive`
 * with that in mind.
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthenticationCacheOptions {
  readonly timeToLive: Duration.DurationInput
  /** Most tokens remembered at once. */
  readonly capacity: number
}

/**
 * Puts a cache in front of an authenticator: what it said about each token is remembered
 * for `timeToLive`, so that a host does not verify the same token on every request.
 * Failures (the authenticator could not answer) are never remembered.
 *
 * @example
 * ```ts
 * import { Duration, Layer } from "effect"
 * import { withCachedAuthentication } from "transfer-backfills/memory"
 * import { layerPostgresAuthenticator, layerPostgresClient } from "transfer-backfills/postgres"
 *
 * const authenticator = withCachedAuthentication(layerPostgresAuthenticator({ schema: "transfer_backfills" }), {
 *   timeToLive: Duration.minutes(1), // a revoked token stays accepted this long at most
 *   capacity: 10_000
 * }).pipe(Layer.provide(layerPostgresClient({ url: "postgres://app@localhost:5432/app" })))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
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
