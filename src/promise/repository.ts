/**
 * The API's repository port over plain async functions, for hosts that keep backfills in
 * a store of their own without Effect. Every value crosses as a plain one (`plain.ts`)
 * and is checked on its way back: a store that returns nonsense is a defect (a bare 500),
 * a store that rejects is unavailable (503).
 */
import { Effect, Layer, Option, Schema } from "effect"
import type { WriteAccess } from "../domain/access.js"
import type { Backfill, UnsavedBackfill } from "../domain/backfill.js"
import { CalendarDate } from "../domain/calendarDate.js"
import { ServiceUnavailable } from "../domain/errors.js"
import {
  IdempotencyKeyInFlight,
  IdempotencyKeyReused,
  type IdempotencyRefused,
  type IdempotentRequest
} from "../domain/idempotency.js"
import { BackfillId } from "../domain/ids.js"
import type { RunState } from "../domain/runs.js"
import { type BackfillStatus, IllegalTransition } from "../domain/status.js"
import { DaysNotFailed, NoFailedDays, UnknownBackfill } from "../domain/workerErrors.js"
import { ActiveRangeOverlap, BackfillRepository, type RetryRefused } from "../ports/backfillRepository.js"
import {
  BackfillFromPlain,
  DayRunFromPlain,
  type PlainBackfill,
  type PlainDayRun,
  type PlainUnsavedBackfill
} from "./plain.js"

/** A trailing optional argument, passed only when there is one, so a store sees exactly what it was given. */
const optional = <A>(value: A | undefined): [] | [A] => (value === undefined ? [] : [value])

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
 * Which page of a backfill's ledger: runs in `states`, with a day before `beforeDay` when
 * set, latest day first, at most `limit`.
 *
 * @since 0.2.0
 * @category models
 */
export interface PlainRunPageQuery {
  readonly states: ReadonlyArray<RunState>
  readonly beforeDay: string | null
  readonly limit: number
}

/**
 * What a keyed change asks the store to keep with it (see `IdempotentRequest`): the key,
 * which user sent it (the team is the call's), the request it names, the time of the
 * request, and until when the key holds.
 *
 * @since 0.2.0
 * @category models
 */
export interface PlainIdempotentRequest {
  readonly key: string
  readonly userId: string
  readonly fingerprint: string
  readonly timeMillis: number
  readonly expiresAtMillis: number
}

/**
 * How a store answers a keyed change without making it: the backfill the key's first
 * request answered (same fingerprint, key not expired), or why the key cannot be used
 * (`reused` with another fingerprint; `in-flight` while its first request is still in the
 * store's hands, for a store that can tell).
 *
 * @since 0.2.0
 * @category models
 */
export type PlainKeyAnswer = { readonly replayed: PlainBackfill } | { readonly idempotencyKey: "reused" | "in-flight" }

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
   *
   * With `idempotency`, the key is part of the same step: when the user already used it
   * in the team and it has not expired, nothing is stored and the answer is a
   * `PlainKeyAnswer`; otherwise the backfill is stored and the key with it (its answer is
   * the inserted backfill), or neither. The same holds for `cancel` and `retry`.
   */
  readonly insertUnlessOverlapping: (
    teamId: string,
    backfill: PlainUnsavedBackfill,
    idempotency?: PlainIdempotentRequest
  ) => Promise<{ readonly inserted: PlainBackfill } | { readonly conflicting: PlainBackfill } | PlainKeyAnswer>
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
    removal: { readonly timeMillis: number; readonly userId: string },
    idempotency?: PlainIdempotentRequest
  ) => Promise<
    { readonly cancelled: PlainBackfill } | { readonly refusedFrom: BackfillStatus } | PlainKeyAnswer | null | undefined
  >
  /**
   * Retries failed days of the team's backfill in one atomic step (see
   * `Lifecycle.retryDays`): those of `days`, or every failed day for `null`; each retried
   * run pending again with one more attempt. Refuses a cancelled backfill
   * (`refusedFrom`), days that have not failed (`notFailed`, in date order), or a backfill
   * without failed days (`noFailedDays`); none when there is no such backfill.
   */
  readonly retry: (
    teamId: string,
    backfillId: string,
    days: ReadonlyArray<string> | null,
    idempotency?: PlainIdempotentRequest
  ) => Promise<
    | { readonly retried: PlainBackfill }
    | { readonly refusedFrom: BackfillStatus }
    | { readonly notFailed: ReadonlyArray<string> }
    | { readonly noFailedDays: true }
    | PlainKeyAnswer
    | null
    | undefined
  >
  /** The runs of the team's backfill in the page (none for another team's), latest day first. */
  readonly runsOf: (teamId: string, backfillId: string, page: PlainRunPageQuery) => Promise<ReadonlyArray<PlainDayRun>>
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
      insertUnlessOverlapping: (access, backfill, idempotency) =>
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
      cancel: (access, id, time, idempotency) =>
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
      retry: (access, id, days, idempotency) =>
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
      runsOf: ({ teamId }, id, page) =>
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
  })
