/** Reading one backfill (SPEC §1 get). */
import { Effect } from "effect"
import type { Principal } from "../domain/access.js"
import type { Backfill } from "../domain/backfill.js"
import type { Forbidden, NotFound, PermissionDenied, ServiceUnavailable } from "../domain/errors.js"
import type { BackfillId, TeamId } from "../domain/ids.js"
import type { BackfillRepository } from "../ports/backfillRepository.js"
import { findTeamBackfill, idAttributes, requireAccess } from "./access.js"

export interface GetBackfill {
  readonly principal: Principal
  readonly teamId: TeamId
  readonly backfillId: BackfillId
}

/** What a read fails with: access, existence, or a port that cannot answer. */
export type ReadError = Forbidden | PermissionDenied | NotFound | ServiceUnavailable

/** The backfill, if the caller's team owns it; another team's backfill is a 404 like a missing one. */
export const getBackfill: (query: GetBackfill) => Effect.Effect<Backfill, ReadError, BackfillRepository> = Effect.fn(
  "getBackfill"
)(function* (query: GetBackfill) {
  yield* Effect.annotateCurrentSpan(idAttributes(query))
  const access = yield* requireAccess(query.principal, query.teamId, "read")
  return yield* findTeamBackfill(access, query.backfillId)
})
