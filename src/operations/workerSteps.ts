/**
 * The worker's steps (SPEC §4): each one atomic step of the `WorkerRepository`, with the
 * time taken from `Clock`, in a span named after it. `worker.ts` strings them into a loop;
 * hosts with a loop of their own call them directly.
 */
import { Clock, Duration, Effect, Metric, Option } from "effect"
import type { CalendarDate } from "../domain/calendarDate.js"
import type { BackfillId } from "../domain/ids.js"
import type { Lease, RunOutcome, WorkerId } from "../domain/runs.js"
import { epochSecondsFromMillis } from "../domain/time.js"
import type { ClaimCaps } from "../domain/turns.js"
import { backfillsRetried, backfillWait } from "../metrics/instruments.js"
import { countOutcome } from "../metrics/record.js"
import { type StartedRun, WorkerRepository } from "../ports/backfillRepository.js"
import { traced } from "./spans.js"

/**
 * Runs created per materialisation step, so that the created counter climbs visibly.
 *
 * @since 0.1.0
 * @category constants
 */
export const MATERIALISE_BATCH_DAYS = 100

/** One step of the worker port, in a span named after it, with the backfill's id when it has one. */
const withRepository = <A, E>(
  step: keyof WorkerRepository["Type"],
  use: (repository: WorkerRepository["Type"]) => Effect.Effect<A, E>,
  backfillId?: BackfillId
) =>
  Effect.flatMap(WorkerRepository, use).pipe(
    traced(`WorkerRepository.${step}`, backfillId === undefined ? {} : { backfill_id: String(backfillId) })
  )

/**
 * The wait of a backfill whose first day this start was (it started now, and no day has
 * reported): from its creation to now.
 */
const timeFirstStart = (started: Option.Option<StartedRun>, nowMillis: number) => {
  if (Option.isNone(started)) return Effect.void
  const { startTime, createdTime, runs } = started.value.backfill
  const first = Option.contains(startTime, epochSecondsFromMillis(nowMillis)) && runs.completed + runs.failed === 0
  return first ? Metric.update(backfillWait, epochSecondsFromMillis(nowMillis) - createdTime) : Effect.void
}

/**
 * Creates the runs of the next days of a `CREATED` backfill, `maxDays` at most
 * (`MATERIALISE_BATCH_DAYS` by default); the last batch makes it `SCHEDULED`. Nothing once
 * it is past `CREATED`, so a step repeated after a crash creates no run twice.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { type BackfillId, BackfillWorker } from "transfer-backfills"
 *
 * // Every run of a CREATED backfill, batch by batch.
 * const materialiseAll = (backfillId: BackfillId) =>
 *   BackfillWorker.materialiseRuns(backfillId).pipe(Effect.repeat({ while: (backfill) => backfill.status === "CREATED" }))
 * ```
 *
 * @since 0.1.0
 * @category worker
 */
export const materialiseRuns = (backfillId: BackfillId, maxDays: number = MATERIALISE_BATCH_DAYS) =>
  withRepository("materialiseRuns", (repository) => repository.materialiseRuns(backfillId, maxDays), backfillId)

/**
 * Leases a backfill with work and no live lease, chosen fairly (the team with the fewest
 * running days first, then the backfill served least recently), or `None`; teams at
 * `caps.maxRunningDaysPerTeam` and transfers at their own cap are skipped. A lease this
 * worker id still holds is taken back first. The lease lasts `leaseDuration` from now
 * unless it is renewed.
 *
 * @example
 * ```ts
 * import { Duration, Effect, Option } from "effect"
 * import { BackfillWorker, WorkerId } from "transfer-backfills"
 *
 * const claimed = Effect.gen(function* () {
 *   const lease = yield* BackfillWorker.claimBackfill(WorkerId.make("worker-1"), Duration.seconds(60))
 *   if (Option.isNone(lease)) return "nothing to do"
 *   return `working on backfill ${lease.value.backfillId}`
 * })
 * ```
 *
 * @since 0.1.0
 * @category worker
 */
export const claimBackfill = (workerId: WorkerId, leaseDuration: Duration.DurationInput, caps?: ClaimCaps) =>
  withRepository("claim", (repository) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      repository.claim(workerId, now, Duration.toMillis(leaseDuration), caps)
    )
  )

/**
 * Extends a lease by `leaseDuration` from now; fails with `LeaseLost` once another worker
 * has claimed the backfill.
 *
 * @example
 * ```ts
 * import { Duration, Effect, Schedule } from "effect"
 * import { type Lease, BackfillWorker } from "transfer-backfills"
 *
 * declare const lease: Lease
 *
 * // Keep the lease while a long day runs, renewing it four times per lease.
 * const keepAlive = BackfillWorker.renewLease(lease, Duration.seconds(60)).pipe(Effect.repeat(Schedule.spaced("15 seconds")))
 * ```
 *
 * @since 0.1.0
 * @category worker
 */
export const renewLease = (lease: Lease, leaseDuration: Duration.DurationInput) =>
  withRepository(
    "renewLease",
    (repository) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        repository.renewLease(lease, now, Duration.toMillis(leaseDuration))
      ),
    lease.backfillId
  )

