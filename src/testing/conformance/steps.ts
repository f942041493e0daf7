/**
 * The steps every test of the repository conformance suite takes through the store's
 * ports, and how a test is declared.
 */
import { it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import type { Principal } from "../../domain/access.js"
import { newBackfill, type Removal, type UnsavedBackfill } from "../../domain/backfill.js"
import type { CalendarDate } from "../../domain/calendarDate.js"
import type { DateRange } from "../../domain/dateRange.js"
import type { IdempotentRequest } from "../../domain/idempotency.js"
import type { BackfillId, TeamId, TransferId } from "../../domain/ids.js"
import { completed, type DayRun, type Lease, type RunOutcome } from "../../domain/runs.js"
import { epochSecondsFromMillis } from "../../domain/time.js"
import type { BackfillProcessing } from "../../domain/turns.js"
import {
  BackfillRepository,
  type PageQuery,
  type RunPageQuery,
  WorkerRepository
} from "../../ports/backfillRepository.js"
import { ALL_RUNS, accessTo, day, LEASE_MS, OPERATOR, range, T0, TEAM, TRANSFER, USER, worker } from "./world.js"

/** The API's port of the store under test, its methods acting for a team (the suite's own unless told otherwise). */
export const apiRepository = Effect.map(BackfillRepository, (api) => ({
  insertUnlessOverlapping: (
    teamId: TeamId,
    backfill: UnsavedBackfill,
    idempotency?: IdempotentRequest,
    principal: Principal = OPERATOR,
    processing?: BackfillProcessing
  ) =>
    processing !== undefined
      ? api.insertUnlessOverlapping(accessTo(teamId, principal), backfill, idempotency, processing)
      : idempotency === undefined
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
export const repository = Effect.map(Effect.all([apiRepository, WorkerRepository]), ([api, worker]) => ({
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

export const insert = (
  start: string,
  end: string,
  options: {
    transferId?: TransferId
    teamId?: TeamId
    idempotency?: IdempotentRequest
    principal?: Principal
    createdMillis?: number
    processing?: BackfillProcessing
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
      options.principal,
      options.processing
    )
  )

/** What the ledger shows of a backfill, compactly: day, state, attempts. */
export const ledgerOf = (runs: ReadonlyArray<DayRun>) => runs.map((run) => `${run.day} ${run.state} ${run.attempts}`)

export const find = (id: BackfillId) =>
  Effect.flatMap(apiRepository, (repo) => Effect.map(repo.findForTeam(TEAM, id), Option.getOrThrow))

export const materialiseAll = (id: BackfillId) => Effect.flatMap(repository, (repo) => repo.materialiseRuns(id, 10_000))

export const claim = (name: string, nowMillis = T0) =>
  Effect.flatMap(repository, (repo) => repo.claim(worker(name), nowMillis, LEASE_MS))

export const claimed = (name: string, nowMillis = T0) => Effect.map(claim(name, nowMillis), Option.getOrThrow)

export const startNext = (lease: Lease, nowMillis = T0) =>
  Effect.flatMap(repository, (repo) => repo.startNextRun(lease, nowMillis))

export const report = (id: BackfillId, text: string, outcome: RunOutcome = completed, nowMillis = T0) =>
  Effect.flatMap(repository, (repo) => repo.recordOutcome(id, day(text), outcome, nowMillis))

/** Inserts a backfill, creates its runs and leases it: ready for runs to start. */
export const readyToRun = (start: string, end: string, name = "worker-1") =>
  Effect.gen(function* () {
    const backfill = yield* insert(start, end)
    yield* materialiseAll(backfill.id)
    const lease = yield* claimed(name)
    return { backfill, lease }
  })

export const errorTag = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.flip(effect), (error) => error._tag)

/** Declares one test of the suite; each provides the store's layer anew. */
export type Tester<R> = (title: string, body: () => Effect.Effect<void, unknown, R>, timeout?: number) => void

export const tester =
  <R, E>(layer: Layer.Layer<R, E>): Tester<R> =>
  (title, body, timeout) =>
    it.live(title, () => Effect.provide(body(), layer), timeout)
