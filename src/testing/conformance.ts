/**
 * The repository conformance suite: every promise of the `BackfillRepository` port as a
 * test. A host calls it from a vitest file with a layer that builds a fresh, empty
 * repository (each test provides the layer anew):
 *
 * ```ts
 * import { backfillRepositoryConformance } from "transfer-backfills/testing/conformance"
 * backfillRepositoryConformance("my SQL repository", layerMyRepository)
 * ```
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, type Layer, Option } from "effect"
import { authorize, type Principal } from "../domain/access.js"
import { type Backfill, newBackfill, type Removal, type UnsavedBackfill } from "../domain/backfill.js"
import type { CalendarDate } from "../domain/calendarDate.js"
import { type DateRange, makeDateRange, overlaps } from "../domain/dateRange.js"
import { IdempotencyKey, type IdempotentRequest } from "../domain/idempotency.js"
import { BackfillId, TeamId, TransferId, UserId } from "../domain/ids.js"
import { completed, type DayRun, failed, type Lease, type RunOutcome, RunState, WorkerId } from "../domain/runs.js"
import { ACTIVE_STATUSES, isActive } from "../domain/status.js"
import { epochSecondsFromMillis } from "../domain/time.js"
import { BackfillRepository, type PageQuery, type RunPageQuery, WorkerRepository } from "../ports/backfillRepository.js"

const TEAM = TeamId.make(1n)
const OTHER_TEAM = TeamId.make(2n)
const TRANSFER = TransferId.make(10n)
const OTHER_TRANSFER = TransferId.make(11n)
const USER = UserId.make(789n)
/** 2024-02-01T09:00:00Z */
const T0 = 1706778000000
const LEASE_MS = 30_000

const range = (start: string, end: string): DateRange =>
  Either.getOrThrow(makeDateRange(start as CalendarDate, end as CalendarDate))

const day = (text: string) => text as CalendarDate

const worker = (name: string) => WorkerId.make(name)

/** A caller of every team the suite uses, allowed to write: the evidence the API port asks for. */
const OPERATOR: Principal = {
  userId: USER,
  teamIds: [TEAM, OTHER_TEAM, TeamId.make(3n)],
  scopes: ["dwh_transfers_write"],
  permissions: ["dwh.transfer.edit"]
}

const accessTo = (teamId: TeamId, principal: Principal = OPERATOR) =>
  Either.getOrThrow(authorize(principal, teamId, "write"))

/** A key's request as an operation would pass it: `fingerprint` names the request, the key holds for a day from `nowMillis`. */
const keyed = (key: string, fingerprint: string, nowMillis = T0, lifetimeMillis = 86_400_000): IdempotentRequest => ({
  key: IdempotencyKey.make(key),
  fingerprint,
  now: epochSecondsFromMillis(nowMillis),
  expiresAt: epochSecondsFromMillis(nowMillis + lifetimeMillis)
})

const ALL_RUNS: RunPageQuery = { states: RunState.literals, before: Option.none(), limit: 1000 }

/** The API's port of the store under test, its methods acting for a team (the suite's own unless told otherwise). */
const apiRepository = Effect.map(BackfillRepository, (api) => ({
  insertUnlessOverlapping: (
    teamId: TeamId,
    backfill: UnsavedBackfill,
    idempotency?: IdempotentRequest,
    principal: Principal = OPERATOR
  ) =>
    idempotency === undefined
      ? api.insertUnlessOverlapping(accessTo(teamId, principal), backfill)
      : api.insertUnlessOverlapping(accessTo(teamId, principal), backfill, idempotency),
  findForTeam: (teamId: TeamId, id: BackfillId) => api.findForTeam(accessTo(teamId), id),
  latestForTransfer: (transferId: TransferId, teamId: TeamId = TEAM) =>
    api.latestForTransfer(accessTo(teamId), transferId),
  listForTeam: (teamId: TeamId, query: PageQuery) => api.listForTeam(accessTo(teamId), query),
  activeOverlapping: (teamId: TeamId, transferId: TransferId, dates: DateRange) =>
    api.activeOverlapping(accessTo(teamId), transferId, dates),
  cancel: (id: BackfillId, removal: Removal, teamId: TeamId = TEAM, idempotency?: IdempotentRequest) =>
    idempotency === undefined
      ? api.cancel(accessTo(teamId, { ...OPERATOR, userId: removal.userId }), id, removal.time)
      : api.cancel(accessTo(teamId, { ...OPERATOR, userId: removal.userId }), id, removal.time, idempotency),
  retry: (
    id: BackfillId,
    days: ReadonlyArray<string> | null = null,
    teamId: TeamId = TEAM,
    idempotency?: IdempotentRequest
  ) => {
    const chosen = Option.fromNullable(days as ReadonlyArray<CalendarDate> | null)
    return idempotency === undefined
      ? api.retry(accessTo(teamId), id, chosen)
      : api.retry(accessTo(teamId), id, chosen, idempotency)
  },
  runsOf: (id: BackfillId, query: RunPageQuery = ALL_RUNS, teamId: TeamId = TEAM) =>
    api.runsOf(accessTo(teamId), id, query)
}))

/** Both ports of the store under test as one, as the tests read best. */
const repository = Effect.map(Effect.all([apiRepository, WorkerRepository]), ([api, worker]) => ({
  ...worker,
  ...api
}))

/**
 * What the worker half of the suite needs of a store: both ports, `BackfillRepository` and
 * `WorkerRepository`, over the same data.
 *
 * @since 0.1.0
 * @category models
 */
export type Repositories = BackfillRepository | WorkerRepository

const insert = (
  start: string,
  end: string,
  options: {
    transferId?: TransferId
    teamId?: TeamId
    idempotency?: IdempotentRequest
    principal?: Principal
    createdMillis?: number
  } = {}
) =>
  Effect.flatMap(apiRepository, (repo) =>
    repo.insertUnlessOverlapping(
      options.teamId ?? TEAM,
      newBackfill({
        transferId: options.transferId ?? TRANSFER,
        range: range(start, end),
        createdTime: epochSecondsFromMillis(options.createdMillis ?? T0),
        createdUserId: options.principal?.userId ?? USER
      }),
      options.idempotency,
      options.principal
    )
  )

