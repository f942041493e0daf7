/**
 * A worker's turn on one backfill: claim it fairly, materialise its runs, and run a turn
 * of its days one after the other under a lease kept alive in the background
 * (`leaseKeeper.ts`), then give it back.
 */
import { Clock, Duration, Effect, Metric, Option, type Ref } from "effect"
// From its own module: through `effect`'s index, the whole namespace, cron parser and all, is bundled.
import * as Schedule from "effect/Schedule"
import type { Backfill } from "../domain/backfill.js"
import type { BackfillId } from "../domain/ids.js"
import type { Lease, RunOutcome, WorkerId } from "../domain/runs.js"
import { DEFAULT_DAYS_PER_TURN } from "../domain/turns.js"
import { leasesLost } from "../metrics/instruments.js"
import { timeDay } from "../metrics/record.js"
import type { StartedRun } from "../ports/backfillRepository.js"
import { type HeldLease, holdLease } from "./leaseKeeper.js"
import { checkTurnOptions } from "./turnOptions.js"
import { markSuccess, type WorkerHealth } from "./workerHealth.js"
import { claimBackfill, materialiseRuns, recordLastOutcome, recordRunOutcome, startNextRun } from "./workerSteps.js"

/**
 * The host's transfer run: process one day of one backfill and say how it went. It cannot
 * fail: a day that went wrong is the outcome `failed(error)`, which goes to the backfill's
 * error report.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { completed, failed, type RunExecutor } from "transfer-backfills"
 *
 * declare const runTransfer: (transferId: bigint, day: string) => Effect.Effect<void, Error> // your transfer run
 *
 * const execute: RunExecutor<never> = ({ backfill, day }) =>
 *   runTransfer(backfill.transferId, day).pipe(
 *     Effect.as(completed),
 *     Effect.catchAll((error) => Effect.succeed(failed(error.message)))
 *   )
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type RunExecutor<R> = (run: StartedRun) => Effect.Effect<RunOutcome, never, R>

/**
 * How a worker works: its name, the lease it takes on a backfill, how many days a turn
 * holds and the teams' cap, the host's executor of transfer runs, and where it reports its
 * health.
 *
 * @since 0.1.0
 * @category models
 */
export interface WorkerOptions<R> {
  /**
   * Names the worker. A claim gives back a lease held under the same id, so two loops
   * must never claim under one id at once: `runWorker` adds a suffix of its own per loop;
   * callers of `processNextBackfill` choose unique ids themselves.
   */
  readonly workerId: WorkerId
  /**
   * How long a claim holds without renewal. The lease is renewed in the background every
   * quarter of it for as long as the worker works on the backfill, so it bounds how long
   * a crashed worker's backfill waits, not how long a day may run.
   */
  readonly leaseDuration: Duration.DurationInput
  readonly execute: RunExecutor<R>
  /**
   * Days a worker runs of a backfill before giving it back and claiming again (whichever
   * backfill is fairest then). Default `DEFAULT_DAYS_PER_TURN` (1): every team with work
   * gets its share day by day; larger turns spend fewer claims per day.
   */
  readonly daysPerTurn?: number | undefined
  /**
   * At most this many days of one team running at once, across every worker and host
   * sharing the repository; give every worker the same value. Default: no cap.
   */
  readonly maxRunningDaysPerTeam?: number | undefined
  /** Updated as the worker succeeds and fails (`makeWorkerHealth`). */
  readonly health?: Ref.Ref<WorkerHealth> | undefined
  /**
   * How long a shutdown waits for the day in progress to finish before interrupting it
   * (its outcome then goes unrecorded, and the day runs again later). Default: the lease
   * duration.
   */
  readonly shutdownGrace?: Duration.DurationInput | undefined
}

/** While the repository is unavailable: again after 50 ms, doubling up to a second. */
const WHILE_UNAVAILABLE = Schedule.exponential(Duration.millis(50)).pipe(
  Schedule.union(Schedule.spaced(Duration.seconds(1)))
)

/**
 * One day of a held backfill: start it, execute it, record its outcome; `true` when no day
 * was pending. It runs under the lease (`HeldLease.runDay`). An outcome the repository
 * could not take is retried for as long as the lease holds, so a brief outage does not
 * run the day again. The `last` day of a turn gives the lease up with its outcome where
 * the repository can.
 */
const runNextDay = <R>(held: HeldLease, backfillId: BackfillId, options: WorkerOptions<R>, last: boolean) =>
  Effect.gen(function* () {
    const start = Effect.flatMap(held.current, startNextRun)
    const first = yield* start
    // No day pending: a CREATED backfill's runs are made now (once per backfill, not per
    // turn), and only a backfill that just got them is asked again for its first day.
    const next = Option.isSome(first)
      ? first
      : yield* Effect.flatMap(materialiseAll(backfillId), (latest) =>
          Option.exists(latest, justMaterialised) ? start : Effect.succeed(first)
        )
    if (Option.isNone(next)) return true
    const run = next.value
    const started = yield* Clock.currentTimeMillis
    const outcome = yield* options.execute(run)
    const record = (lease: Lease) =>
      last
        ? held.releaseWith(recordLastOutcome(run.backfill.id, run.day, outcome, lease))
        : recordRunOutcome(run.backfill.id, run.day, outcome, lease)
    yield* Effect.retry(Effect.flatMap(held.current, record), {
      schedule: WHILE_UNAVAILABLE,
      while: (error) => error._tag === "ServiceUnavailable"
    })
    yield* timeDay(started, yield* Clock.currentTimeMillis)
    yield* markSuccess(options.health)
    return false
  })

