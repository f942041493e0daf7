/** The newest backfill of a transfer (SPEC §1 latest). */
import { Effect } from "effect"
import type { Principal } from "../domain/access.js"
import type { Backfill } from "../domain/backfill.js"
import type { TeamId, TransferId } from "../domain/ids.js"
import { BackfillRepository } from "../ports/backfillRepository.js"
import type { TransferLookup } from "../ports/transferLookup.js"
import { findTeamTransfer, idAttributes, orNotFound, requireAccess } from "./access.js"
import type { ReadError } from "./getBackfill.js"

export interface LatestBackfill {
  readonly principal: Principal
  readonly teamId: TeamId
  readonly transferId: TransferId
}

/**
 * The transfer's newest backfill in any status. A missing or foreign transfer is the
 * transfer 404; a transfer that never had a backfill is the backfill 404.
 */
export const latestBackfill: (
  query: LatestBackfill
) => Effect.Effect<Backfill, ReadError, TransferLookup | BackfillRepository> = Effect.fn("latestBackfill")(function* (
  query: LatestBackfill
) {
  yield* Effect.annotateCurrentSpan(idAttributes(query))
  const access = yield* requireAccess(query.principal, query.teamId, "read")
  yield* findTeamTransfer(access, query.transferId)
  const repository = yield* BackfillRepository
  const latest = yield* repository
    .latestForTransfer(access, query.transferId)
    .pipe(Effect.withSpan("BackfillRepository.latestForTransfer"))
  return yield* orNotFound("backfill")(latest)
})