/** What the ledger shows of a backfill, compactly: day, state, attempts. */
const ledgerOf = (runs: ReadonlyArray<DayRun>) => runs.map((run) => `${run.day} ${run.state} ${run.attempts}`)

const find = (id: BackfillId) =>
  Effect.flatMap(apiRepository, (repo) => Effect.map(repo.findForTeam(TEAM, id), Option.getOrThrow))

const materialiseAll = (id: BackfillId) => Effect.flatMap(repository, (repo) => repo.materialiseRuns(id, 10_000))

const claim = (name: string, nowMillis = T0) =>
  Effect.flatMap(repository, (repo) => repo.claim(worker(name), nowMillis, LEASE_MS))

const claimed = (name: string, nowMillis = T0) => Effect.map(claim(name, nowMillis), Option.getOrThrow)

const startNext = (lease: Lease, nowMillis = T0) =>
  Effect.flatMap(repository, (repo) => repo.startNextRun(lease, nowMillis))

const report = (id: BackfillId, text: string, outcome: RunOutcome = completed, nowMillis = T0) =>
  Effect.flatMap(repository, (repo) => repo.recordOutcome(id, day(text), outcome, nowMillis))

/** Inserts a backfill, creates its runs and leases it: ready for runs to start. */
const readyToRun = (start: string, end: string, name = "worker-1") =>
  Effect.gen(function* () {
    const backfill = yield* insert(start, end)
    yield* materialiseAll(backfill.id)
    const lease = yield* claimed(name)
    return { backfill, lease }
  })

const errorTag = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.flip(effect), (error) => error._tag)

const tester =
  <R, E>(layer: Layer.Layer<R, E>) =>
  (title: string, body: () => Effect.Effect<void, unknown, R>, timeout?: number) =>
    it.live(title, () => Effect.provide(body(), layer), timeout)

/**
 * The API half: every promise of the `BackfillRepository` port that its own methods can
 * show, as vitest tests under `name`. `layer` builds a fresh, empty store (each test
 * provides it anew); it needs only the API's port, so a store written for API servers alone
 * (a Promise repository under `layerPromiseBackfillRepository`, say) runs it too. What a
 * store owes the API about backfills that workers moved on is in
 * `workerRepositoryConformance`.
 *
 * @example
 * ```ts
 * // test/repository.test.ts
 * import { layerPromiseBackfillRepository, type PromiseBackfillRepository } from "transfer-backfills/promise"
 * import { backfillRepositoryConformance } from "transfer-backfills/testing/conformance"
 *
 * declare const makeMyStore: () => PromiseBackfillRepository // a fresh, empty store on each call
 *
 * backfillRepositoryConformance("my store", layerPromiseBackfillRepository(makeMyStore))
 * ```
 *
 * @since 0.1.0
 * @category conformance
 */
