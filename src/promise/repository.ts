/**
 * The API's repository port over plain async functions, for hosts that keep backfills in
 * a store of their own without Effect. Every value crosses as a plain one (`plain.ts`)
 * and is checked on its way back: a store that returns nonsense is a defect (a bare 500),
 * a store that rejects is unavailable (503).
 */
import { Effect, Layer, Option, Schema } from "effect"
import type { Backfill, UnsavedBackfill } from "../domain/backfill.js"
import { ServiceUnavailable } from "../domain/errors.js"
import { BackfillId } from "../domain/ids.js"
import { type BackfillStatus, IllegalTransition } from "../domain/status.js"
import { UnknownBackfill } from "../domain/workerErrors.js"
import { ActiveRangeOverlap, BackfillRepository } from "../ports/backfillRepository.js"
import { BackfillFromPlain, type PlainBackfill, type PlainUnsavedBackfill } from "./plain.js"

/**
 * Which page of a team's backfills: those in `statuses`, with an id below `beforeId`
 * when set, newest (largest id) first, at most `limit`.
 *
 * @since 0.2.0
 * @category models
 */
export interface PlainPageQuery {
  readonly statuses: ReadonlyArray<BackfillStatus>
  readonly beforeId: string | null
  readonly limit: number
}

/**
 * The part of the backfill store the API operations use, as plain async functions. Ids
 * arrive as decimal strings; "none" may be answered with `null` or `undefined`. A
 * rejected promise means the store cannot answer now (503). Run it through
 * `backfillRepositoryConformance` with `layerPromiseBackfillRepository` to check it keeps
 * the port's promises.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseBackfillRepository {
  /**
   * Stores the backfill and returns it with a new id, larger than every id before it, or,
   * when its range shares a day with an active backfill of the same transfer, stores
   * nothing and returns that backfill as it now stands. Check and insert must be one
   * atomic step (a transaction with an exclusion constraint, say).
   */
  readonly insertUnlessOverlapping: (
    teamId: string,
    backfill: PlainUnsavedBackfill
  ) => Promise<{ readonly inserted: PlainBackfill } | { readonly conflicting: PlainBackfill }>
  /** The team's backfill with this id; none for another team's. */
  readonly findForTeam: (teamId: string, backfillId: string) => Promise<PlainBackfill | null | undefined>
  /** The transfer's backfill with the largest id, in any status. */
  readonly latestForTransfer: (teamId: string, transferId: string) => Promise<PlainBackfill | null | undefined>
  /**
   * The active backfills (`CREATED`, `SCHEDULED`, `RUNNING`, `FAILED`) of the team's
   * transfer that share a day with the range, by start date.
   */
  readonly activeOverlapping: (
    teamId: string,
    transferId: string,
    range: { readonly rangeStart: string; readonly rangeEnd: string }
  ) => Promise<ReadonlyArray<PlainBackfill>>
  /** The team's backfills of the page, newest (largest id) first. */
  readonly listForTeam: (teamId: string, page: PlainPageQuery) => Promise<ReadonlyArray<PlainBackfill>>
  /**
   * Cancels the team's backfill in one atomic step: status `CANCELLED`, the removal and
   * the end time set, runs not yet started dropped (see `Lifecycle.cancel`). Answers the
   * status that prevents it for a final backfill, and none when there is no such backfill.
   */
  readonly cancel: (
    teamId: string,
    backfillId: string,
    removal: { readonly timeMillis: number; readonly userId: string }
  ) => Promise<{ readonly cancelled: PlainBackfill } | { readonly refusedFrom: BackfillStatus } | null | undefined>
}

/**
 * Calls a host's async port function: its result, or `ServiceUnavailable` (a 503) when the
 * promise rejects, a promise the store could not keep because the database or service
 * behind it is unavailable.
 *
 * @since 0.2.0
 * @category utils
 */
export const portCall = <A>(call: () => Promise<A>) =>
  Effect.tryPromise({ try: call, catch: (cause) => new ServiceUnavailable({ cause }) })

const toPlain = Schema.encodeSync(BackfillFromPlain)
/** Encoded as a whole backfill under a stand-in id, which is then left out. */
const toPlainUnsaved = (backfill: UnsavedBackfill): PlainUnsavedBackfill => {
  const { id: _, ...unsaved } = toPlain({ ...backfill, id: BackfillId.make(1n) })
  return unsaved
}
const fromPlain = (plain: PlainBackfill) => Effect.orDie(Schema.decodeUnknown(BackfillFromPlain)(plain))
const fromNullablePlain = (plain: PlainBackfill | null | undefined) =>
  Effect.transposeMapOption(Option.fromNullable(plain), fromPlain)

/**
 * The `BackfillRepository` port over a Promise repository.
 *
 * @example
 * ```ts
 * import { layerPromiseBackfillRepository, type PromiseBackfillRepository } from "transfer-backfills/promise"
 * import { backfillRepositoryConformance } from "transfer-backfills/testing/conformance"
 *
 * declare const myStore: () => PromiseBackfillRepository // a fresh, empty store each call
 * backfillRepositoryConformance("my store", layerPromiseBackfillRepository(myStore))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerPromiseBackfillRepository = (
  repository: PromiseBackfillRepository | (() => PromiseBackfillRepository)
): Layer.Layer<BackfillRepository> =>
  Layer.sync(BackfillRepository, () => {
    const store = typeof repository === "function" ? repository() : repository
    return {
      insertUnlessOverlapping: ({ teamId }, backfill) =>
        Effect.flatMap(
          portCall(() => store.insertUnlessOverlapping(String(teamId), toPlainUnsaved(backfill))),
          (outcome) =>
            "inserted" in outcome
              ? fromPlain(outcome.inserted)
              : Effect.flatMap(fromPlain(outcome.conflicting), (conflicting) =>
                  Effect.fail(new ActiveRangeOverlap({ conflicting }))
                )
        ),
      findForTeam: ({ teamId }, id) =>
        Effect.flatMap(
          portCall(() => store.findForTeam(String(teamId), String(id))),
          fromNullablePlain
        ),
      latestForTransfer: ({ teamId }, transferId) =>
        Effect.flatMap(
          portCall(() => store.latestForTransfer(String(teamId), String(transferId))),
          fromNullablePlain
        ),
      activeOverlapping: ({ teamId }, transferId, range) =>
        Effect.flatMap(
          portCall(() =>
            store.activeOverlapping(String(teamId), String(transferId), {
              rangeStart: range.start,
              rangeEnd: range.end
            })
          ),
          (found) => Effect.forEach(found, fromPlain)
        ),
      listForTeam: ({ teamId }, query) =>
        Effect.flatMap(
          portCall(() =>
            store.listForTeam(String(teamId), {
              statuses: [...query.statuses],
              beforeId: Option.getOrNull(Option.map(query.before, String)),
              limit: query.limit
            })
          ),
          (page) => Effect.forEach(page, fromPlain)
        ),
      cancel: ({ teamId, principal }, id, time) =>
        Effect.flatMap(
          portCall(() =>
            store.cancel(String(teamId), String(id), { timeMillis: time * 1000, userId: String(principal.userId) })
          ),
          (outcome): Effect.Effect<Backfill, UnknownBackfill | IllegalTransition> =>
            outcome === null || outcome === undefined
              ? Effect.fail(new UnknownBackfill({ backfillId: id }))
              : "cancelled" in outcome
                ? fromPlain(outcome.cancelled)
                : Effect.fail(new IllegalTransition({ from: outcome.refusedFrom, event: "Cancelled" }))
        )
    }
  })