/** Its runs exist and none has started: it was `CREATED` until a moment ago. */
const justMaterialised = (backfill: Backfill) => backfill.status === "SCHEDULED" && Option.isNone(backfill.startTime)

/** Materialises a claimed `CREATED` backfill batch by batch. */
const materialiseAll = (backfillId: BackfillId) =>
  Effect.iterate(Option.none<Backfill>(), {
    while: (latest) => Option.match(latest, { onNone: () => true, onSome: (b) => b.status === "CREATED" }),
    body: () => Effect.map(materialiseRuns(backfillId), Option.some)
  })

/**
 * Works a turn on one claimed backfill: runs up to `daysPerTurn` days (1 by default) in
 * its processing order, materialising the runs of a `CREATED` one first, renewing the lease in the
 * background all along. Each day is started, executed and recorded as one unit that a
 * shutdown lets finish (for up to `shutdownGrace`); losing the lease cuts a day short,
 * and then its outcome is not recorded. The lease is released at the end of the turn,
 * whatever happens, so the next claim can choose fairly; one that cannot be released is
 * left to expire.
 *
 * @example
 * ```ts
 * import { Duration, Effect, Option } from "effect"
 * import { completed, failed, type RunExecutor, BackfillWorker, WorkerId, type WorkerOptions } from "transfer-backfills"
 *
 * declare const runTransfer: (transferId: bigint, day: string) => Effect.Effect<void, Error> // your transfer run
 *
 * const execute: RunExecutor<never> = ({ backfill, day }) =>
 *   runTransfer(backfill.transferId, day).pipe(
 *     Effect.as(completed),
 *     Effect.catchAll((error) => Effect.succeed(failed(error.message)))
 *   )
 *
 * const options: WorkerOptions<never> = {
 *   workerId: WorkerId.make("nightly-1"),
 *   leaseDuration: Duration.minutes(1),
 *   execute
 * }
 *
 * // A loop of the host's own: claim, then work on what was claimed.
 * const once = Effect.gen(function* () {
 *   const lease = yield* BackfillWorker.claimBackfill(options.workerId, options.leaseDuration)
 *   if (Option.isSome(lease)) yield* BackfillWorker.processClaimedBackfill(lease.value, options)
 * })
 * ```
 *
 * @since 0.1.0
 * @category worker
 */
export const processClaimedBackfill = <R>(lease: Lease, options: WorkerOptions<R>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const held = yield* holdLease(lease, options.leaseDuration, options.health)
      const grace = options.shutdownGrace ?? options.leaseDuration
      const days = options.daysPerTurn ?? DEFAULT_DAYS_PER_TURN
      for (let day = 0; day < days; day++) {
        const finished = yield* held.runDay(runNextDay(held, lease.backfillId, options, day === days - 1), grace)
        if (finished) return
      }
    })
  ).pipe(
    Effect.annotateLogs("backfill_id", String(lease.backfillId)),
    Effect.tapErrorTag("LeaseLost", () => Metric.increment(leasesLost))
  )

/**
 * Claims the fairest backfill with work and works a turn on it (`processClaimedBackfill`);
 * `false` when there was none. A lease lost on the way is not an error: another worker
 * carries on with the backfill. Callers choose a unique `workerId` for each loop of
 * theirs; repeat it while it returns `true` to drain the queue.
 *
 * @example
 * ```ts
 * import { Duration, Effect, Layer } from "effect"
 * import { completed, failed, type RunExecutor, BackfillWorker, WorkerId } from "transfer-backfills"
 * import { layerPostgresBackfillRepository, layerPostgresClient } from "transfer-backfills/postgres"
 *
 * declare const runTransfer: (transferId: bigint, day: string) => Effect.Effect<void, Error> // your transfer run
 *
 * const execute: RunExecutor<never> = ({ backfill, day }) =>
 *   runTransfer(backfill.transferId, day).pipe(
 *     Effect.as(completed),
 *     Effect.catchAll((error) => Effect.succeed(failed(error.message)))
 *   )
 *
 * const database = layerPostgresClient({ url: "postgres://app@localhost:5432/app" })
 * const repository = layerPostgresBackfillRepository({ schema: "transfer_backfills" }).pipe(Layer.provide(database))
 *
 * // A nightly job: process backfills until none has work left, then stop.
 * const drain = BackfillWorker.processNextBackfill({
 *   workerId: WorkerId.make("nightly-job"),
 *   leaseDuration: Duration.minutes(1),
 *   execute
 * }).pipe(Effect.repeat({ while: (worked) => worked }))
 *
 * Effect.runPromise(Effect.provide(drain, repository))
 * ```
 *
 * @since 0.1.0
 * @category worker
 */
export const processNextBackfill = <R>(options: WorkerOptions<R>) =>
  Effect.zipRight(checkTurnOptions(options), processNext(options))

const processNext = <R>(options: WorkerOptions<R>) =>
  Effect.flatMap(
    claimBackfill(options.workerId, options.leaseDuration, { maxRunningDaysPerTeam: options.maxRunningDaysPerTeam }),
    (claimed) =>
      Option.match(claimed, {
        onNone: () => Effect.succeed(false),
        onSome: (lease) =>
          processClaimedBackfill(lease, options).pipe(
            Effect.catchTag("LeaseLost", () => Effect.void),
            Effect.as(true)
          )
      })
  )
