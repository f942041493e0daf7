/**
 * What every endpoint reads of a request before its operation runs, in SPEC §3's order:
 * the caller (step 1, from the bearer token), the ids of the path (step 2), and the
 * `Idempotency-Key` header, read only when the operation asks for it (after step 6).
 */
import { Effect, Option } from "effect"
import type { Principal } from "../domain/access.js"
import { type Backfill, encodeBackfill } from "../domain/backfill.js"
import { type ServiceUnavailable, Unauthorized } from "../domain/errors.js"
import { BackfillId, TeamId, TransferId } from "../domain/ids.js"
import { traced } from "../operations/spans.js"
import { Authenticator } from "../ports/authenticator.js"
import { bearerToken, decodeIdempotencyKeyHeader, decodePathParam, type PathParams } from "./request.js"
import type { SuccessBody } from "./response.js"

/**
 * What a host may add to any request: the request id it already uses, which the response
 * echoes in `X-Request-Id` and the library's log lines carry.
 *
 * @since 0.1.0
 * @category handlers
 */
export interface HostRequest {
  /** The request id the host already uses (e.g. from `X-Request-Id`); replaced when malformed. */
  readonly requestId?: string | undefined
}

/** The credentials every request carries. */
export interface Caller {
  /** The `Authorization` header value, if the request had one. */
  readonly authorization: string | undefined
}

/** A request that changes a backfill, which a key makes safe to repeat. */
export interface IdempotentCaller extends Caller {
  /**
   * The `Idempotency-Key` header value, if the request had one: the same key with the same
   * request replays the first answer (see docs/idempotency.md).
   */
  readonly idempotencyKey?: string | undefined
}

/**
 * The caller behind an `Authorization` header value (SPEC §3 step 1), for hosts that run the
 * operations themselves: `Unauthorized` without a `Bearer` token or for a token the
 * `Authenticator` does not accept, `ServiceUnavailable` when it cannot answer.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { authenticate, BackfillId, getBackfill, TeamId } from "transfer-backfills"
 *
 * const program = Effect.gen(function* () {
 *   const principal = yield* authenticate("Bearer demo-admin") // Unauthorized unless the Authenticator accepts it
 *   return yield* getBackfill({ principal, teamId: TeamId.make(1n), backfillId: BackfillId.make(42n) })
 * })
 * ```
 *
 * @since 0.1.0
 * @category handlers
 */
export const authenticate = (
  authorization: string | undefined
): Effect.Effect<Principal, Unauthorized | ServiceUnavailable, Authenticator> =>
  Effect.gen(function* () {
    const token = bearerToken(authorization)
    if (token === undefined) {
      return yield* new Unauthorized({ description: "Send an Authorization header of the form: Bearer <token>." })
    }
    const authenticator = yield* Authenticator
    const principal = yield* authenticator.authenticate(token).pipe(traced("Authenticator.authenticate"))
    return yield* Option.match(principal, {
      onNone: () => Effect.fail(new Unauthorized({ description: "The bearer token is not valid." })),
      onSome: Effect.succeed
    })
  })

/** SPEC §3 step 2: the ids of the path, in order, each a canonical decimal or a 400 naming it. */
export const teamIdOf = (path: PathParams<"team_id">) => Effect.suspend(() => decodePathParam(path, "team_id", TeamId))
export const transferIdOf = (path: PathParams<"transfer_id">) =>
  Effect.suspend(() => decodePathParam(path, "transfer_id", TransferId))
export const backfillIdOf = (path: PathParams<"backfill_id">) =>
  Effect.suspend(() => decodePathParam(path, "backfill_id", BackfillId))

/** The key header, read when the operation asks for it (after the request's other checks). */
export const idempotencyKeyOf = (request: IdempotentCaller) =>
  request.idempotencyKey === undefined
    ? undefined
    : Effect.suspend(() => decodeIdempotencyKeyHeader(request.idempotencyKey))

/** SPEC §3 steps 1 and 2 of a request about one of a team's backfills: who calls, and which backfill. */
export const backfillCaller = (request: Caller & { readonly path: PathParams<"team_id" | "backfill_id"> }) =>
  Effect.gen(function* () {
    const principal = yield* authenticate(request.authorization)
    const teamId = yield* teamIdOf(request.path)
    const backfillId = yield* backfillIdOf(request.path)
    return { principal, teamId, backfillId }
  })

/** SPEC §3 steps 1 and 2 of a request about one of a team's transfers: who calls, and which transfer. */
export const transferCaller = (request: Caller & { readonly path: PathParams<"team_id" | "transfer_id"> }) =>
  Effect.gen(function* () {
    const principal = yield* authenticate(request.authorization)
    const teamId = yield* teamIdOf(request.path)
    const transferId = yield* transferIdOf(request.path)
    return { principal, teamId, transferId }
  })

/** A success whose data is one backfill, in its wire form. */
export const oneBackfill = (backfill: Backfill): SuccessBody => ({ data: encodeBackfill(backfill) })
