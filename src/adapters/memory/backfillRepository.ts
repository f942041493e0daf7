/**
 * A backfill repository in memory that keeps the promises of the PostgreSQL one: each
 * method commits in one synchronous step (JavaScript runs nothing else meanwhile), after
 * a yield that lets concurrent fibers interleave the way concurrent transactions would.
 * The active ranges of each transfer sit in a tree ordered by start day, so the overlap
 * check costs O(log n) however many backfills are active.
 */
import { Clock, Context, Effect, Either, Layer, Option, Schema } from "effect"
import type { WriteAccess } from "../../domain/access.js"
import { Backfill } from "../../domain/backfill.js"
import { type DayChange, reportedDay } from "../../domain/events.js"
import type { IdempotentRequest } from "../../domain/idempotency.js"
import type { BackfillId, TeamId } from "../../domain/ids.js"
import * as Lifecycle from "../../domain/lifecycle.js"
import { type DayRun, DayRuns, isLeaseLive, type Lease } from "../../domain/runs.js"
import { isActive } from "../../domain/status.js"
import { type EpochSeconds, epochSecondsFromMillis } from "../../domain/time.js"
import { runsBefore } from "../../domain/turns.js"
import { LeaseLost, UnknownBackfill } from "../../domain/workerErrors.js"
import { BackfillOutbox } from "../../ports/backfillOutbox.js"
import { ActiveRangeOverlap, BackfillRepository, WorkerRepository } from "../../ports/backfillRepository.js"
import { BackfillStatistics } from "../../ports/backfillStatistics.js"
import { markAnsweredFromKey } from "../../ports/keyReplay.js"
import { atomically, atomicallyNow, read } from "./atomic.js"
import { makeMemoryOutbox } from "./events.js"
import { impliedRuns, type SeededBackfill, seededRuns } from "./seed.js"
import { countsOf } from "./statistics.js"
import { MemoryStore, type Stored } from "./store.js"

export type { SeededBackfill } from "./seed.js"

/** A keyed change as one atomic step, marked when its key answered it (`markAnsweredFromKey`). */
const keyedAtomically = <E>(
  store: MemoryStore,
  access: WriteAccess,
  idempotency: IdempotentRequest | undefined,
  change: () => Either.Either<Backfill, E>
) =>
  Option.match(Option.fromNullable(idempotency), {
    onNone: () => atomically(change),
    onSome: (key) =>
      Effect.flatMap(
        atomically(() => store.keys.keyed(access, key, change)),
        ({ backfill, replayed }) => (replayed ? Effect.as(markAnsweredFromKey, backfill) : Effect.succeed(backfill))
      )
  })

const makeApiRepository = (store: MemoryStore): BackfillRepository["Type"] => ({
  insertUnlessOverlapping: (access, backfill, idempotency, processing) =>
    keyedAtomically(store, access, idempotency, () =>
      Option.match(store.findOverlap(backfill), {
        onSome: (conflicting) => Either.left(new ActiveRangeOverlap({ conflicting })),
        onNone: () => Either.right(store.insert(access.teamId, backfill, processing))
      })
    ),

  findForTeam: ({ teamId }, id) => read(() => Option.map(store.ofTeam(teamId, id), (stored) => stored.backfill)),

  latestForTransfer: ({ teamId }, transferId) => read(() => store.latestOf(teamId, transferId)),

  activeOverlapping: ({ teamId }, transferId, range) =>
    read(() => store.overlapsOf(transferId, range).filter((backfill) => store.ownedBy(teamId, backfill.id))),

  listForTeam: ({ teamId }, query) => read(() => store.page(teamId, query)),

  cancel: (access, id, time, idempotency) =>
    keyedAtomically(store, access, idempotency, () =>
      Either.flatMap(teamBackfill(store, access.teamId, id), (stored) =>
        Either.map(Lifecycle.cancel(stored.backfill, { time, userId: access.principal.userId }), (cancelled) => {
          for (const [day, run] of stored.runs)
            if (run.state === "pending") stored.runs.set(day, DayRuns.dropped(run, time))
          return store.update(stored, cancelled, { time })
        })
      )
    ),

  retry: (access, id, days, idempotency) =>
    Effect.flatMap(Clock.currentTimeMillis, (millis) =>
      keyedAtomically(store, access, idempotency, () =>
        Either.flatMap(teamBackfill(store, access.teamId, id), (stored) =>
          Either.map(Lifecycle.retryDays(stored.backfill, days), (retried) =>
            applyRetry(store, stored, retried, epochSecondsFromMillis(millis))
          )
        )
      )
    ),

  runsOf: ({ teamId }, id, query) =>
    read(() =>
      Option.match(store.ofTeam(teamId, id), { onNone: () => [], onSome: (stored) => store.runPage(stored, query) })
    )
})

const teamBackfill = (store: MemoryStore, teamId: TeamId, id: BackfillId) =>
  Either.fromOption(store.ofTeam(teamId, id), () => new UnknownBackfill({ backfillId: id }))

/** Failed runs the domain chose to retry go back to pending with one more attempt. */
const applyRetry = (
  store: MemoryStore,
  stored: Stored,
  { backfill, days }: Lifecycle.Materialised,
  time: EpochSeconds
) => {
  for (const day of days) {
    const run = stored.runs.get(day)
    if (run !== undefined) stored.runs.set(day, DayRuns.retried(run))
  }
  return store.update(stored, backfill, { time, retriedDays: days })
}

