/**
 * Repositories with one bug each, planted in a wrapper around the in-memory one: what
 * the conformance kit must catch. Each bug is one a real store could have: a team left
 * out of a query, an error swallowed, a filter or a limit ignored, a key not kept.
 */
import { Context, Effect, Either, Layer, Option } from "effect"
import { layerMemoryBackfillRepository } from "../../src/adapters/memory/backfillRepository.js"
import { authorize, type Principal } from "../../src/domain/access.js"
import type { Backfill } from "../../src/domain/backfill.js"
import { TeamId } from "../../src/domain/ids.js"
import { RunState } from "../../src/domain/runs.js"
import { BackfillRepository, WorkerRepository } from "../../src/ports/backfillRepository.js"

type Api = BackfillRepository["Type"]
type Worker = WorkerRepository["Type"]
type WriteAccess = Parameters<Api["cancel"]>[0]

/** The same caller's write access to each team the kit uses: what a store that ignores the team reaches. */
const everyTeam = (access: { readonly principal: Principal }): ReadonlyArray<WriteAccess> => {
  const principal: Principal = { ...access.principal, teamIds: [1n, 2n, 3n].map((id) => TeamId.make(id)) }
  return [1n, 2n, 3n].map((id) => Either.getOrThrow(authorize(principal, TeamId.make(id), "write")))
}

/** The first team's answer that finds something, as a query without its team would. */
const acrossTeams = <Access extends { readonly principal: Principal }, A, E>(
  access: Access,
  call: (access: Access) => Effect.Effect<A, E>,
  found: (a: A) => boolean
) =>
  Effect.gen(function* () {
    let last: Either.Either<A, E> = yield* Effect.either(call(access))
    for (const other of everyTeam(access) as ReadonlyArray<unknown> as ReadonlyArray<Access>) {
      if (Either.isRight(last) && found(last.right)) return last.right
      last = yield* Effect.either(call(other))
    }
    return yield* last
  })

const newestFirst = (backfills: ReadonlyArray<Backfill>) => [...backfills].sort((a, b) => (a.id < b.id ? 1 : -1))

/** The store's `recordOutcome`, its answer claiming `claims` that the store did not make. */
const recordedClaiming =
  <Claims extends object>(worker: Worker, claims: Claims) =>
  (...[id, day, outcome, nowMillis, lease]: Parameters<Worker["recordOutcome"]>) =>
    Effect.map(worker.recordOutcome(id, day, outcome, nowMillis, lease), (recorded) => ({ ...recorded, ...claims }))

export interface Mutant {
  readonly bug: string
  readonly api?: (api: Api) => Partial<Api>
  readonly worker?: (worker: Worker) => Partial<Worker>
}

