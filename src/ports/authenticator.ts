import { Context, type Effect, type Option } from "effect"
import type { Principal } from "../domain/access.js"
import type { ServiceUnavailable } from "../domain/errors.js"

/**
 * The host's token verification. Given the bearer token of a request, it answers with
 * the caller, or with `None` for a token it does not accept; it fails only when it cannot
 * answer at all.
 */
export class Authenticator extends Context.Tag("transfer-backfills/Authenticator")<
  Authenticator,
  {
    readonly authenticate: (token: string) => Effect.Effect<Option.Option<Principal>, ServiceUnavailable>
  }
>() {}
