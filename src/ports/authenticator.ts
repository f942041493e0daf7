import { Context, Effect, Layer, Option } from "effect"
import type { Principal } from "../domain/access.js"
import { ServiceUnavailable } from "../domain/errors.js"

/**
 * The host's token verification. Given the bearer token of a request, it answers with
 * the caller, or with `None` for a token it does not accept; it fails only when it cannot
 * answer at all. `layerStaticTokens` (memory) and `layerPostgresAuthenticator` implement
 * it; `withCachedAuthentication` (`transfer-backfills/memory`) puts a cache in front of any
 * of them.
 *
 * @example
 * ```ts
 * import { Effect, Layer, Option } from "effect"
 * import { Authenticator, type Principal, ServiceUnavailable } from "transfer-backfills"
 *
 * declare const verifyToken: (token: string) => Effect.Effect<Principal | undefined, Error> // your identity provider
 *
 * const authenticator = Layer.succeed(Authenticator, {
 *   authenticate: (token) =>
 *     verifyToken(token).pipe(
 *       Effect.map(Option.fromNullable),
 *       Effect.mapError((cause) => new ServiceUnavailable({ cause }))
 *     )
 * })
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class Authenticator extends Context.Tag("transfer-backfills/Authenticator")<
  Authenticator,
  {
    /** The caller behind a bearer token, or none to refuse it; fails only when it cannot answer now. */
    readonly authenticate: (token: string) => Effect.Effect<Option.Option<Principal>, ServiceUnavailable>
  }
>() {}

/**
 * An `Authenticator` from a plain function: the caller behind a token, or `undefined` (or
 * `null`) to refuse it with a 401. It may answer with a Promise; a rejected one, or a
 * throw, is a 503 (the verifier could not answer), never a 401.
 *
 * @example
 * ```ts
 * import { GRANTS, layerTokenVerifier, TeamId, UserId } from "transfer-backfills"
 *
 * const admin = { userId: UserId.make(7n), teamIds: [TeamId.make(1n)], ...GRANTS.write }
 * const tokens = layerTokenVerifier((token) => (token === process.env.API_TOKEN ? admin : undefined))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerTokenVerifier = (
  verify: (token: string) => Principal | null | undefined | PromiseLike<Principal | null | undefined>
): Layer.Layer<Authenticator> =>
  Layer.succeed(Authenticator, {
    authenticate: (token) =>
      Effect.tryPromise({
        try: async () => Option.fromNullable(await verify(token)),
        catch: (cause) => new ServiceUnavailable({ cause })
      })
  })
