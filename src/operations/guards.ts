/**
 * The checks every API operation starts with (SPEC §3 steps 1–6), each one step of the
 * check order, so that every operation applies them the same way.
 */
import { Effect, Option } from "effect"
import { type AccessLevel, authorize, type Principal } from "../domain/access.js"
import type { BadRequest, Forbidden, PermissionDenied, ServiceUnavailable } from "../domain/errors.js"
import { NotFound, Unauthorized } from "../domain/errors.js"
import type { BackfillId, IdSchema, TeamId, TransferId } from "../domain/ids.js"
import { bearerToken, decodePathParam, type PathParams } from "../http/request.js"
import { Authenticator } from "../ports/authenticator.js"
import { BackfillRepository } from "../ports/backfillRepository.js"
import { TransferLookup } from "../ports/transferLookup.js"

/** What the shared checks fail with; every API operation's error union includes it. */
export type GuardError = Unauthorized | BadRequest | Forbidden | PermissionDenied | NotFound | ServiceUnavailable

/** The value, or the 404 of `resource`: missing and foreign look the same. */
export const orNotFound =
  (resource: NotFound["resource"]) =>
  <A>(found: Option.Option<A>): Effect.Effect<A, NotFound> =>
    Option.match(found, {
      onNone: () => Effect.fail(new NotFound({ resource })),
      onSome: Effect.succeed
    })

/** Step 1: the caller behind an `Authorization` header value. */
export const authenticate = (authorization: string | undefined) =>
  Effect.gen(function* () {
    const token = bearerToken(authorization)
    if (token === undefined) {
      return yield* new Unauthorized({ description: "Send an Authorization header of the form: Bearer <token>." })
    }
    const authenticator = yield* Authenticator
    const principal = yield* authenticator.authenticate(token)
    return yield* Option.match(principal, {
      onNone: () => Effect.fail(new Unauthorized({ description: "The bearer token is not valid." })),
      onSome: (found): Effect.Effect<Principal> => Effect.succeed(found)
    })
  })

/** Step 2: one id from the path. */
export const pathId = <Id extends bigint>(path: PathParams, name: string, schema: IdSchema<Id>) =>
  Effect.suspend(() => decodePathParam(path, name, schema))

/** Steps 3–5: team membership, scope, permission. */
export const requireAccess = (
  principal: Principal,
  teamId: TeamId,
  level: AccessLevel
): Effect.Effect<void, Forbidden | PermissionDenied> => Effect.suspend(() => authorize(principal, teamId, level))

/**
 * Step 6: the transfer, if it exists and belongs to the team. The port is asked by both
 * ids, so another team's transfer costs what a missing one does; the team is checked
 * here again so that a port that ignores it cannot leak one.
 */
export const findTeamTransfer = (teamId: TeamId, transferId: TransferId) =>
  Effect.gen(function* () {
    const transfers = yield* TransferLookup
    const transfer = yield* transfers.findTeamTransfer(teamId, transferId)
    return yield* orNotFound("transfer")(Option.filter(transfer, (found) => found.teamId === teamId))
  })

/** Step 6 for a backfill: it exists and belongs to the team. */
export const findTeamBackfill = (teamId: TeamId, backfillId: BackfillId) =>
  Effect.gen(function* () {
    const repository = yield* BackfillRepository
    return yield* orNotFound("backfill")(yield* repository.findForTeam(teamId, backfillId))
  })
