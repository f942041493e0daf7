/**
 * The worker side (SPEC §4): the steps a worker takes to drive backfills to a final
 * state, each one atomic step of the repository with the time taken from `Clock`, and a
 * loop that strings them together around a host's executor of transfer runs.
 *
 * Workers are trusted callers: no authentication, and errors that say exactly what
 * happened (`domain/workerErrors.ts`).
 */
import { Clock, Duration, Effect, Option } from "effect"
import type { Backfill } from "../domain/backfill.js"
import type { CalendarDate } from "../domain/calendarDate.js"
import type { BackfillId } from "../domain/ids.js"
import type { Lease, RunOutcome, WorkerId } from "../domain/runs.js"
import { BackfillRepository, type StartedRun } from "../ports/backfillRepository.js"

/** Runs created per materialisation step, so that the created counter climbs visibly. */
export const MATERIALISE_BATCH_DAYS = 100

const withRepository = <A, E>(use: (repository: BackfillRepository["Type"]) => Effect.Effect<A, E>) =>
  Effect.flatMap(BackfillRepository, use)

/** Creates the runs of the next days of a `CREATED` backfill; nothing once it is past `CREATED`. */
export const materialiseRuns = (backfillId: BackfillId, maxDays: number = MATERIALISE_BATCH_DAYS) =>
  withRepository((repository) => repository.materialiseRuns(backfillId, maxDays))

/** Leases the oldest backfill with work and no live lease, or `None`. */
export const claimBackfill = (workerId: WorkerId, leaseDuration: Duration.DurationInput) =>
  withRepository((repository) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => repository.claim(workerId, now, Duration.toMillis(leaseDuration)))
  )

/** Extends a lease; fails with `LeaseLost` once another worker has claimed the backfill. */
export const renewLease = (lease: Lease, leaseDuration: Duration.DurationInput) =>
  withRepository((repository) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      repository.renewLease(lease, now, Duration.toMillis(leaseDuration))
    )
  )

export const releaseLease = (lease: Lease) => withRepository((repository) => repository.releaseLease(lease))

/** Under a live lease, the earliest pending day, now `running`; `None` when none is pending. */
export const startNextRun = (lease: Lease) =>
  withRepository((repository) => Effect.flatMap(Clock.currentTimeMillis, (now) => repository.startNextRun(lease, now)))

/** Records one day's outcome; the same day reported twice counts once. */
export const recordRunOutcome = (backfillId: BackfillId, day: CalendarDate, outcome: RunOutcome) =>
  withRepository((repository) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => repository.recordOutcome(backfillId, day, outcome, now))
  )

/** Queues the failed days of a `FAILED` backfill again. */
export const retryFailedDays = (backfillId: BackfillId) =>
  withRepository((repository) => repository.retryFailedDays(backfillId))

/** The host's transfer run: process one day of one backfill and say how it went. */
export type RunExecutor<R> = (run: StartedRun) => Effect.Effect<RunOutcome, never, R>

export interface WorkerOptions<R> {
  readonly workerId: WorkerId
  /** How long a claim holds without renewal; renewed before every run. */
  readonly leaseDuration: Duration.DurationInput
  readonly execute: RunExecutor<R>
}

/** Materialises a claimed `CREATED` backfill batch by batch, renewing the lease in between. */
const materialiseAll = (lease: Lease, leaseDuration: Duration.DurationInput) =>
  Effect.iterate(Option.none<Backfill>(), {
    while: (latest) => Option.match(latest, { onNone: () => true, onSome: (b) => b.status === "CREATED" }),
    body: () =>
      Effect.zipRight(renewLease(lease, leaseDuration), Effect.map(materialiseRuns(lease.backfillId), Option.some))
  })

/**
 * Works on one claimed backfill until no run of it is pending: each day is started,
 * executed and recorded as one uninterruptible unit, so a shutdown lets the current day
 * finish. The lease is released at the end, whatever happens.
 */
export const processClaimedBackfill = <R>(lease: Lease, options: WorkerOptions<R>) =>
  Effect.gen(function* () {
    yield* materialiseAll(lease, options.leaseDuration)
    for (;;) {
      yield* renewLease(lease, options.leaseDuration)
      const finished = yield* Effect.uninterruptible(
        Effect.flatMap(startNextRun(lease), (next) =>
          Option.match(next, {
            onNone: () => Effect.succeed(true),
            onSome: (run) =>
              Effect.flatMap(options.execute(run), (outcome) =>
                Effect.as(recordRunOutcome(run.backfill.id, run.day, outcome), false)
              )
          })
        )
      )
      if (finished) return
    }
  }).pipe(Effect.ensuring(Effect.ignore(releaseLease(lease))))

/**
 * Claims the oldest backfill with work and processes it; `false` when there was none. A
 * lease lost on the way is not an error: another worker carries on with the backfill.
 */
export const processNextBackfill = <R>(options: WorkerOptions<R>) =>
  Effect.flatMap(claimBackfill(options.workerId, options.leaseDuration), (claimed) =>
    Option.match(claimed, {
      onNone: () => Effect.succeed(false),
      onSome: (lease) =>
        processClaimedBackfill(lease, options).pipe(
          Effect.catchTag("LeaseLost", () => Effect.void),
          Effect.as(true)
        )
    })
  )

/**
 * Processes backfills until interrupted, waiting `pollInterval` whenever there is nothing
 * to do or a step failed (the failure is logged; the backfill stays claimable once its
 * lease expires).
 */
export const runWorker = <R>(options: WorkerOptions<R> & { readonly pollInterval: Duration.DurationInput }) =>
  Effect.forever(
    processNextBackfill(options).pipe(
      Effect.catchAll((error) => Effect.as(Effect.logWarning("Worker step failed", error), false)),
      Effect.flatMap((worked) => (worked ? Effect.void : Effect.sleep(options.pollInterval))),
      Effect.annotateLogs("worker_id", options.workerId)
    )
  )
