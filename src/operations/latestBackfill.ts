/** The newest backfill of a transfer: `GET /teams/{team_id}/transfers/{transfer_id}/backfills/latest`. */
import { Effect } from "effect"
import type { Backfill } from "../domain/backfill.js"
import { TeamId, TransferId } from "../domain/ids.js"
import type { PathParams } from "../http/request.js"
import type { Authenticator } from "../ports/authenticator.js"
import { BackfillRepository } from "../ports/backfillRepository.js"
import type { TransferLookup } from "../ports/transferLookup.js"
import type { ReadError } from "./getBackfill.js"
import { authenticate, findTeamTransfer, orNotFound, pathId, requireAccess } from "./guards.js"

export interface LatestBackfillRequest {
  readonly authorization: string | undefined
  /** `team_id` and `transfer_id`. */
  readonly path: PathParams
}

/**
 * The transfer's newest backfill in any status. A missing or foreign transfer is the
 * transfer 404; a transfer that never had a backfill is the backfill 404.
 */
export const latestBackfill = (
  request: LatestBackfillRequest
): Effect.Effect<Backfill, ReadError, Authenticator | TransferLookup | BackfillRepository> =>
  Effect.gen(function* () {
    const principal = yield* authenticate(request.authorization)
    const teamId = yield* pathId(request.path, "team_id", TeamId)
    const transferId = yield* pathId(request.path, "transfer_id", TransferId)
    yield* requireAccess(principal, teamId, "read")
    yield* findTeamTransfer(teamId, transferId)
    const repository = yield* BackfillRepository
    return yield* orNotFound("backfill")(yield* repository.latestForTransfer(transferId))
  })
