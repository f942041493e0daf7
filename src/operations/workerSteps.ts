/**
 * The worker's steps (SPEC §4): each one atomic step of the `WorkerRepository`, with the
 * time taken from `Clock`, in a span named after it. `worker.ts` strings them into a loop;
 * hosts with a loop of their own call them directly.
 */
import { Clock, Duration, Effect } from "effect"
import type { CalendarDate } from "../domain/calendarDate.js"
import type { BackfillId } from "../domain/ids.js"
import type { Lease, RunOutcome, WorkerId } from "../domain/runs.js"
import { WorkerRepository } from "../ports/backfillRepository.js"

/** Runs created per materialisation step, so that the created counter climbs visibly. */
export const MATERIALISE_BATCH_DAYS = 100

/** One step of the worker port, in a span named after it, with the backfill's id when it has one. */
const withRepository = <A, E>(
  step: keyof WorkerRepository["Type"],
  use: (repository: WorkerRepository["Type"]) => Effect.Effect<A, E>,
  backfillId?: BackfillId
) =>
  Effect.flatMap(WorkerRepository, use).pipe(
    Effect.withSpan(`WorkerRepository.${step}`, {
      attributes: backfillId === undefined ? {} : { backfill_id: String(backfillId) }
    })
  )

/** Creates the runs of the next days of a `CREATED` backfill; nothing once it is past `CREATED`. */
export const materialiseRuns = (backfillId: BackfillId, maxDays: number = MATERIALISE_BATCH_DAYS) =>
  withRepository("materialiseRuns", (repository) => repository.materialiseRuns(backfillId, maxDays), backfillId)

/**
 * Leases the oldest backfill with work and no live lease, or `None`; a lease this worker
 * id still holds is taken back first.
 */
export const claimBackfill = (workerId: WorkerId, leaseDuration: Duration.DurationInput) =>
  withRepository("claim", (repository) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => repository.claim(workerId, now, Duration.toMillis(leaseDuration)))
  )

/** Extends a lease; fails with `LeaseLost` once another worker has claimed the backfill. */
export const renewLease = (lease: Lease, leaseDuration: Duration.DurationInput) =>
  withRepository(
    "renewLease",
    (repository) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        repository.renewLease(lease, now, Duration.toMillis(leaseDuration))
      ),
    lease.backfillId
  )

export const releaseLease = (lease: Lease) =>
  withRepository("releaseLease", (repository) => repository.releaseLease(lease), lease.backfillId)

/** Under a live lease, the earliest pending day, now `running`; `None` when none is pending. */
export const startNextRun = (lease: Lease) =>
  withRepository(
    "startNextRun",
    (repository) => Effect.flatMap(Clock.currentTimeMillis, (now) => repository.startNextRun(lease, now)),
    lease.backfillId
  )

/**
 * Records one day's outcome; the same day reported twice counts once. With the `lease`
 * the day was started under, the outcome counts only while no other worker has claimed
 * the backfill since (else `LeaseLost`): the fence that keeps a day from counting twice.
 */
export const recordRunOutcome = (backfillId: BackfillId, day: CalendarDate, outcome: RunOutcome, lease?: Lease) =>
  withRepository(
    "recordOutcome",
    (repository) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => repository.recordOutcome(backfillId, day, outcome, now, lease)),
    backfillId
  )

/** Queues the failed days of a `FAILED` backfill again. */
export const retryFailedDays = (backfillId: BackfillId) =>
  withRepository("retryFailedDays", (repository) => repository.retryFailedDays(backfillId), backfillId)