export const backfillRepositoryConformance = <E>(name: string, layer: Layer.Layer<BackfillRepository, E>): void => {
  const test = tester(layer)

  describe(`${name} keeps the BackfillRepository contract`, () => {
    describe("inserts", () => {
      test("store what they return, with increasing ids, readable by the owning team only", () =>
        Effect.gen(function* () {
          const repo = yield* apiRepository
          const first = yield* insert("2024-01-01", "2024-01-31")
          const second = yield* insert("2024-01-01", "2024-01-31", { transferId: OTHER_TRANSFER, teamId: OTHER_TEAM })
          expect(second.id > first.id).toBe(true)
          expect(yield* repo.findForTeam(TEAM, first.id)).toEqual(Option.some(first))
          expect(yield* repo.findForTeam(OTHER_TEAM, first.id)).toEqual(Option.none())
          expect(yield* repo.findForTeam(TEAM, BackfillId.make(9223372036854775807n))).toEqual(Option.none())
        }))

      test("refuse a range sharing a day with an active backfill, naming it", () =>
        Effect.gen(function* () {
          const blocker = yield* insert("2024-01-10", "2024-01-20")
          const refused = yield* Effect.flip(insert("2024-01-20", "2024-01-25"))
          expect(refused._tag).toBe("ActiveRangeOverlap")
          if (refused._tag === "ActiveRangeOverlap") expect(refused.conflicting).toEqual(yield* find(blocker.id))
          expect(yield* errorTag(insert("2024-01-01", "2024-01-31"))).toBe("ActiveRangeOverlap")
          expect(yield* errorTag(insert("2024-01-15", "2024-01-15"))).toBe("ActiveRangeOverlap")
        }))

      test("accept adjacent ranges and other transfers' ranges", () =>
        Effect.gen(function* () {
          yield* insert("2024-01-10", "2024-01-20")
          yield* insert("2024-01-21", "2024-01-31")
          yield* insert("2024-01-01", "2024-01-09")
          yield* insert("2024-01-10", "2024-01-20", { transferId: OTHER_TRANSFER })
        }))

      test("accept a range again once its backfill is cancelled", () =>
        Effect.gen(function* () {
          const repo = yield* apiRepository
          const removal = { time: epochSecondsFromMillis(T0), userId: USER }
          const cancelled = yield* insert("2024-01-01", "2024-01-02")
          yield* repo.cancel(cancelled.id, removal)
          const current = yield* insert("2024-01-01", "2024-01-02")
          yield* Effect.either(repo.cancel(cancelled.id, removal))
          const refused = yield* Effect.flip(insert("2024-01-02", "2024-01-02"))
          expect(refused._tag === "ActiveRangeOverlap" && refused.conflicting.id).toBe(current.id)
        }))

      test(
        "check and insert atomically: concurrent overlapping inserts store pairwise disjoint ranges",
        () =>
          Effect.gen(function* () {
            const ranges = Array.from({ length: 60 }, (_, index) => {
              const start = 1 + ((index * 7) % 25)
              const end = Math.min(28, start + (index % 4))
              const pad = (n: number) => String(n).padStart(2, "0")
              return [`2024-01-${pad(start)}`, `2024-01-${pad(end)}`] as const
            })
            const outcomes = yield* Effect.all(
              ranges.map(([start, end]) => Effect.either(insert(start, end))),
              { concurrency: "unbounded" }
            )
            const stored: Array<Backfill> = []
            for (const [index, outcome] of outcomes.entries()) {
              const [start, end] = ranges[index] ?? ["", ""]
              if (Either.isRight(outcome)) {
                stored.push(outcome.right)
              } else {
                expect(outcome.left._tag).toBe("ActiveRangeOverlap")
                if (outcome.left._tag === "ActiveRangeOverlap") {
                  const conflicting = yield* find(outcome.left.conflicting.id)
                  expect(isActive(conflicting.status)).toBe(true)
                  expect(overlaps(conflicting.range, range(start, end))).toBe(true)
                }
              }
            }
            for (const [index, a] of stored.entries()) {
              for (const b of stored.slice(index + 1)) expect(overlaps(a.range, b.range)).toBe(false)
            }
            expect(stored.length).toBeGreaterThan(0)
          }),
        60_000
      )
    })

    describe("reads", () => {
      test("find the newest backfill of a transfer in any status, or none", () =>
        Effect.gen(function* () {
          const repo = yield* apiRepository
          expect(yield* repo.latestForTransfer(TRANSFER)).toEqual(Option.none())
          yield* insert("2024-01-01", "2024-01-02")
          const newest = yield* insert("2024-01-03", "2024-01-04")
          yield* insert("2024-01-05", "2024-01-06", { transferId: OTHER_TRANSFER })
          const cancelled = yield* repo.cancel(newest.id, { time: epochSecondsFromMillis(T0), userId: USER })
          expect(yield* repo.latestForTransfer(TRANSFER)).toEqual(Option.some(cancelled))
        }))

      test("find every active backfill of the transfer sharing a day with a range, by start", () =>
        Effect.gen(function* () {
          const repo = yield* apiRepository
          const early = yield* insert("2024-01-01", "2024-01-05")
          const late = yield* insert("2024-01-20", "2024-01-25")
          const gone = yield* insert("2024-01-10", "2024-01-12")
          yield* repo.cancel(gone.id, { time: epochSecondsFromMillis(T0), userId: USER })
          yield* insert("2024-01-08", "2024-01-09", { transferId: OTHER_TRANSFER })
          const overlapping = (from: string, to: string, teamId: TeamId = TEAM) =>
            Effect.map(repo.activeOverlapping(teamId, TRANSFER, range(from, to)), (found) =>
              found.map((backfill) => backfill.id)
            )
          expect(yield* overlapping("2024-01-05", "2024-01-20")).toEqual([early.id, late.id])
          expect(yield* overlapping("2024-01-06", "2024-01-19")).toEqual([])
          expect(yield* overlapping("2024-01-21", "2024-01-21")).toEqual([late.id])
          expect(yield* overlapping("2023-12-01", "2024-02-01", OTHER_TEAM)).toEqual([])
        }))

      test("list a team's backfills newest first, filtered by status, in pages that neither repeat nor skip", () =>
        Effect.gen(function* () {
          const repo = yield* apiRepository
          const ids: Array<BackfillId> = []
          for (let index = 1; index <= 9; index++) {
            const text = `2024-01-${String(index).padStart(2, "0")}`
            ids.push((yield* insert(text, text)).id)
          }
          yield* insert("2024-02-01", "2024-02-01", { transferId: OTHER_TRANSFER, teamId: OTHER_TEAM })
          const [cancelledId] = ids
          if (cancelledId === undefined) return
          yield* repo.cancel(cancelledId, { time: epochSecondsFromMillis(T0), userId: USER })
          const active = ACTIVE_STATUSES
          const seen: Array<BackfillId> = []
          let before = Option.none<BackfillId>()
          for (let pageNumber = 0; pageNumber < 10; pageNumber++) {
            const page = yield* repo.listForTeam(TEAM, { statuses: active, before, limit: 3 })
            if (pageNumber === 1) yield* insert("2024-03-01", "2024-03-01")
            if (page.length === 0) break
            seen.push(...page.map((backfill) => backfill.id))
            before = Option.some((page.at(-1) as Backfill).id)
          }
          expect(seen).toEqual(ids.slice(1).reverse())
          const onlyCancelled = yield* repo.listForTeam(TEAM, {
            statuses: ["CANCELLED"],
            before: Option.none(),
            limit: 100
          })
          expect(onlyCancelled.map((backfill) => backfill.id)).toEqual([cancelledId])
          expect(
            yield* repo.listForTeam(TeamId.make(3n), { statuses: active, before: Option.none(), limit: 100 })
          ).toEqual([])
        }))
    })

    describe("cancel", () => {
      test("sets CANCELLED with who and when", () =>
        Effect.gen(function* () {
          const repo = yield* apiRepository
          const backfill = yield* insert("2024-01-01", "2024-01-03")
          const removal = { time: epochSecondsFromMillis(T0 + 5000), userId: UserId.make(790n) }
          const cancelled = yield* repo.cancel(backfill.id, removal)
          expect(cancelled).toEqual({
            ...backfill,
            status: "CANCELLED",
            removal: Option.some(removal),
            endTime: Option.some(removal.time)
          })
          expect(yield* find(backfill.id)).toEqual(cancelled)
        }))

      test("refuses a final backfill and an unknown one", () =>
        Effect.gen(function* () {
          const repo = yield* apiRepository
          const backfill = yield* insert("2024-01-01", "2024-01-03")
          const removal = { time: epochSecondsFromMillis(T0), userId: USER }
          yield* repo.cancel(backfill.id, removal)
          expect(yield* errorTag(repo.cancel(backfill.id, removal))).toBe("IllegalTransition")
          expect(yield* errorTag(repo.cancel(BackfillId.make(424242n), removal))).toBe("UnknownBackfill")
          const others = yield* insert("2024-01-05", "2024-01-06")
          expect(yield* errorTag(repo.cancel(others.id, removal, OTHER_TEAM))).toBe("UnknownBackfill")
          expect((yield* find(others.id)).status).toBe("CREATED")
        }))

      test("lets exactly one of two concurrent cancels win", () =>
        Effect.gen(function* () {
          const repo = yield* apiRepository
          const backfill = yield* insert("2024-01-01", "2024-01-03")
          const removal = { time: epochSecondsFromMillis(T0), userId: USER }
          const outcomes = yield* Effect.all(
            [Effect.either(repo.cancel(backfill.id, removal)), Effect.either(repo.cancel(backfill.id, removal))],
            { concurrency: "unbounded" }
          )
          expect(outcomes.filter(Either.isRight)).toHaveLength(1)
        }))
    })

    describe("retry and the ledger, before any run exists", () => {
      test("refuse a retry with nothing to retry, naming days that have not failed", () =>
        Effect.gen(function* () {
          const repo = yield* apiRepository
          const backfill = yield* insert("2024-01-01", "2024-01-03")
          expect(yield* errorTag(repo.retry(backfill.id))).toBe("NoFailedDays")
          const named = yield* Effect.flip(repo.retry(backfill.id, ["2024-01-03", "2024-01-01", "2024-01-03"]))
          expect(named).toMatchObject({ _tag: "DaysNotFailed", days: ["2024-01-01", "2024-01-03"] })
          expect(yield* errorTag(repo.retry(backfill.id, null, OTHER_TEAM))).toBe("UnknownBackfill")
          yield* repo.cancel(backfill.id, { time: epochSecondsFromMillis(T0), userId: USER })
          expect(yield* errorTag(repo.retry(backfill.id))).toBe("IllegalTransition")
          expect(yield* find(backfill.id)).toMatchObject({ status: "CANCELLED", runs: { failed: 0 } })
        }))

      test("show no runs for a backfill without any, nor for another team's", () =>
        Effect.gen(function* () {
          const repo = yield* apiRepository
          const backfill = yield* insert("2024-01-01", "2024-01-03")
          expect(yield* repo.runsOf(backfill.id)).toEqual([])
          expect(yield* repo.runsOf(backfill.id, ALL_RUNS, OTHER_TEAM)).toEqual([])
        }))
    })

    describe("idempotency keys", () => {
      test("replay the first answer for the same request, and change nothing more", () =>
        Effect.gen(function* () {
          const repo = yield* apiRepository
          const key = keyed("create-1", "POST /teams/1/transfers/10/backfills january")
          const first = yield* insert("2024-01-01", "2024-01-31", { idempotency: key })
          const again = yield* insert("2024-01-01", "2024-01-31", { idempotency: key, createdMillis: T0 + 5000 })
          expect(again).toEqual(first)
          const page = yield* repo.listForTeam(TEAM, { statuses: ACTIVE_STATUSES, before: Option.none(), limit: 100 })
          expect(page.map((backfill) => backfill.id)).toEqual([first.id])
        }))

      test("refuse a key first used with another request, storing nothing", () =>
        Effect.gen(function* () {
          const repo = yield* apiRepository
          yield* insert("2024-01-01", "2024-01-31", { idempotency: keyed("k", "january") })
          const reused = yield* Effect.flip(insert("2024-03-01", "2024-03-31", { idempotency: keyed("k", "march") }))
          expect(reused._tag).toBe("IdempotencyKeyReused")
          const page = yield* repo.listForTeam(TEAM, { statuses: ACTIVE_STATUSES, before: Option.none(), limit: 100 })
          expect(page).toHaveLength(1)
        }))

      test("keep each user's keys in each team apart", () =>
        Effect.gen(function* () {
          const other = { ...OPERATOR, userId: UserId.make(790n) }
          const mine = yield* insert("2024-01-01", "2024-01-02", { idempotency: keyed("shared", "a") })
          const theirs = yield* insert("2024-01-03", "2024-01-04", {
            idempotency: keyed("shared", "b"),
            principal: other
          })
          const elsewhere = yield* insert("2024-01-05", "2024-01-06", {
            idempotency: keyed("shared", "c"),
            teamId: OTHER_TEAM
          })
          expect(new Set([mine.id, theirs.id, elsewhere.id]).size).toBe(3)
        }))

      test("forget a key once it expires", () =>
        Effect.gen(function* () {
          const first = yield* insert("2024-01-01", "2024-01-02", { idempotency: keyed("short", "a", T0, 10_000) })
          const later = T0 + 10_000
          const second = yield* insert("2024-01-03", "2024-01-04", { idempotency: keyed("short", "b", later, 10_000) })
          expect(second.id > first.id).toBe(true)
          const replay = yield* insert("2024-01-03", "2024-01-04", {
            idempotency: keyed("short", "b", later + 1, 10_000)
          })
          expect(replay).toEqual(second)
        }))

      test("store no key for a change the store refused", () =>
        Effect.gen(function* () {
          const repo = yield* apiRepository
          const blocker = yield* insert("2024-01-10", "2024-01-20")
          const key = keyed("after-conflict", "january")
          expect(yield* errorTag(insert("2024-01-01", "2024-01-31", { idempotency: key }))).toBe("ActiveRangeOverlap")
          yield* repo.cancel(blocker.id, { time: epochSecondsFromMillis(T0), userId: USER })
          const created = yield* insert("2024-01-01", "2024-01-31", { idempotency: key })
          expect(created.range).toEqual(range("2024-01-01", "2024-01-31"))
        }))

      test("replay a cancel where a repeated cancel would be refused", () =>
        Effect.gen(function* () {
          const repo = yield* apiRepository
          const backfill = yield* insert("2024-01-01", "2024-01-03")
          const removal = { time: epochSecondsFromMillis(T0), userId: USER }
          const key = keyed("cancel-1", `PATCH /teams/1/backfills/${backfill.id}`)
          const cancelled = yield* repo.cancel(backfill.id, removal, TEAM, key)
          expect(
            yield* repo.cancel(backfill.id, { ...removal, time: epochSecondsFromMillis(T0 + 9000) }, TEAM, key)
          ).toEqual(cancelled)
          expect(yield* errorTag(repo.cancel(backfill.id, removal))).toBe("IllegalTransition")
        }))

      test(
        "make one change of many concurrent requests with one key, and answer each with it or as in flight",
        () =>
          Effect.gen(function* () {
            const repo = yield* apiRepository
            const key = keyed("burst", "january")
            const outcomes = yield* Effect.all(
              Array.from({ length: 30 }, () => Effect.either(insert("2024-01-01", "2024-01-31", { idempotency: key }))),
              { concurrency: "unbounded" }
            )
            const answered = outcomes.filter(Either.isRight).map((outcome) => outcome.right)
            expect(new Set(answered.map((backfill) => backfill.id)).size).toBe(1)
            for (const outcome of outcomes) {
              if (Either.isLeft(outcome)) expect(outcome.left._tag).toBe("IdempotencyKeyInFlight")
            }
            const page = yield* repo.listForTeam(TEAM, { statuses: ACTIVE_STATUSES, before: Option.none(), limit: 100 })
            expect(page.map((backfill) => backfill.id)).toEqual([answered[0]?.id])
            expect(yield* insert("2024-01-01", "2024-01-31", { idempotency: key })).toEqual(answered[0])
          }),
        60_000
      )
    })
  })
}

