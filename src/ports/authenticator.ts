import { Context, type Effect, type Option } from "effect"
import type { Principal } from "../domain/access.js"
import type { ServiceUnavailable } from "../domain/errors.js"

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
 * declare const verifyToken: (token: string) => Promise<Principal | undefined> // your identity provider
 *
 * const authenticator = Layer.succeed(Authenticator, {
 *   authenticate: (token) =>
 *     Effect.tryPromise({ try: () => verifyToken(token), catch: (cause) => new ServiceUnavailable({ cause }) }).pipe(
 *       Effect.map(Option.fromNullable)
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
