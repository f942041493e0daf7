/**
 * The worker side (SPEC §4): the steps a worker takes to drive backfills to a final
 * state (`workerSteps.ts`, re-exported here), and a loop that strings them together
 * around a host's executor of transfer runs, holding its lease all along
 * (`leaseKeeper.ts`).
 *
 * Workers are trusted callers: no authentication, and errors that say exactly what
 * happened (`domain/workerErrors.ts`).
 */
import { Cause, Clock, Duration, Effect, Exit, Option, Random, Ref } from "effect"
import type { Backfill } from "../domain/backfill.js"
import type { BackfillId } from "../domain/ids.js"
import { type Lease, type RunOutcome, WorkerId } from "../domain/runs.js"
import type { StartedRun } from "../ports/backfillRepository.js"
import { type HeldLease, holdLease, lettingFinishWithin, renewalInterval } from "./leaseKeeper.js"
import { claimBackfill, materialiseRuns, recordRunOutcome, releaseLease, startNextRun } from "./workerSteps.js"

export * from "./workerSteps.js"

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
 * How a worker loop is doing, for a host's health check or logs.
 *
 * @since 0.1.0
 * @category models
 */
export interface WorkerHealth {
  /** False once the loop has ended (interrupted, or a defect the loop could not survive). */
  readonly running: boolean
  /** When the loop last completed a step: a day recorded, or a look for work. */
  readonly lastSuccessMillis: Option.Option<number>
  /** Steps that failed since the last success; 0 when healthy. */
  readonly consecutiveFailures: number
}

/**
 * A health record for one worker loop, to pass as `WorkerOptions.health` and read. A plain
 * `Ref`, so that the core pulls in no streams: a host that wants changes polls it.
 *
 * @example
 * ```ts
 * import { Effect, Ref } from "effect"
 * import { BackfillWorker } from "transfer-backfills"
 *
 * const healthCheck = Effect.gen(function* () {
 *   const health = yield* BackfillWorker.makeWorkerHealth // pass it to `BackfillWorker.runWorker` as `health`
 *   const { running, consecutiveFailures } = yield* Ref.get(health)
 *   return running && consecutiveFailures < 5
 * })
 * ```
 *
 * @since 0.1.0
 * @category worker
 */
export const makeWorkerHealth = Ref.make<WorkerHealth>({
  running: true,
  lastSuccessMillis: Option.none(),
  consecutiveFailures: 0
})

/**
 * How a worker works: its name, the lease it takes on a backfill, the host's executor of
 * transfer runs, and where it reports its health.
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
  /** Updated as the worker succeeds and fails (`makeWorkerHealth`). */
  readonly health?: Ref.Ref<WorkerHealth> | undefined
  /**
   * How long a shutdown waits for the day in progress to finish before interrupting it
   * (its outcome then goes unrecorded, and the day runs again later). Default: the lease
   * duration.
   */
  readonly shutdownGrace?: Duration.DurationInput | undefined
}

const markSuccess = (health: WorkerOptions<unknown>["health"]) =>
  health === undefined
    ? Effect.void
    : Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Ref.update(health, (current) => ({
          ...current,
          lastSuccessMillis: Option.some(now),
          consecutiveFailures: 0
        }))
      )

/** Runs `step` again while it finds the repository unavailable, pausing 50 ms, doubling up to a second. */
const retryWhileUnavailable = <A, E extends { readonly _tag: string }, R>(
  step: Effect.Effect<A, E, R>,
  pauseMillis = 50
): Effect.Effect<A, E, R> =>
  Effect.catchIf(
    step,
    (error) => error._tag === "ServiceUnavailable",
    () =>
      Effect.zipRight(
        Effect.sleep(Duration.millis(pauseMillis)),
        retryWhileUnavailable(step, Math.min(pauseMillis * 2, 1000))
      )
  )

/**
 * One day of a held backfill: start it, execute it, record its outcome under the lease;
 * `true` when no day was pending. An outcome the repository could not take is retried
 * for as long as the lease holds, so a brief outage does not run the day again.
 */
const runNextDay = <R>(held: HeldLease, options: WorkerOptions<R>) =>
  Effect.gen(function* () {
    const next = yield* held.guard(Effect.flatMap(held.current, startNextRun))
    if (Option.isNone(next)) return true
    const run = next.value
    const outcome = yield* held.guard(options.execute(run))
    yield* held.guard(
      retryWhileUnavailable(
        Effect.flatMap(held.current, (lease) => recordRunOutcome(run.backfill.id, run.day, outcome, lease))
      )
    )
    yield* markSuccess(options.health)
    return false
  })

/** Materialises a claimed `CREATED` backfill batch by batch. */
const materialiseAll = (backfillId: BackfillId) =>
  Effect.iterate(Option.none<Backfill>(), {
    while: (latest) => Option.match(latest, { onNone: () => true, onSome: (b) => b.status === "CREATED" }),
    body: () => Effect.map(materialiseRuns(backfillId), Option.some)
  })