/**
 * Gives a lease up, so another worker may claim the backfill at once instead of waiting for
 * it to expire; releasing a lease already lost does nothing.
 *
 * @example
 * ```ts
 * import { Duration, Effect, Option } from "effect"
 * import { BackfillWorker, WorkerId } from "transfer-backfills"
 *
 * const step = Effect.gen(function* () {
 *   const lease = yield* BackfillWorker.claimBackfill(WorkerId.make("worker-1"), Duration.seconds(60))
 *   if (Option.isNone(lease)) return
 *   // ... work on the backfill, then let the next worker have it at once:
 *   yield* BackfillWorker.releaseLease(lease.value)
 * })
 * ```
 *
 * @since 0.1.0
 * @category worker
 */
export const releaseLease = (lease: Lease) =>
  withRepository("releaseLease", (repository) => repository.releaseLease(lease), lease.backfillId)

/**
 * Under a live lease, the latest pending day (days run newest first), now `running`; `None` when none is pending.
 * The first run started makes a `SCHEDULED` backfill `RUNNING`.
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { completed, type Lease, BackfillWorker } from "transfer-backfills"
 *
 * declare const lease: Lease
 *
 * const nextDay = Effect.gen(function* () {
 *   const run = yield* BackfillWorker.startNextRun(lease)
 *   if (Option.isNone(run)) return false // no day is pending
 *   // ... run the day's transfer, then:
 *   yield* BackfillWorker.recordRunOutcome(run.value.backfill.id, run.value.day, completed, lease)
 *   return true
 * })
 * ```
 *
 * @since 0.1.0
 * @category worker
 */
export const startNextRun = (lease: Lease) =>
  withRepository(
    "startNextRun",
    (repository) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.tap(repository.startNextRun(lease, now), (started) => timeFirstStart(started, now))
      ),
    lease.backfillId
  )

/**
 * Records one day's outcome; the same day reported twice counts once. With the `lease`
 * the day was started under, the outcome counts only while no other worker has claimed
 * the backfill since (else `LeaseLost`): the fence that keeps a day from counting twice.
 * The last outcome ends a `RUNNING` backfill: `COMPLETED`, or `FAILED` if any day failed.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { failed, type Lease, type StartedRun, BackfillWorker } from "transfer-backfills"
 *
 * declare const lease: Lease
 * declare const run: StartedRun
 *
 * const recorded = BackfillWorker.recordRunOutcome(run.backfill.id, run.day, failed("source table missing"), lease).pipe(
 *   Effect.map(({ backfill }) => backfill.status) // "FAILED" once every day has reported and one failed
 * )
 * ```
 *
 * @since 0.1.0
 * @category worker
 */
export const recordRunOutcome = (backfillId: BackfillId, day: CalendarDate, outcome: RunOutcome, lease?: Lease) =>
  withRepository(
    "recordOutcome",
    (repository) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.tap(repository.recordOutcome(backfillId, day, outcome, now, lease), countOutcome)
      ),
    backfillId
  )

/**
 * Records the outcome of the last day of a turn under `lease` and gives the lease up in
 * the same step where the repository can (`WorkerRepository.recordOutcomeAndRelease`):
 * one round trip fewer per turn. `released` false: the lease is still held, and the caller
 * releases it (`releaseLease`) as after `recordRunOutcome`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { completed, type Lease, type StartedRun, BackfillWorker } from "transfer-backfills"
 *
 * declare const lease: Lease
 * declare const run: StartedRun
 *
 * const endOfTurn = BackfillWorker.recordLastOutcome(run.backfill.id, run.day, completed, lease).pipe(
 *   Effect.flatMap(({ released }) => (released ? Effect.void : BackfillWorker.releaseLease(lease)))
 * )
 * ```
 *
 * @since 0.3.0
 * @category worker
 */
export const recordLastOutcome = (backfillId: BackfillId, day: CalendarDate, outcome: RunOutcome, lease: Lease) =>
  Effect.flatMap(WorkerRepository, ({ recordOutcomeAndRelease }) =>
    recordOutcomeAndRelease === undefined
      ? Effect.map(recordRunOutcome(backfillId, day, outcome, lease), (recorded) => ({ ...recorded, released: false }))
      : withRepository(
          "recordOutcomeAndRelease",
          () =>
            Effect.flatMap(Clock.currentTimeMillis, (now) =>
              Effect.tap(recordOutcomeAndRelease(backfillId, day, outcome, now, lease), countOutcome)
            ),
          backfillId
        )
  )

/**
 * Queues the failed days of a `FAILED` backfill again: it becomes `SCHEDULED`, its failed
 * days pending, its error report empty. Workers do not retry on their own; an operator or
 * a policy of the host's calls this.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { BackfillId, BackfillWorker } from "transfer-backfills"
 * import { layerPostgresBackfillRepository, layerPostgresClient } from "transfer-backfills/postgres"
 *
 * const database = layerPostgresClient({ url: "postgres://app@localhost:5432/app" })
 * const repository = layerPostgresBackfillRepository({ schema: "transfer_backfills" }).pipe(Layer.provide(database))
 *
 * // An operator's command: run the failed days of backfill 42 again.
 * const retry = BackfillWorker.retryFailedDays(BackfillId.make(42n)).pipe(
 *   Effect.catchTag("IllegalTransition", ({ from }) => Effect.logWarning(`backfill 42 is ${from}, not FAILED`))
 * )
 *
 * Effect.runPromise(Effect.provide(retry, repository))
 * ```
 *
 * @since 0.1.0
 * @category worker
 */
export const retryFailedDays = (backfillId: BackfillId) =>
  withRepository(
    "retryFailedDays",
    (repository) => Effect.tap(repository.retryFailedDays(backfillId), () => Metric.increment(backfillsRetried)),
    backfillId
  )
