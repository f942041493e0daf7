/** Reading one backfill: `GET /teams/{team_id}/backfills/{backfill_id}`. */
import { Effect } from "effect"
import type { Backfill } from "../domain/backfill.js"
import { BackfillId, TeamId } from "../domain/ids.js"
import type { PathParams } from "../http/request.js"
import type { Authenticator } from "../ports/authenticator.js"
import type { BackfillRepository } from "../ports/backfillRepository.js"
import { authenticate, findTeamBackfill, type GuardError, pathId, requireAccess } from "./guards.js"

export interface GetBackfillRequest {
  readonly authorization: string | undefined
  /** `team_id` and `backfill_id`. */
  readonly path: PathParams
}

/** Read operations fail only with the shared checks' errors. */
export type ReadError = GuardError

/** The backfill, if the caller's team owns it; another team's backfill is a 404 like a missing one. */
export const getBackfill = (
  request: GetBackfillRequest
): Effect.Effect<Backfill, ReadError, Authenticator | BackfillRepository> =>
  Effect.gen(function* () {
    const principal = yield* authenticate(request.authorization)
    const teamId = yield* pathId(request.path, "team_id", TeamId)
    const backfillId = yield* pathId(request.path, "backfill_id", BackfillId)
    yield* requireAccess(principal, teamId, "read")
    return yield* findTeamBackfill(teamId, backfillId)
  })
