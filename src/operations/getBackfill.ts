/** Reading one backfill (SPEC §1 get). */
import { Effect } from "effect"
import type { Principal } from "../domain/access.js"
import type { Backfill } from "../domain/backfill.js"
import type { BackfillId, TeamId } from "../domain/ids.js"
import type { BackfillRepository } from "../ports/backfillRepository.js"
import { findTeamBackfill, idAttributes, type ReadError, requireAccess } from "./access.js"
import { traced } from "./spans.js"

/**
 * What `getBackfill` needs: the authenticated caller, the team and the backfill.
 *
 * @since 0.1.0
 * @category models
 */
export interface GetBackfill {
  readonly principal: Principal
  readonly teamId: TeamId
  readonly backfillId: BackfillId
}

/**
 * The backfill, if the caller's team owns it and the caller may read it; another team's
 * backfill is a 404 like a missing one.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { BackfillId, getBackfill, type Principal, TeamId, UserId } from "transfer-backfills"
 * import { layerMemoryBackfillRepository } from "transfer-backfills/memory"
 *
 * const principal: Principal = {
 *   userId: UserId.make(790n),
 *   teamIds: [TeamId.make(1n)],
 *   scopes: ["dwh_transfers_read"],
 *   permissions: ["dwh.transfer.view"]
 * }
 *
 * const program = getBackfill({ principal, teamId: TeamId.make(1n), backfillId: BackfillId.make(1n) }).pipe(
 *   Effect.map((backfill) => `${backfill.status}: ${backfill.runs.completed} of ${backfill.runs.total} days done`),
 *   Effect.catchTag("NotFound", () => Effect.succeed("no such backfill"))
 * )
 *
 * Effect.runPromise(Effect.provide(program, layerMemoryBackfillRepository())).then(console.log)
 * ```
 *
 * @since 0.1.0
 * @category operations
 */
export const getBackfill = (query: GetBackfill): Effect.Effect<Backfill, ReadError, BackfillRepository> =>
  Effect.gen(function* () {
    const access = yield* requireAccess(query.principal, query.teamId, "read")
    return yield* findTeamBackfill(access, query.backfillId)
  }).pipe(traced("getBackfill", idAttributes(query)))
