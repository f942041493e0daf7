/** The newest backfill of a transfer (SPEC §1 latest). */
import { Effect } from "effect"
import type { Principal } from "../domain/access.js"
import type { Backfill } from "../domain/backfill.js"
import type { TeamId, TransferId } from "../domain/ids.js"
import { BackfillRepository } from "../ports/backfillRepository.js"
import type { TransferLookup } from "../ports/transferLookup.js"
import { findTeamTransfer, idAttributes, orNotFound, type ReadError, requireAccess } from "./access.js"
import { traced } from "./spans.js"

/**
 * What `latestBackfill` needs: the authenticated caller, the team and the transfer.
 *
 * @since 0.1.0
 * @category models
 */
export interface LatestBackfill {
  readonly principal: Principal
  readonly teamId: TeamId
  readonly transferId: TransferId
}

/**
 * The transfer's newest backfill in any status (SPEC §1 latest). A missing or foreign
 * transfer is the transfer 404; a transfer that never had a backfill is the backfill 404.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { latestBackfill, type Principal, TeamId, TransferId, UserId, UTC } from "transfer-backfills"
 * import { layerMemoryBackfillRepository, layerMemoryTransferLookup } from "transfer-backfills/memory"
 *
 * const principal: Principal = {
 *   userId: UserId.make(790n),
 *   teamIds: [TeamId.make(1n)],
 *   scopes: ["dwh_transfers_read"],
 *   permissions: ["dwh.transfer.view"]
 * }
 *
 * const ports = Layer.merge(
 *   layerMemoryTransferLookup([{ id: TransferId.make(456789n), teamId: TeamId.make(1n), timeZone: UTC }]),
 *   layerMemoryBackfillRepository()
 * )
 *
 * const program = latestBackfill({ principal, teamId: TeamId.make(1n), transferId: TransferId.make(456789n) }).pipe(
 *   Effect.map((backfill) => `backfill ${backfill.id} is ${backfill.status}`),
 *   Effect.catchTag("NotFound", ({ resource }) => Effect.succeed(`no ${resource}`)) // here: "no backfill"
 * )
 *
 * Effect.runPromise(Effect.provide(program, ports)).then(console.log)
 * ```
 *
 * @since 0.1.0
 * @category operations
 */
export const latestBackfill = (
  query: LatestBackfill
): Effect.Effect<Backfill, ReadError, TransferLookup | BackfillRepository> =>
  Effect.gen(function* () {
    const access = yield* requireAccess(query.principal, query.teamId, "read")
    yield* findTeamTransfer(access, query.transferId)
    const repository = yield* BackfillRepository
    const latest = yield* repository
      .latestForTransfer(access, query.transferId)
      .pipe(traced("BackfillRepository.latestForTransfer"))
    return yield* orNotFound("backfill")(latest)
  }).pipe(traced("latestBackfill", idAttributes(query)))
