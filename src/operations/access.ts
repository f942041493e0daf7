/**
 * The checks every API operation starts with after the caller is known: SPEC §3 steps
 * 3–5 (team, scope, permission), which yield the access evidence the ports ask for, and
 * step 6 (the transfer or backfill exists for the team). Steps 1 and 2 (who calls, which
 * ids) are the transport's: the HTTP adapter reads them from the request.
 */
import { Effect, Option } from "effect"
import { type AccessLevel, authorize, type Principal, type ReadAccess } from "../domain/access.js"
import { type Forbidden, NotFound, type PermissionDenied, type ServiceUnavailable } from "../domain/errors.js"
import type { BackfillId, TeamId, TransferId } from "../domain/ids.js"
import { BackfillRepository } from "../ports/backfillRepository.js"
import { TransferLookup } from "../ports/transferLookup.js"
import { traced } from "./spans.js"

/**
 * What a read fails with: access, existence, or a port that cannot answer.
 *
 * @since 0.1.0
 * @category errors
 */
export type ReadError = Forbidden | PermissionDenied | NotFound | ServiceUnavailable

/**
 * The value, or the 404 of `resource`: missing and foreign look the same.
 *
 * @since 0.1.0
 * @category utils
 */
export const orNotFound =
  (resource: NotFound["resource"]) =>
  <A>(found: Option.Option<A>): Effect.Effect<A, NotFound> =>
    Option.match(found, {
      onNone: () => Effect.fail(new NotFound({ resource })),
      onSome: Effect.succeed
    })

/**
 * SPEC §3 steps 3–5: team membership, scope, permission; succeeds with the evidence the
 * ports require.
 *
 * @since 0.1.0
 * @category utils
 */
export const requireAccess = <Level extends AccessLevel>(principal: Principal, teamId: TeamId, level: Level) =>
  Effect.suspend(() => authorize(principal, teamId, level))

/**
 * SPEC §3 step 6: the transfer, if it exists and belongs to the team. The port is asked by
 * both ids, so another team's transfer costs what a missing one does; the team is checked
 * here again so that a port that ignores it cannot leak one.
 *
 * @since 0.1.0
 * @category utils
 */
export const findTeamTransfer = (access: ReadAccess, transferId: TransferId) =>
  Effect.gen(function* () {
    const transfers = yield* TransferLookup
    const transfer = yield* transfers
      .findTeamTransfer(access, transferId)
      .pipe(traced("TransferLookup.findTeamTransfer"))
    return yield* orNotFound("transfer")(Option.filter(transfer, (found) => found.teamId === access.teamId))
  })

/**
 * SPEC §3 step 6 for a backfill: it exists and belongs to the team.
 *
 * @since 0.1.0
 * @category utils
 */
export const findTeamBackfill = (access: ReadAccess, backfillId: BackfillId) =>
  Effect.gen(function* () {
    const repository = yield* BackfillRepository
    const found = yield* repository.findForTeam(access, backfillId).pipe(traced("BackfillRepository.findForTeam"))
    return yield* orNotFound("backfill")(found)
  })

/**
 * The span attributes of a request: the ids it names, as decimal strings.
 *
 * @since 0.1.0
 * @category utils
 */
export const idAttributes = (ids: {
  readonly teamId: TeamId
  readonly transferId?: TransferId
  readonly backfillId?: BackfillId
}) => ({
  team_id: String(ids.teamId),
  ...(ids.transferId === undefined ? {} : { transfer_id: String(ids.transferId) }),
  ...(ids.backfillId === undefined ? {} : { backfill_id: String(ids.backfillId) })
})
