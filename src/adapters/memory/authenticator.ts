import { Effect, Layer, Option } from "effect"
import type { Principal } from "../../domain/access.js"
import { Authenticator } from "../../ports/authenticator.js"

/**
 * An `Authenticator` that accepts exactly the given bearer tokens, each as the caller it
 * names, for tests and demos.
 *
 * @example
 * ```ts
 * import { TeamId, UserId } from "transfer-backfills"
 * import { layerStaticTokens } from "transfer-backfills/memory"
 *
 * const authenticator = layerStaticTokens({
 *   "demo-admin": {
 *     userId: UserId.make(789n),
 *     teamIds: [TeamId.make(1n)],
 *     scopes: ["dwh_transfers_read", "dwh_transfers_write"],
 *     permissions: ["dwh.transfer.view", "dwh.transfer.edit"]
 *   }
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStaticTokens = (tokens: Readonly<Record<string, Principal>>): Layer.Layer<Authenticator> =>
  Layer.sync(Authenticator, () => {
    const principals = new Map(Object.entries(tokens))
    return { authenticate: (token) => Effect.sync(() => Option.fromNullable(principals.get(token))) }
  })