export const MUTANTS: ReadonlyArray<Mutant> = [
  {
    bug: "findForTeam ignores the team",
    api: (api) => ({ findForTeam: (access, id) => acrossTeams(access, (a) => api.findForTeam(a, id), Option.isSome) })
  },
  {
    bug: "latestForTransfer ignores the team",
    api: (api) => ({
      latestForTransfer: (access, transferId) =>
        Effect.map(
          Effect.forEach(everyTeam(access), (a) => api.latestForTransfer(a, transferId)),
          (found) => Option.fromNullable(newestFirst(found.flatMap((one) => Option.toArray(one)))[0])
        )
    })
  },
  {
    bug: "listForTeam ignores the team",
    api: (api) => ({
      listForTeam: (access, query) =>
        Effect.map(
          Effect.forEach(everyTeam(access), (a) => api.listForTeam(a, query)),
          (pages) => newestFirst(pages.flat()).slice(0, query.limit)
        )
    })
  },
  {
    bug: "activeOverlapping ignores the team",
    api: (api) => ({
      activeOverlapping: (access, transferId, range) =>
        Effect.map(
          Effect.forEach(everyTeam(access), (a) => api.activeOverlapping(a, transferId, range)),
          (found) => found.flat()
        )
    })
  },
  {
    bug: "runsOf ignores the team",
    api: (api) => ({
      runsOf: (access, id, query) =>
        acrossTeams(
          access,
          (a) => api.runsOf(a, id, query),
          (runs) => runs.length > 0
        )
    })
  },
  {
    bug: "cancel ignores the team",
    api: (api) => ({
      cancel: (access, id, time, idempotency) =>
        acrossTeams(
          access,
          (a) => api.cancel(a, id, time, idempotency),
          () => true
        )
    })
  },
  {
    bug: "retry ignores the team",
    api: (api) => ({
      retry: (access, id, days, idempotency) =>
        acrossTeams(
          access,
          (a) => api.retry(a, id, days, idempotency),
          () => true
        )
    })
  },
  {
    bug: "an overlap is let through: the insert answers the conflicting backfill as if created",
    api: (api) => ({
      insertUnlessOverlapping: (access, backfill, idempotency) =>
        api
          .insertUnlessOverlapping(access, backfill, idempotency)
          .pipe(Effect.catchTag("ActiveRangeOverlap", (overlap) => Effect.succeed(overlap.conflicting)))
    })
  },
  {
    bug: "a lost error: cancelling a final backfill answers it unchanged",
    api: (api) => ({
      cancel: (access, id, time, idempotency) =>
        api
          .cancel(access, id, time, idempotency)
          .pipe(
            Effect.catchTag("IllegalTransition", () =>
              Effect.flatMap(api.findForTeam(access, id), (found) => Effect.orDie(found))
            )
          )
    })
  },
  {
    bug: "the insert keeps no idempotency key",
    api: (api) => ({ insertUnlessOverlapping: (access, backfill) => api.insertUnlessOverlapping(access, backfill) })
  },
  {
    bug: "the cancel keeps no idempotency key",
    api: (api) => ({ cancel: (access, id, time) => api.cancel(access, id, time) })
  },
  {
    bug: "the retry ignores the days asked for and retries every failed one",
    api: (api) => ({ retry: (access, id, _days, idempotency) => api.retry(access, id, Option.none(), idempotency) })
  },
  {
    bug: "listForTeam ignores the statuses asked for",
    api: (api) => ({
      listForTeam: (access, query) =>
        api.listForTeam(access, {
          ...query,
          statuses: ["CREATED", "SCHEDULED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"]
        })
    })
  },
  {
    bug: "listForTeam skips a backfill at each page boundary",
    api: (api) => ({
      listForTeam: (access, query) =>
        Effect.map(api.listForTeam(access, query), (page) => (Option.isSome(query.before) ? page.slice(1) : page))
    })
  },
  {
    bug: "listForTeam answers one backfill more than its limit",
    api: (api) => ({ listForTeam: (access, query) => api.listForTeam(access, { ...query, limit: query.limit + 1 }) })
  },
  {
    bug: "runsOf ignores the states asked for",
    api: (api) => ({
      runsOf: (access, id, query) => api.runsOf(access, id, { ...query, states: RunState.literals })
    })
  },
  {
    bug: "a double-counted day: every report says it counted",
    worker: (worker) => ({ recordOutcome: recordedClaiming(worker, { counted: true }) })
  },
  {
    bug: "an outcome under a lost lease is recorded: the lease is not checked",
    worker: (worker) => ({
      recordOutcome: (id, day, outcome, nowMillis) => worker.recordOutcome(id, day, outcome, nowMillis)
    })
  },
  {
    bug: "a lost lease is renewed as if held",
    worker: (worker) => ({
      renewLease: (lease, nowMillis, leaseMillis) =>
        worker.renewLease(lease, nowMillis, leaseMillis).pipe(Effect.catchTag("LeaseLost", () => Effect.succeed(lease)))
    })
  },
  {
    bug: "the last outcome says it gave the lease up, and keeps it",
    worker: (worker) => ({ recordOutcomeAndRelease: recordedClaiming(worker, { released: true }) })
  },
  {
    bug: "the last outcome is recorded and released without checking the lease",
    worker: (worker) => ({
      recordOutcomeAndRelease: (id, day, outcome, nowMillis, lease) =>
        Effect.zipLeft(
          Effect.map(worker.recordOutcome(id, day, outcome, nowMillis), (recorded) => ({
            ...recorded,
            released: true
          })),
          worker.releaseLease(lease)
        )
    })
  },
  {
    bug: "materialiseRuns ignores its batch size",
    worker: (worker) => ({ materialiseRuns: (id) => worker.materialiseRuns(id, 1_000_000) })
  }
]

/** The in-memory repository with `mutant`'s bug planted. */
export const layerMutant = (mutant: Mutant) =>
  Layer.effectContext(
    Effect.gen(function* () {
      const api = yield* BackfillRepository
      const worker = yield* WorkerRepository
      return Context.make(BackfillRepository, { ...api, ...mutant.api?.(api) }).pipe(
        Context.add(WorkerRepository, { ...worker, ...mutant.worker?.(worker) })
      )
    })
  ).pipe(Layer.provide(layerMemoryBackfillRepository()))
