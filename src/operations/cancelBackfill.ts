/** Cancelling a backfill (SPEC §4 cancel). */
import { Clock, Effect, Metric } from "effect"
import type { Principal } from "../domain/access.js"
import type { Backfill } from "../domain/backfill.js"
import { type Conflict, type DuplicationFailed, NotFound, UnprocessableEntity } from "../domain/errors.js"
import type { BackfillId, TeamId } from "../domain/ids.js"
import { ACTIVE_STATUSES } from "../domain/status.js"
import { epochSecondsFromMillis } from "../domain/time.js"
import { backfillsCancelled } from "../metrics/instruments.js"
import { countedOnce, countFinished } from "../metrics/record.js"
import { BackfillRepository } from "../ports/backfillRepository.js"
import { findTeamBackfill, idAttributes, type ReadError, requireAccess } from "./access.js"
import { type IdempotencyKeyInput, idempotentRequest, refusedKeyAnswers } from "./idempotency.js"
import { traced } from "./spans.js"

/**
 * What `cancelBackfill` needs: the authenticated caller, the team and the backfill. A
 * transport that reads the confirmation or the key only when asked fails with `E` when it
 * cannot read them, needing `R`.
 *
 * @since 0.1.0
 * @category models
 */
export interface CancelBackfill<E = never, R = never> {
  readonly principal: Principal
  readonly teamId: TeamId
  readonly backfillId: BackfillId
  /**
   * For a transport whose request carries the intent in a body: its reading, run after
   * the backfill is found, as SPEC §3 orders (step 7 after step 6).
   */
  readonly confirmation?: Effect.Effect<void, E, R> | undefined
  /**
   * The caller's `Idempotency-Key`: the same key with the same cancel within its lifetime
   * answers the backfill as the first cancel did, where a repeated cancel would be a 422.
   */
  readonly idempotencyKey?: IdempotencyKeyInput<E, R> | undefined
}

/**
 * What a cancel fails with: the errors of a read, a backfill that is no longer active, or
 * a key used for another request or still in flight.
 *
 * @since 0.1.0
 * @category errors
 */
export type CancelBackfillError = ReadError | UnprocessableEntity | Conflict | DuplicationFailed

/**
 * Cancels an active backfill (SPEC §4) for the caller, who needs write access to the team.
 * The check that it is still active and the change are one atomic step of the
 * repository, so of two concurrent cancels one succeeds and the other is the 422 a second
 * cancel always is. Pending runs are dropped; a day already running may still report.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import {
 *   cancelBackfill,
 *   type Principal,
 *   scheduleBackfill,
 *   TeamId,
 *   TransferId,
 *   UserId,
 *   UTC
 * } from "transfer-backfills"
 * import { layerMemoryBackfillRepository, layerMemoryTransferLookup } from "transfer-backfills/memory"
 *
 * const principal: Principal = {
 *   userId: UserId.make(789n),
 *   teamIds: [TeamId.make(1n)],
 *   scopes: ["dwh_transfers_read", "dwh_transfers_write"],
 *   permissions: ["dwh.transfer.view", "dwh.transfer.edit"]
 * }
 *
 * const ports = Layer.merge(
 *   layerMemoryTransferLookup([{ id: TransferId.make(456789n), teamId: TeamId.make(1n), timeZone: UTC }]),
 *   layerMemoryBackfillRepository()
 * )
 *
 * const program = Effect.gen(function* () {
 *   const backfill = yield* scheduleBackfill({
 *     principal,
 *     teamId: TeamId.make(1n),
 *     transferId: TransferId.make(456789n),
 *     range: { range_start: "2024-01-01", range_end: "2024-01-31" }
 *   })
 *   const cancelled = yield* cancelBackfill({ principal, teamId: TeamId.make(1n), backfillId: backfill.id })
 *   console.log(cancelled.status) // "CANCELLED"
 *   // A second cancel, like one of a COMPLETED backfill, is refused with a 422.
 *   yield* cancelBackfill({ principal, teamId: TeamId.make(1n), backfillId: backfill.id }).pipe(
 *     Effect.catchTag("UnprocessableEntity", (error) => Effect.log(error.description))
 *   )
 * })
 *
 * Effect.runPromise(Effect.provide(program, ports))
 * ```
 *
 * @since 0.1.0
 * @category operations
 */
export const cancelBackfill = <E = never, R = never>(
  command: CancelBackfill<E, R>
): Effect.Effect<Backfill, CancelBackfillError | E, BackfillRepository | R> =>
  Effect.gen(function* () {
    const access = yield* requireAccess(command.principal, command.teamId, "write")
    yield* findTeamBackfill(access, command.backfillId)
    if (command.confirmation !== undefined) yield* command.confirmation
    const repository = yield* BackfillRepository
    const now = epochSecondsFromMillis(yield* Clock.currentTimeMillis)
    const idempotency = yield* idempotentRequest(command.idempotencyKey, "cancelBackfill", {
      teamId: command.teamId,
      backfillId: command.backfillId
    })
    return yield* repository.cancel(access, command.backfillId, now, idempotency).pipe(
      countedOnce(idempotency !== undefined, (cancelled: Backfill) =>
        Effect.zipRight(Metric.increment(backfillsCancelled), countFinished(cancelled))
      ),
      traced("BackfillRepository.cancel"),
      Effect.catchTags({
        ...refusedKeyAnswers,
        UnknownBackfill: () => Effect.fail(new NotFound({ resource: "backfill" })),
        IllegalTransition: ({ from }) =>
          Effect.fail(
            new UnprocessableEntity({
              description: `Backfill ${command.backfillId} is ${from}; only ${ACTIVE_STATUSES.join(", ")} backfills can be cancelled.`
            })
          )
      })
    )
  }).pipe(traced("cancelBackfill", idAttributes(command)))
