/** Cancelling a backfill (SPEC §4 cancel). */
import { Clock, Effect } from "effect"
import type { Principal } from "../domain/access.js"
import type { Backfill } from "../domain/backfill.js"
import { type BadRequest, NotFound, UnprocessableEntity } from "../domain/errors.js"
import type { BackfillId, TeamId } from "../domain/ids.js"
import { ACTIVE_STATUSES } from "../domain/status.js"
import { timestampFromMillis } from "../domain/time.js"
import { BackfillRepository } from "../ports/backfillRepository.js"
import { findTeamBackfill, idAttributes, requireAccess } from "./access.js"
import type { ReadError } from "./getBackfill.js"

export interface CancelBackfill {
  readonly principal: Principal
  readonly teamId: TeamId
  readonly backfillId: BackfillId
  /**
   * For a transport whose request carries the intent in a body: its reading, run after
   * the backfill is found, as SPEC §3 orders (step 7 after step 6).
   */
  readonly confirmation?: Effect.Effect<void, BadRequest> | undefined
}

export type CancelBackfillError = ReadError | BadRequest | UnprocessableEntity

/**
 * Cancels an active backfill (SPEC §4): the check that it is still active and the change
 * are one atomic step of the repository, so of two concurrent cancels one succeeds and
 * the other is the 422 a second cancel always is.
 */
export const cancelBackfill: (
  command: CancelBackfill
) => Effect.Effect<Backfill, CancelBackfillError, BackfillRepository> = Effect.fn("cancelBackfill")(function* (
  command: CancelBackfill
) {
  yield* Effect.annotateCurrentSpan(idAttributes(command))
  const access = yield* requireAccess(command.principal, command.teamId, "write")
  yield* findTeamBackfill(access, command.backfillId)
  if (command.confirmation !== undefined) yield* command.confirmation
  const repository = yield* BackfillRepository
  const now = timestampFromMillis(yield* Clock.currentTimeMillis)
  return yield* repository.cancel(access, command.backfillId, now).pipe(
    Effect.withSpan("BackfillRepository.cancel"),
    Effect.catchTags({
      UnknownBackfill: () => Effect.fail(new NotFound({ resource: "backfill" })),
      IllegalTransition: ({ from }) =>
        Effect.fail(
          new UnprocessableEntity({
            description: `Backfill ${command.backfillId} is ${from}; only ${ACTIVE_STATUSES.join(", ")} backfills can be cancelled.`
          })
        )
    })
  )
})