/**
 * Works on one claimed backfill until no run of it is pending, renewing the lease in the
 * background all along. Each day is started, executed and recorded as one unit that a
 * shutdown lets finish (for up to `shutdownGrace`); losing the lease cuts a day short,
 * and then its outcome is not recorded. The lease is released at the end, whatever
 * happens; one that cannot be released is left to expire.
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
      const held = yield* holdLease(lease, options.leaseDuration)
      const letFinish = lettingFinishWithin(options.shutdownGrace ?? options.leaseDuration)
      yield* held.guard(materialiseAll(lease.backfillId))
      for (;;) {
        const finished = yield* letFinish(runNextDay(held, options))
        if (finished) return
      }
    })
  ).pipe(
    // A release that fails or hangs (an outage, say) is left to the lease's expiry.
    Effect.ensuring(
      Effect.exit(Effect.timeout(Effect.interruptible(releaseLease(lease)), renewalInterval(options.leaseDuration)))
    )
  )

/**
 * Claims the oldest backfill with work and processes it; `false` when there was none. A
 * lease lost on the way is not an error: another worker carries on with the backfill.
 * Callers choose a unique `workerId` for each loop of theirs.
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
 * The id a loop claims under: `workerId` and a random suffix of its own, so that two
 * loops given one id (two containers whose processes are all pid 1, say) never take each
 * other's leases for leases they left behind themselves.
 */
const loopWorkerId = (workerId: WorkerId) =>
  Effect.map(Random.nextIntBetween(0, 0x1000000), (suffix) =>
    WorkerId.make(`${workerId.slice(0, 120)}/${suffix.toString(16).padStart(6, "0")}`)
  )

/** The pause after the `failures`-th failure in a row: doubling from 100 ms, never over `pollInterval`. */
const backoffAfter = (failures: number, pollInterval: Duration.DurationInput): Duration.Duration =>
  Duration.min(Duration.millis(100 * 2 ** Math.min(failures - 1, 20)), Duration.decode(pollInterval))

/**
 * Processes backfills until interrupted, waiting `pollInterval` whenever there is nothing
 * to do. Whatever a step fails or dies with (the repository, the driver under it, the
 * executor) is logged with its cause and the loop goes on after a backoff that never
 * exceeds `pollInterval`, so the worker is back within one poll interval of the
 * database; on its next claim it takes back the lease it held. The loop's end is logged.
 * Interrupting it lets the current day finish (up to `shutdownGrace`) and releases the
 * lease. Run as many as you like: the repository's fenced leases keep them apart.
 *
 * @example
 * ```ts
 * import { hostname } from "node:os"
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
 * const worker = Effect.gen(function* () {
 *   const health = yield* BackfillWorker.makeWorkerHealth // for your health check
 *   return yield* BackfillWorker.runWorker({
 *     workerId: WorkerId.make(hostname()), // runWorker adds a suffix of its own per loop
 *     leaseDuration: Duration.seconds(60), // renewed while a day runs
 *     pollInterval: Duration.seconds(1),
 *     execute,
 *     health
 *   })
 * })
 *
 * const fiber = Effect.runFork(Effect.provide(worker, repository)) // interrupt it to stop gracefully
 * ```
 *
 * @since 0.1.0
 * @category worker
 */
export const runWorker = <R>(options: WorkerOptions<R> & { readonly pollInterval: Duration.DurationInput }) =>
  Effect.gen(function* () {
    const health = options.health ?? (yield* makeWorkerHealth)
    const loopId = yield* loopWorkerId(options.workerId)
    const watched = { ...options, workerId: loopId, health }
    const failed = (cause: Cause.Cause<unknown>) =>
      Effect.gen(function* () {
        const failures = (yield* Ref.updateAndGet(health, (current) => ({
          ...current,
          consecutiveFailures: current.consecutiveFailures + 1
        }))).consecutiveFailures
        const pause = backoffAfter(failures, options.pollInterval)
        const message = `Worker step failed (${failures} in a row); next try in ${Duration.format(pause)}`
        yield* Cause.isFailure(cause) && !Cause.isDie(cause)
          ? Effect.logWarning(message, cause)
          : Effect.logError(message, cause)
        yield* Effect.sleep(pause)
      })
    const step = processNextBackfill(watched).pipe(
      Effect.tap(() => markSuccess(health)),
      Effect.matchCauseEffect({
        onSuccess: (worked) => (worked ? Effect.void : Effect.sleep(options.pollInterval)),
        onFailure: failed
      })
    )
    return yield* Effect.forever(step).pipe(
      Effect.onExit((exit) =>
        Effect.zipRight(
          Ref.update(health, (current) => ({ ...current, running: false })),
          Exit.match(exit, {
            onSuccess: () => Effect.void,
            onFailure: (cause) =>
              Cause.isInterruptedOnly(cause)
                ? Effect.logInfo("Worker stopped")
                : Effect.logError("Worker loop ended", cause)
          })
        )
      ),
      Effect.annotateLogs("worker_id", loopId)
    )
  })
