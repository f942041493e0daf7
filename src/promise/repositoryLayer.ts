/**
 * The `BackfillRepository` port over a Promise repository. Every value crosses as a plain
 * one (`plain.ts`) and is checked on its way back: a store that returns nonsense is a
 * defect (a bare 500), a store that rejects is unavailable (503).
 */
import { Effect, Either, Layer, Option } from "effect"
import type { Backfill } from "../domain/backfill.js"
import type { IdempotencyRefused } from "../domain/idempotency.js"
import * as Lifecycle from "../domain/lifecycle.js"
import { type BackfillProcessing, DEFAULT_PROCESSING_ORDER } from "../domain/turns.js"
import { ActiveRangeOverlap, BackfillRepository } from "../ports/backfillRepository.js"
import { type PlainProcessing, type PromiseBackfillRepository, portCall } from "./repository.js"
import {
  change,
  fromNullablePlain,
  fromPlain,
  keyAnswer,
  optional,
  runFromPlain,
  toPlainKey,
  toPlainUnsaved
} from "./storeCalls.js"

const isDefaultProcessing = (processing: BackfillProcessing) =>
  processing.order === DEFAULT_PROCESSING_ORDER && Option.isNone(processing.transferMaxRunningDays)

const toPlainProcessing = (processing: BackfillProcessing): PlainProcessing => ({
  order: processing.order,
  transferMaxRunningDays: Option.getOrNull(processing.transferMaxRunningDays)
})

const calling = <Adapter>(calls: keyof PromiseBackfillRepository, adapt: Adapter) => ({ calls, adapt })

/**
 * The port's methods, each with the store's method it calls and its adapter over the
 * store: the one list of them.
 */
const ADAPTERS: {
  readonly [Method in keyof BackfillRepository["Type"]]: {
    readonly calls: keyof PromiseBackfillRepository
    readonly adapt: (store: PromiseBackfillRepository) => BackfillRepository["Type"][Method]
  }
} = {
  insertUnlessOverlapping: calling(
    "insertUnlessOverlapping",
    (store) => (access, backfill, idempotency, processing) =>
      Effect.flatMap(
        portCall(() =>
          // Stores written before the processing settings existed see the calls they knew.
          processing === undefined || isDefaultProcessing(processing)
            ? store.insertUnlessOverlapping(
                String(access.teamId),
                toPlainUnsaved(backfill),
                ...optional(toPlainKey(access, idempotency))
              )
            : store.insertUnlessOverlapping(
                String(access.teamId),
                toPlainUnsaved(backfill),
                toPlainKey(access, idempotency),
                toPlainProcessing(processing)
              )
        ),
        (outcome): Effect.Effect<Backfill, ActiveRangeOverlap | IdempotencyRefused> =>
          keyAnswer(outcome) ??
          ("inserted" in outcome
            ? fromPlain(outcome.inserted)
            : "conflicting" in outcome
              ? Effect.flatMap(fromPlain(outcome.conflicting), (conflicting) =>
                  Effect.fail(new ActiveRangeOverlap({ conflicting }))
                )
              : Effect.dieMessage("The store answered an insert with neither inserted nor conflicting"))
      )
  ),
  findForTeam: calling(
    "findForTeam",
    (store) =>
      ({ teamId }, id) =>
        Effect.flatMap(
          portCall(() => store.findForTeam(String(teamId), String(id))),
          fromNullablePlain
        )
  ),
  latestForTransfer: calling(
    "latestForTransfer",
    (store) =>
      ({ teamId }, transferId) =>
        Effect.flatMap(
          portCall(() => store.latestForTransfer(String(teamId), String(transferId))),
          fromNullablePlain
        )
  ),
  activeOverlapping: calling(
    "activeOverlapping",
    (store) =>
      ({ teamId }, transferId, range) =>
        Effect.flatMap(
          portCall(() =>
            store.activeOverlapping(String(teamId), String(transferId), {
              rangeStart: range.start,
              rangeEnd: range.end
            })
          ),
          (found) => Effect.forEach(found, fromPlain)
        )
  ),
  listForTeam: calling(
    "listForTeam",
    (store) =>
      ({ teamId }, query) =>
        Effect.flatMap(
          portCall(() =>
            store.listForTeam(String(teamId), {
              statuses: [...query.statuses],
              beforeId: Option.getOrNull(Option.map(query.before, String)),
              limit: query.limit
            })
          ),
          (page) => Effect.forEach(page, fromPlain)
        )
  ),
  cancel: calling(
    "change",
    (store) => (access, id, time, idempotency) =>
      change(store, access, id, idempotency, (current) =>
        Either.map(Lifecycle.cancel(current, { time, userId: access.principal.userId }), (backfill) => ({
          backfill,
          runs: { dropPendingAtMillis: time * 1000 }
        }))
      )
  ),
  retry: calling(
    "change",
    (store) => (access, id, days, idempotency) =>
      change(store, access, id, idempotency, (current) =>
        Either.map(Lifecycle.retryDays(current, days), (retried) => ({
          backfill: retried.backfill,
          runs: { retryDays: retried.days }
        }))
      )
  ),
  runsOf: calling(
    "runsOf",
    (store) =>
      ({ teamId }, id, page) =>
        Effect.flatMap(
          portCall(() =>
            store.runsOf(String(teamId), String(id), {
              states: [...page.states],
              beforeDay: Option.getOrNull(page.before),
              limit: page.limit
            })
          ),
          (runs) => Effect.forEach(runs, runFromPlain)
        )
  )
}

/**
 * Every method a Promise repository implements: a store written for an earlier release
 * lacks some, which `createPromiseApi` says at once.
 */
export const PROMISE_REPOSITORY_METHODS: ReadonlyArray<keyof PromiseBackfillRepository> = [
  ...new Set(Object.values(ADAPTERS).map(({ calls }) => calls))
]

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
    return Object.fromEntries(
      Object.entries(ADAPTERS).map(([method, { adapt }]) => [method, adapt(store)])
    ) as unknown as BackfillRepository["Type"]
  })
