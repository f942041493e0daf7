import { Effect, Layer, Option } from "effect"
import type { Principal } from "../../domain/access.js"
import { Authenticator } from "../../ports/authenticator.js"

/** Accepts exactly the given bearer tokens, for tests and demos. */
export const layerStaticTokens = (tokens: Readonly<Record<string, Principal>>): Layer.Layer<Authenticator> =>
  Layer.sync(Authenticator, () => {
    const principals = new Map(Object.entries(tokens))
    return { authenticate: (token) => Effect.sync(() => Option.fromNullable(principals.get(token))) }
  })
