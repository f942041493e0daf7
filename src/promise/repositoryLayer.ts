/**
 * The `BackfillRepository` port over a Promise repository. Every value crosses as a plain
 * one (`plain.ts`) and is checked on its way back: a store that returns nonsense is a
 * defect (a bare 500), a store that rejects is unavailable (503).
 */
import { Effect, Layer, Option, Schema } from "effect"
import type { WriteAccess } from "../domain/access.js"
import type { Backfill, UnsavedBackfill } from "../domain/backfill.js"
import { CalendarDate } from "../domain/calendarDate.js"
import {
  IdempotencyKeyInFlight,
  IdempotencyKeyReused,
  type IdempotencyRefused,
  type IdempotentRequest
} from "../domain/idempotency.js"
import { BackfillId } from "../domain/ids.js"
import { IllegalTransition } from "../domain/status.js"
import { DaysNotFailed, NoFailedDays, UnknownBackfill } from "../domain/workerErrors.js"
import { ActiveRangeOverlap, BackfillRepository, type RetryRefused } from "../ports/backfillRepository.js"
import {
  BackfillFromPlain,
  DayRunFromPlain,
  type PlainBackfill,
  type PlainDayRun,
  type PlainUnsavedBackfill
} from "./plain.js"
import { type PromiseBackfillRepository, portCall } from "./repository.js"

/** A trailing optional argument, passed only when there is one, so a store sees exactly what it was given. */
const optional = <A>(value: A | undefined): [] | [A] => (value === undefined ? [] : [value])

const toPlain = Schema.encodeSync(BackfillFromPlain)
/** Encoded as a whole backfill under a stand-in id, which is then left out. */
const toPlainUnsaved = (backfill: UnsavedBackfill): PlainUnsavedBackfill => {
  const { id: _, ...unsaved } = toPlain({ ...backfill, id: BackfillId.make(1n) })
  return unsaved
}
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

/** The port's methods, each over the store's method of the same name: the one list of them. */
const ADAPTERS: {
  readonly [Method in keyof PromiseBackfillRepository]: (
    store: PromiseBackfillRepository
  ) => BackfillRepository["Type"][Method]
} = {
  insertUnlessOverlapping: (store) => (access, backfill, idempotency) =>
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
    ),
  findForTeam:
    (store) =>
    ({ teamId }, id) =>
      Effect.flatMap(
        portCall(() => store.findForTeam(String(teamId), String(id))),
        fromNullablePlain
      ),
  latestForTransfer:
    (store) =>
    ({ teamId }, transferId) =>
      Effect.flatMap(
        portCall(() => store.latestForTransfer(String(teamId), String(transferId))),
        fromNullablePlain
      ),
  activeOverlapping:
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
      ),
  listForTeam:
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
      ),
  cancel: (store) => (access, id, time, idempotency) =>
    Effect.flatMap(
      portCall(() =>
        store.cancel(
          String(access.teamId),
          String(id),
          { timeMillis: time * 1000, userId: String(access.principal.userId) },
          ...optional(toPlainKey(access, idempotency))
        )
      ),
      (outcome): Effect.Effect<Backfill, UnknownBackfill | IllegalTransition | IdempotencyRefused> =>
        outcome === null || outcome === undefined
          ? Effect.fail(new UnknownBackfill({ backfillId: id }))
          : (keyAnswer(outcome) ??
            ("cancelled" in outcome
              ? fromPlain(outcome.cancelled)
              : "refusedFrom" in outcome
                ? Effect.fail(new IllegalTransition({ from: outcome.refusedFrom, event: "Cancelled" }))
                : Effect.dieMessage("The store answered a cancel with neither cancelled nor refusedFrom")))
    ),
  retry: (store) => (access, id, days, idempotency) =>
    Effect.flatMap(
      portCall(() =>
        store.retry(
          String(access.teamId),
          String(id),
          Option.getOrNull(Option.map(days, (chosen) => [...chosen])),
          ...optional(toPlainKey(access, idempotency))
        )
      ),
      (outcome): Effect.Effect<Backfill, RetryRefused | IdempotencyRefused> => {
        if (outcome === null || outcome === undefined) return Effect.fail(new UnknownBackfill({ backfillId: id }))
        const answered = keyAnswer(outcome)
        if (answered !== undefined) return answered
        if ("retried" in outcome) return fromPlain(outcome.retried)
        if ("refusedFrom" in outcome) {
          return Effect.fail(new IllegalTransition({ from: outcome.refusedFrom, event: "FailedDaysRetried" }))
        }
        if ("notFailed" in outcome) {
          return Effect.flatMap(
            Effect.orDie(Schema.decodeUnknown(Schema.NonEmptyArray(CalendarDate))(outcome.notFailed)),
            (notFailed) => Effect.fail(new DaysNotFailed({ backfillId: id, days: notFailed }))
          )
        }
        if ("noFailedDays" in outcome) return Effect.fail(new NoFailedDays({ backfillId: id }))
        return Effect.dieMessage("The store answered a retry with none of its answers")
      }
    ),
  runsOf:
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
}

/**
 * Every method a Promise repository implements: a store written for an earlier release
 * lacks some, which `createPromiseApi` says at once.
 */
export const PROMISE_REPOSITORY_METHODS = Object.keys(ADAPTERS) as ReadonlyArray<keyof PromiseBackfillRepository>

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
      PROMISE_REPOSITORY_METHODS.map((method) => [method, ADAPTERS[method](store)])
    ) as unknown as BackfillRepository["Type"]
  })