/** `recordOutcome`'s one synchronous step. */
const recordNow = (
  store: MemoryStore,
  ...[id, day, outcome, nowMillis, lease]: Parameters<WorkerRepository["Type"]["recordOutcome"]>
) =>
  Either.flatMap(
    Either.flatMap(store.require(id), (stored) => store.fencedBy(stored, lease)),
    (stored) => {
      const run = stored.runs.get(day)
      const now = epochSecondsFromMillis(nowMillis)
      return Either.map(
        Lifecycle.recordOutcome(stored.backfill, day, run?.state, outcome, now, run?.attempts),
        (recorded) => {
          if (!recorded.counted || run === undefined) return recorded
          stored.runs.set(day, DayRuns.reported(run, outcome, now))
          store.update(stored, recorded.backfill, { time: now, day: reportedDay(day, outcome) })
          return recorded
        }
      )
    }
  )

const makeWorkerRepository = (store: MemoryStore): WorkerRepository["Type"] => ({
  materialiseRuns: (id, maxDays) =>
    atomicallyNow((time) =>
      Either.map(store.require(id), (stored) => {
        const { backfill, days } = Lifecycle.materialiseRuns(stored.backfill, maxDays)
        for (const day of days) stored.runs.set(day, DayRuns.queued(day))
        return store.update(stored, backfill, { time })
      })
    ),

  claim: (workerId, nowMillis, leaseMillis, caps) =>
    read(() => store.running.claim(workerId, nowMillis, leaseMillis, caps)),

  renewLease: (lease, nowMillis, leaseMillis) =>
    atomically(() =>
      Either.map(store.held(lease), (stored) => {
        const renewed: Lease = { ...lease, expiresAtMillis: nowMillis + leaseMillis }
        stored.lease = Option.some(renewed)
        return renewed
      })
    ),

  releaseLease: (lease) =>
    read(() => {
      store.running.release(lease)
    }),

  startNextRun: (lease, nowMillis) =>
    atomically(() =>
      Either.flatMap(
        Either.filterOrLeft(
          store.held(lease),
          () => isLeaseLive(lease, nowMillis),
          () => new LeaseLost({ backfillId: lease.backfillId, workerId: lease.workerId })
        ),
        (stored) => {
          // Newest first by default (SPEC: "reverse chronological order, one day at a time").
          const { order } = stored.processing
          const next = [...stored.runs.values()]
            .filter((run) => run.state === "pending")
            .reduce<DayRun | undefined>(
              (first, run) => (first === undefined || runsBefore(order, run.day, first.day) ? run : first),
              undefined
            )
          if (next === undefined) return Either.right(Option.none())
          const now = epochSecondsFromMillis(nowMillis)
          return Either.map(Lifecycle.startRun(stored.backfill, now), (running) => {
            stored.runs.set(next.day, DayRuns.started(next, now))
            const day: DayChange = { _tag: "Started", day: next.day }
            return Option.some({ backfill: store.update(stored, running, { time: now, day }), day: next.day })
          })
        }
      )
    ),

  recordOutcome: (...args) => atomically(() => recordNow(store, ...args)),

  recordOutcomeAndRelease: (id, day, outcome, nowMillis, lease) =>
    atomically(() =>
      Either.map(recordNow(store, id, day, outcome, nowMillis, lease), (recorded) => ({
        ...recorded,
        released: recorded.counted && store.running.release(lease)
      }))
    ),

  retryFailedDays: (id) =>
    atomicallyNow((time) =>
      Either.flatMap(store.require(id), (stored) =>
        Either.map(Lifecycle.retryFailedDays(stored.backfill), (retried) => applyRetry(store, stored, retried, time))
      )
    )
})

/**
 * A fresh in-memory store per layer build, behind both ports (`BackfillRepository` for
 * the API, `WorkerRepository` for workers), holding `seed` to begin with. Seeded
 * backfills keep their ids (new ones count on from the largest); they must be consistent
 * and their active ranges must not overlap, as no repository could have stored them so.
 * It keeps the promises of the PostgreSQL repository; nothing survives the process.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { type Principal, scheduleBackfill, TeamId, TransferId, UserId, UTC, BackfillWorker } from "transfer-backfills"
 * import { layerMemoryBackfillRepository, layerMemoryTransferLookup } from "transfer-backfills/memory"
 *
 * const principal: Principal = {
 *   userId: UserId.make(789n),
 *   teamIds: [TeamId.make(1n)],
 *   scopes: ["dwh_transfers_write"],
 *   permissions: ["dwh.transfer.edit"]
 * }
 *
 * // Built once, so the API's and the worker's port share one store.
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
 *   return yield* BackfillWorker.materialiseRuns(backfill.id) // SCHEDULED: its 31 runs exist
 * })
 *
 * Effect.runPromise(Effect.provide(program, ports)).then((backfill) => console.log(backfill.status))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemoryBackfillRepository = (
  seed: Iterable<SeededBackfill> = []
): Layer.Layer<BackfillRepository | WorkerRepository | BackfillStatistics | BackfillOutbox> =>
  Layer.syncContext(() => {
    const store = new MemoryStore()
    for (const { teamId, backfill, runs } of seed) {
      Schema.validateSync(Backfill)(backfill)
      if (isActive(backfill.status) && Option.isSome(store.findOverlap(backfill))) {
        throw new RangeError(`Seeded backfill ${backfill.id} overlaps an active backfill of its transfer`)
      }
      store.add(teamId, backfill, seededRuns(backfill, runs ?? impliedRuns(backfill)))
    }
    return Context.make(BackfillRepository, makeApiRepository(store)).pipe(
      Context.add(WorkerRepository, makeWorkerRepository(store)),
      Context.add(BackfillOutbox, makeMemoryOutbox(store)),
      Context.add(BackfillStatistics, {
        counts: Effect.flatMap(Clock.currentTimeMillis, (now) => read(() => countsOf(store, now)))
      })
    )
  })