/**
 * The worker half: every promise of the `WorkerRepository` port, and what the API sees of
 * the workers' changes, on the same kind of layer as `backfillRepositoryConformance` with
 * both ports. A store that serves workers runs both halves.
 *
 * @example
 * ```ts
 * // test/repository.test.ts
 * import type { Layer } from "effect"
 * import {
 *   backfillRepositoryConformance,
 *   type Repositories,
 *   workerRepositoryConformance
 * } from "transfer-backfills/testing/conformance"
 *
 * declare const layerMyRepository: Layer.Layer<Repositories> // builds a fresh, empty store each time
 *
 * backfillRepositoryConformance("my SQL repository", layerMyRepository)
 * workerRepositoryConformance("my SQL repository", layerMyRepository)
 * ```
 *
 * @since 0.1.0
 * @category conformance
 */
export const workerRepositoryConformance = <E>(name: string, layer: Layer.Layer<Repositories, E>): void => {
  const test = tester(layer)

  describe(`${name} keeps the WorkerRepository contract`, () => {
    describe("as the API sees what workers did", () => {
      test("an overlap names the active backfill as it now stands", () =>
        Effect.gen(function* () {
          const blocker = yield* insert("2024-01-10", "2024-01-20")
          yield* materialiseAll(blocker.id)
          const refused = yield* Effect.flip(insert("2024-01-20", "2024-01-25"))
          expect(refused._tag === "ActiveRangeOverlap" && refused.conflicting).toEqual(yield* find(blocker.id))
          expect(refused._tag === "ActiveRangeOverlap" && refused.conflicting.status).toBe("SCHEDULED")
        }))

      test("a completed backfill blocks nothing", () =>
        Effect.gen(function* () {
          const done = yield* insert("2024-01-01", "2024-01-02")
          yield* materialiseAll(done.id)
          const lease = yield* claimed("w")
          expect(lease.backfillId).toBe(done.id)
          yield* report(done.id, "2024-01-01")
          const finished = (yield* report(done.id, "2024-01-02")).backfill
          expect(finished.status).toBe("COMPLETED")
          yield* insert("2024-01-01", "2024-01-02")
        }))

      test("a new backfill keeps blocking after an old one on the same days is cancelled and touched again", () =>
        Effect.gen(function* () {
          const repo = yield* repository
          const removal = { time: epochSecondsFromMillis(T0), userId: USER }
          const old = yield* insert("2024-01-01", "2024-01-05")
          yield* repo.cancel(old.id, removal)
          const current = yield* insert("2024-01-01", "2024-01-05")
          yield* repo.materialiseRuns(old.id, 10)
          yield* Effect.either(repo.cancel(old.id, removal))
          yield* Effect.either(repo.retryFailedDays(old.id))
          const refused = yield* Effect.flip(insert("2024-01-03", "2024-01-03"))
          expect(refused._tag === "ActiveRangeOverlap" && refused.conflicting.id).toBe(current.id)
        }))

      test("a cancel drops pending runs and counts the late outcome of a running one", () =>
        Effect.gen(function* () {
          const repo = yield* repository
          const { backfill, lease } = yield* readyToRun("2024-01-01", "2024-01-03")
          const run = Option.getOrThrow(yield* startNext(lease))
          const removal = { time: epochSecondsFromMillis(T0 + 5000), userId: UserId.make(790n) }
          const cancelled = yield* repo.cancel(backfill.id, removal)
          expect(cancelled).toMatchObject({
            status: "CANCELLED",
            removal: Option.some(removal),
            endTime: Option.some(removal.time)
          })
          expect(yield* errorTag(report(backfill.id, "2024-01-02"))).toBe("RunDropped")
          const late = yield* report(backfill.id, run.day, failed("stopped"))
          expect(late.counted).toBe(true)
          expect(late.backfill.status).toBe("CANCELLED")
          expect(late.backfill.runs).toMatchObject({ created: 3, failed: 1, completed: 0 })
          expect(yield* startNext(lease)).toEqual(Option.none())
        }))
    })

    describe("materialising", () => {
      test("creates runs batch by batch, then SCHEDULED; repeating creates nothing twice", () =>
        Effect.gen(function* () {
          const repo = yield* repository
          const backfill = yield* insert("2024-01-01", "2024-01-10")
          expect((yield* repo.materialiseRuns(backfill.id, 4)).runs.created).toBe(4)
          expect((yield* repo.materialiseRuns(backfill.id, 4)).runs.created).toBe(8)
          const done = yield* repo.materialiseRuns(backfill.id, 4)
          expect(done.runs.created).toBe(10)
          expect(done.status).toBe("SCHEDULED")
          expect(yield* repo.materialiseRuns(backfill.id, 4)).toEqual(done)
          expect(yield* errorTag(repo.materialiseRuns(BackfillId.make(424242n), 1))).toBe("UnknownBackfill")
        }))

      test("are refused outcomes for days not yet created", () =>
        Effect.gen(function* () {
          const repo = yield* repository
          const backfill = yield* insert("2024-01-01", "2024-01-10")
          yield* repo.materialiseRuns(backfill.id, 2)
          expect(yield* errorTag(report(backfill.id, "2024-01-05"))).toBe("RunNotMaterialised")
          expect(yield* errorTag(report(backfill.id, "2024-01-11"))).toBe("DayOutsideRange")
        }))
    })

    describe("leases", () => {
      test("hand out the oldest backfill with work first, and nothing when none has work", () =>
        Effect.gen(function* () {
          expect(yield* claim("w")).toEqual(Option.none())
          const older = yield* insert("2024-01-01", "2024-01-02")
          const newer = yield* insert("2024-01-03", "2024-01-04")
          expect((yield* claimed("a")).backfillId).toBe(older.id)
          expect((yield* claimed("b")).backfillId).toBe(newer.id)
          expect(yield* claim("c")).toEqual(Option.none())
        }))

      test("never give one backfill to two workers at once, however many claim together", () =>
        Effect.gen(function* () {
          for (let index = 1; index <= 5; index++) {
            const text = `2024-01-0${index}`
            yield* insert(text, text)
          }
          const claims = yield* Effect.all(
            Array.from({ length: 12 }, (_, index) => claim(`worker-${index}`)),
            { concurrency: "unbounded" }
          )
          const leased = claims.flatMap(Option.toArray).map((lease) => lease.backfillId)
          expect(leased).toHaveLength(5)
          expect(new Set(leased).size).toBe(5)
        }))

      test("let another worker take over once a lease expires, and fence the one that lost it", () =>
        Effect.gen(function* () {
          const repo = yield* repository
          const { backfill, lease } = yield* readyToRun("2024-01-01", "2024-01-03", "slow")
          const run = Option.getOrThrow(yield* startNext(lease))
          expect(yield* claim("eager", T0 + LEASE_MS - 1)).toEqual(Option.none())
          const takeover = yield* claimed("eager", T0 + LEASE_MS)
          expect(takeover.backfillId).toBe(backfill.id)
          expect(takeover.fence > lease.fence).toBe(true)
          expect(yield* errorTag(repo.renewLease(lease, T0 + LEASE_MS, LEASE_MS))).toBe("LeaseLost")
          expect(yield* errorTag(startNext(lease, T0 + LEASE_MS))).toBe("LeaseLost")
          const retaken = Option.getOrThrow(yield* startNext(takeover, T0 + LEASE_MS))
          expect(retaken.day).toBe(run.day)
          yield* repo.releaseLease(lease)
          const kept = yield* repo.renewLease(takeover, T0 + LEASE_MS, LEASE_MS)
          expect(kept.fence).toBe(takeover.fence)
        }))

      test("give a worker back the lease it still holds before any other backfill, and reset its running days", () =>
        Effect.gen(function* () {
          const repo = yield* repository
          const older = yield* insert("2024-01-01", "2024-01-02")
          const newer = yield* insert("2024-01-05", "2024-01-06")
          yield* materialiseAll(newer.id)
          const onOlder = yield* claimed("x")
          const held = yield* claimed("w")
          expect([onOlder.backfillId, held.backfillId]).toEqual([older.id, newer.id])
          const running = Option.getOrThrow(yield* startNext(held))
          yield* repo.releaseLease(onOlder)
          const retaken = yield* claimed("w", T0 + 1000)
          expect(retaken.backfillId).toBe(newer.id)
          expect(retaken.fence > held.fence).toBe(true)
          expect(yield* errorTag(repo.renewLease(held, T0 + 1000, LEASE_MS))).toBe("LeaseLost")
          expect(Option.getOrThrow(yield* startNext(retaken, T0 + 1000)).day).toBe(running.day)
          expect(yield* claim("y", T0 + 1000)).toEqual(Option.some(expect.objectContaining({ backfillId: older.id })))
        }))

      test("count an outcome given with a lease only while that lease is the latest claim", () =>
        Effect.gen(function* () {
          const repo = yield* repository
          const { backfill, lease } = yield* readyToRun("2024-01-01", "2024-01-03", "first")
          yield* startNext(lease)
          const fenced = (text: string, holder: Lease) =>
            repo.recordOutcome(backfill.id, day(text), completed, T0, holder)
          expect((yield* fenced("2024-01-01", lease)).counted).toBe(true)
          const takeover = yield* claimed("second", T0 + LEASE_MS)
          expect(yield* errorTag(fenced("2024-01-02", lease))).toBe("LeaseLost")
          expect((yield* find(backfill.id)).runs.completed).toBe(1)
          expect((yield* fenced("2024-01-02", takeover)).counted).toBe(true)
          expect((yield* report(backfill.id, "2024-01-03")).counted).toBe(true)
          expect((yield* find(backfill.id)).runs.completed).toBe(3)
        }))

      test("refuse runs under an expired lease until it is renewed", () =>
        Effect.gen(function* () {
          const repo = yield* repository
          const { lease } = yield* readyToRun("2024-01-01", "2024-01-03")
          expect(yield* errorTag(startNext(lease, T0 + LEASE_MS))).toBe("LeaseLost")
          const renewed = yield* repo.renewLease(lease, T0 + LEASE_MS, LEASE_MS)
          expect(renewed.expiresAtMillis).toBe(T0 + 2 * LEASE_MS)
          expect(Option.isSome(yield* startNext(renewed, T0 + LEASE_MS))).toBe(true)
        }))

      test("free a backfill on release", () =>
        Effect.gen(function* () {
          const repo = yield* repository
          const { backfill, lease } = yield* readyToRun("2024-01-01", "2024-01-03")
          yield* repo.releaseLease(lease)
          const next = yield* claimed("other")
          expect(next.backfillId).toBe(backfill.id)
          yield* repo.releaseLease(lease)
          expect(yield* errorTag(repo.renewLease(lease, T0, LEASE_MS))).toBe("LeaseLost")
        }))
    })

    describe("runs and outcomes", () => {
      test("start days newest first, make the backfill RUNNING and set start_time once", () =>
        Effect.gen(function* () {
          const { lease } = yield* readyToRun("2024-01-01", "2024-01-03")
          const first = Option.getOrThrow(yield* startNext(lease, T0 + 1000))
          expect(first.day).toBe("2024-01-03")
          expect(first.backfill.status).toBe("RUNNING")
          expect(first.backfill.startTime).toEqual(Option.some(epochSecondsFromMillis(T0 + 1000)))
          const second = Option.getOrThrow(yield* startNext(lease, T0 + 9000))
          expect(second.day).toBe("2024-01-02")
          expect(second.backfill.startTime).toEqual(first.backfill.startTime)
          expect(Option.getOrThrow(yield* startNext(lease)).day).toBe("2024-01-01")
          expect(yield* startNext(lease)).toEqual(Option.none())
        }))

      test("count each day once, even when the same outcome is reported concurrently", () =>
        Effect.gen(function* () {
          const { backfill, lease } = yield* readyToRun("2024-01-01", "2024-01-05")
          yield* startNext(lease)
          const reports = yield* Effect.all(
            Array.from({ length: 20 }, (_, index) =>
              report(backfill.id, `2024-01-0${(index % 5) + 1}`, index % 5 === 2 ? failed("boom") : completed)
            ),
            { concurrency: "unbounded" }
          )
          expect(reports.filter((result) => result.counted)).toHaveLength(5)
          const final = yield* find(backfill.id)
          expect(final.runs).toEqual({ total: 5, created: 5, completed: 4, failed: 1 })
          expect(final.errorReport).toEqual([{ day: "2024-01-03", error: "boom" }])
          expect(final.status).toBe("FAILED")
        }))

      test("finish COMPLETED with end_time when the last day completes", () =>
        Effect.gen(function* () {
          const { backfill, lease } = yield* readyToRun("2024-01-01", "2024-01-02")
          yield* startNext(lease)
          yield* report(backfill.id, "2024-01-01")
          const last = yield* report(backfill.id, "2024-01-02", completed, T0 + 60_000)
          expect(last.backfill.status).toBe("COMPLETED")
          expect(last.backfill.endTime).toEqual(Option.some(epochSecondsFromMillis(T0 + 60_000)))
          expect(yield* claim("w2")).toEqual(Option.none())
        }))

      test("keep error texts to 1,000 characters", () =>
        Effect.gen(function* () {
          const { backfill, lease } = yield* readyToRun("2024-01-01", "2024-01-02")
          yield* startNext(lease)
          const result = yield* report(backfill.id, "2024-01-01", failed("e".repeat(3000)))
          expect(result.backfill.errorReport[0]?.error).toBe("e".repeat(1000))
        }))

      test("retry the failed days of a FAILED backfill, which keeps its range meanwhile", () =>
        Effect.gen(function* () {
          const repo = yield* repository
          const { backfill, lease } = yield* readyToRun("2024-01-01", "2024-01-03")
          yield* startNext(lease)
          yield* report(backfill.id, "2024-01-01", failed("a"))
          yield* report(backfill.id, "2024-01-02")
          const failedBackfill = (yield* report(backfill.id, "2024-01-03", failed("c"))).backfill
          expect(failedBackfill.status).toBe("FAILED")
          expect(yield* errorTag(insert("2024-01-03", "2024-01-05"))).toBe("ActiveRangeOverlap")
          yield* repo.releaseLease(lease)
          const retried = yield* repo.retryFailedDays(backfill.id)
          expect(retried).toMatchObject({ status: "SCHEDULED", errorReport: [], endTime: Option.none() })
          expect(retried.runs).toEqual({ total: 3, created: 3, completed: 1, failed: 0 })
          expect(yield* errorTag(insert("2024-01-03", "2024-01-05"))).toBe("ActiveRangeOverlap")
          expect(yield* errorTag(repo.retryFailedDays(backfill.id))).toBe("IllegalTransition")
          const again = yield* claimed("w2")
          expect(Option.getOrThrow(yield* startNext(again)).day).toBe("2024-01-03")
          expect(Option.getOrThrow(yield* startNext(again)).day).toBe("2024-01-01")
          yield* report(backfill.id, "2024-01-01")
          const done = (yield* report(backfill.id, "2024-01-03")).backfill
          expect(done).toMatchObject({ status: "COMPLETED", runs: { total: 3, created: 3, completed: 3, failed: 0 } })
        }))
    })

    describe("the ledger", () => {
      const at = (millis: number) => Option.some(epochSecondsFromMillis(millis))

      test("shows every run, latest day first, with its attempt, times and error", () =>
        Effect.gen(function* () {
          const repo = yield* repository
          const { backfill, lease } = yield* readyToRun("2024-01-01", "2024-01-04")
          yield* startNext(lease, T0 + 1000)
          yield* startNext(lease, T0 + 2000)
          yield* report(backfill.id, "2024-01-04", completed, T0 + 3000)
          yield* report(backfill.id, "2024-01-01", failed("no data"), T0 + 4000)
          const runs = yield* repo.runsOf(backfill.id)
          const none = Option.none()
          expect(runs).toEqual([
            {
              day: "2024-01-04",
              state: "completed",
              attempts: 1,
              startedTime: at(T0 + 1000),
              endedTime: at(T0 + 3000),
              error: none
            },
            {
              day: "2024-01-03",
              state: "running",
              attempts: 1,
              startedTime: at(T0 + 2000),
              endedTime: none,
              error: none
            },
            { day: "2024-01-02", state: "pending", attempts: 1, startedTime: none, endedTime: none, error: none },
            {
              day: "2024-01-01",
              state: "failed",
              attempts: 1,
              startedTime: at(T0 + 4000),
              endedTime: at(T0 + 4000),
              error: Option.some("no data")
            }
          ])
        }))

      test("pages by day, filtered by state", () =>
        Effect.gen(function* () {
          const repo = yield* repository
          const { backfill, lease } = yield* readyToRun("2024-01-01", "2024-01-06")
          for (const text of ["2024-01-06", "2024-01-04", "2024-01-02"]) yield* report(backfill.id, text)
          yield* startNext(lease)
          const page = (states: ReadonlyArray<RunState>, before: string | undefined, limit: number) =>
            Effect.map(
              repo.runsOf(backfill.id, {
                states,
                before: Option.fromNullable(before as CalendarDate | undefined),
                limit
              }),
              (runs) => runs.map((run) => run.day)
            )
          expect(yield* page(["completed"], undefined, 2)).toEqual(["2024-01-06", "2024-01-04"])
          expect(yield* page(["completed"], "2024-01-04", 2)).toEqual(["2024-01-02"])
          expect(yield* page(["pending", "running"], undefined, 10)).toEqual(["2024-01-05", "2024-01-03", "2024-01-01"])
          expect(yield* page(["running"], "2024-01-05", 10)).toEqual([])
        }))

      test("shows the runs a cancel dropped, ended at the cancel, and a vanished worker's run pending again", () =>
        Effect.gen(function* () {
          const repo = yield* repository
          const { backfill, lease } = yield* readyToRun("2024-01-01", "2024-01-03")
          yield* startNext(lease, T0 + 1000)
          const takeover = yield* claimed("next", T0 + LEASE_MS)
          expect(ledgerOf(yield* repo.runsOf(backfill.id))).toEqual([
            "2024-01-03 pending 1",
            "2024-01-02 pending 1",
            "2024-01-01 pending 1"
          ])
          yield* startNext(takeover, T0 + LEASE_MS)
          yield* repo.cancel(backfill.id, { time: epochSecondsFromMillis(T0 + LEASE_MS + 1000), userId: USER })
          const runs = yield* repo.runsOf(backfill.id)
          expect(ledgerOf(runs)).toEqual(["2024-01-03 running 1", "2024-01-02 dropped 1", "2024-01-01 dropped 1"])
          expect(runs[1]?.endedTime).toEqual(at(T0 + LEASE_MS + 1000))
          expect(runs[0]?.startedTime).toEqual(at(T0 + LEASE_MS))
        }))

      test("retries the days asked for, each with one more attempt, and the backfill only leaves FAILED", () =>
        Effect.gen(function* () {
          const repo = yield* repository
          const { backfill, lease } = yield* readyToRun("2024-01-01", "2024-01-03")
          yield* startNext(lease)
          yield* report(backfill.id, "2024-01-01", failed("a"))
          yield* report(backfill.id, "2024-01-02", failed("b"), T0 + 5000)
          const retriedWhileRunning = yield* repo.retry(backfill.id, ["2024-01-02"])
          expect(retriedWhileRunning).toMatchObject({ status: "RUNNING", runs: { failed: 1 }, endTime: Option.none() })
          expect(retriedWhileRunning.errorReport).toEqual([{ day: "2024-01-01", error: "a" }])
          yield* report(backfill.id, "2024-01-03")
          expect(Option.getOrThrow(yield* startNext(lease, T0 + 8000)).day).toBe("2024-01-02")
          const failedAgain = (yield* report(backfill.id, "2024-01-02", failed("b again"), T0 + 9000)).backfill
          expect(failedAgain).toMatchObject({ status: "FAILED", endTime: at(T0 + 9000) })
          const refused = yield* Effect.flip(repo.retry(backfill.id, ["2024-01-03", "2024-01-02"]))
          expect(refused).toMatchObject({ _tag: "DaysNotFailed", days: ["2024-01-03"] })
          const partly = yield* repo.retry(backfill.id, ["2024-01-02"])
          expect(partly).toMatchObject({
            status: "SCHEDULED",
            endTime: Option.none(),
            runs: { completed: 1, failed: 1 }
          })
          expect(ledgerOf(yield* repo.runsOf(backfill.id))).toEqual([
            "2024-01-03 completed 1",
            "2024-01-02 pending 3",
            "2024-01-01 failed 1"
          ])
          const rest = yield* repo.retry(backfill.id)
          expect(rest).toMatchObject({ status: "SCHEDULED", errorReport: [], runs: { completed: 1, failed: 0 } })
          expect(ledgerOf(yield* repo.runsOf(backfill.id))).toEqual([
            "2024-01-03 completed 1",
            "2024-01-02 pending 3",
            "2024-01-01 pending 2"
          ])
          expect(yield* errorTag(repo.retry(backfill.id))).toBe("NoFailedDays")
          const pendingRun = (yield* repo.runsOf(backfill.id))[2]
          expect(pendingRun).toMatchObject({
            startedTime: Option.none(),
            endedTime: Option.none(),
            error: Option.none()
          })
        }))

      test("counts a retried day only by its new attempt: a late copy of the previous report changes nothing", () =>
        Effect.gen(function* () {
          const repo = yield* repository
          const { backfill, lease } = yield* readyToRun("2024-01-01", "2024-01-01")
          yield* startNext(lease)
          const firstReport = () => repo.recordOutcome(backfill.id, day("2024-01-01"), failed("a"), T0, lease)
          expect((yield* firstReport()).backfill.status).toBe("FAILED")
          yield* repo.retry(backfill.id)
          const late = yield* firstReport()
          expect([late.counted, late.backfill.status]).toEqual([false, "SCHEDULED"])
          expect(ledgerOf(yield* repo.runsOf(backfill.id))).toEqual(["2024-01-01 pending 2"])
          expect(Option.getOrThrow(yield* startNext(lease)).day).toBe("2024-01-01")
          const second = yield* repo.recordOutcome(backfill.id, day("2024-01-01"), completed, T0, lease)
          expect([second.counted, second.backfill.status]).toEqual([true, "COMPLETED"])
        }))

      test("replays a keyed retry", () =>
        Effect.gen(function* () {
          const repo = yield* repository
          const { backfill, lease } = yield* readyToRun("2024-01-01", "2024-01-02")
          yield* startNext(lease)
          yield* report(backfill.id, "2024-01-01", failed("a"))
          yield* report(backfill.id, "2024-01-02")
          const key = keyed("retry-1", `POST /teams/1/backfills/${backfill.id}/retry {}`)
          const retried = yield* repo.retry(backfill.id, null, TEAM, key)
          expect(yield* repo.retry(backfill.id, null, TEAM, key)).toEqual(retried)
          expect(yield* errorTag(repo.retry(backfill.id))).toBe("NoFailedDays")
          expect(ledgerOf(yield* repo.runsOf(backfill.id))).toEqual(["2024-01-02 completed 1", "2024-01-01 pending 2"])
        }))
    })
  })
}
