/**
 * The `BackfillRepository` port over a Promise repository. Every value crosses as a plain
 * one (`plain.ts`) and is checked on its way back: a store that returns nonsense is a
 * defect (a bare 500), a store that rejects is unavailable (503).
 */
import { Effect, Either, Layer, Option, Schema } from "effect"
import type { WriteAccess } from "../domain/access.js"
import type { Backfill, UnsavedBackfill } from "../domain/backfill.js"
import type { ServiceUnavailable } from "../domain/errors.js"
import {
  IdempotencyKeyInFlight,
  IdempotencyKeyReused,
  type IdempotencyRefused,
  type IdempotentRequest
} from "../domain/idempotency.js"
import { BackfillId } from "../domain/ids.js"
import * as Lifecycle from "../domain/lifecycle.js"
import { UnknownBackfill } from "../domain/workerErrors.js"
import { ActiveRangeOverlap, BackfillRepository } from "../ports/backfillRepository.js"
import {
  BackfillFromPlain,
  DayRunFromPlain,
  type PlainBackfill,
  type PlainDayRun,
  type PlainUnsavedBackfill
} from "./plain.js"
import { type PlainChange, type PromiseBackfillRepository, portCall } from "./repository.js"

/** A trailing optional argument, passed only when there is one, so a store sees exactly what it was given. */
const optional = <A>(value: A | undefined): [] | [A] => (value === undefined ? [] : [value])

const toPlain = Schema.encodeSync(BackfillFromPlain)
/** Encoded as a whole backfill under a stand-in id, which is then left out. */
const toPlainUnsaved = (backfill: UnsavedBackfill): PlainUnsavedBackfill => {
  const { id: _, ...unsaved } = toPlain({ ...backfill, id: BackfillId.make(1n) })
  return unsaved
}
const decodePlain = Schema.decodeUnknownEither(BackfillFromPlain)
const fromPlain = (plain: PlainBackfill) => Effect.orDie(Schema.decodeUnknown(BackfillFromPlain)(plain))
const fromNullablePlain = (plain: PlainBackfill | null | undefined) =>
  Effect.transposeMapOption(Option.fromNullable(plain), fromPlain)
const runFromPlain = (plain: PlainDayRun) => Effect.orDie(Schema.decodeUnknown(DayRunFromPlain)(plain))

const toPlainKey = (access: WriteAccess, idempotency: IdempotentRequest | undefined) =>
  idempotency === undefined
    ? undefined
    : {
        key: idempotency.key,
        userId: String(access.principal.userId),
        fingerprint: idempotency.fingerprint,
        timeMillis: idempotency.now * 1000,
        expiresAtMillis: idempotency.expiresAt * 1000
      }

/** A store's answer to a keyed change it did not make, or `undefined` for any other answer. */
const keyAnswer = (
  outcome: object
): Effect.Effect<Backfill, IdempotencyKeyReused | IdempotencyKeyInFlight> | undefined => {
  if ("replayed" in outcome) return fromPlain(outcome.replayed as PlainBackfill)
  if (!("idempotencyKey" in outcome)) return undefined
  return outcome.idempotencyKey === "in-flight"
    ? Effect.fail(new IdempotencyKeyInFlight())
    : Effect.fail(new IdempotencyKeyReused())
}

/**
 * A change the library decides inside the store's atomic step (`store.change`): the
 * store reads the backfill, `transition` says what it becomes or why not, and the store
 * writes that. What was decided inside comes back with the store's answer.
 */
const change = <Refusal>(
  store: PromiseBackfillRepository,
  access: WriteAccess,
  id: BackfillId,
  idempotency: IdempotentRequest | undefined,
  transition: (
    current: Backfill
  ) => Either.Either<{ readonly backfill: Backfill; readonly runs: PlainChange["runs"] }, Refusal>
): Effect.Effect<Backfill, UnknownBackfill | Refusal | IdempotencyRefused | ServiceUnavailable> => {
  let refusal = Option.none<Refusal>()
  let unreadable = Option.none<unknown>()
  const decide = (plain: PlainBackfill): PlainChange | null => {
    refusal = Option.none()
    unreadable = Option.none()
    const current = decodePlain(plain)
    if (Either.isLeft(current)) {
      unreadable = Option.some(current.left)
      return null
    }
    const next = transition(current.right)
    if (Either.isLeft(next)) {
      refusal = Option.some(next.left)
      return null
    }
    return { backfill: toPlain(next.right.backfill), runs: next.right.runs }
  }
  return Effect.flatMap(
    portCall(() =>
      store.change(String(access.teamId), String(id), decide, ...optional(toPlainKey(access, idempotency)))
    ),
    (outcome): Effect.Effect<Backfill, UnknownBackfill | Refusal | IdempotencyRefused> => {
      if (outcome === null || outcome === undefined) return Effect.fail(new UnknownBackfill({ backfillId: id }))
      const answered = keyAnswer(outcome)
      if (answered !== undefined) return answered
      if (Option.isSome(unreadable)) return Effect.die(unreadable.value)
      if ("changed" in outcome) return fromPlain(outcome.changed)
      if ("unchanged" in outcome && Option.isSome(refusal)) return Effect.fail(refusal.value)
      return Effect.dieMessage("The store answered a change with none of its answers, or unchanged for a decided one")
    }
  )
}

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
    (store) => (access, backfill, idempotency) =>
      Effect.flatMap(
        portCall(() =>
          store.insertUnlessOverlapping(
            String(access.teamId),
            toPlainUnsaved(backfill),
            ...optional(toPlainKey(access, idempotency))
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
