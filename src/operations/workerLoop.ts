/**
 * A worker's loop: backfill after backfill, until interrupted, surviving whatever a step
 * fails or dies with.
 */
import { Cause, Duration, Effect, Exit, Metric, Option, Random, Ref } from "effect"
// From its own module: through `effect`'s index, the whole namespace, cron parser and all, is bundled.
import * as Schedule from "effect/Schedule"
import { WorkerId } from "../domain/runs.js"
import { workerStepFailures } from "../metrics/instruments.js"
import { labelledWith } from "../metrics/labelled.js"
import { checkTurnOptions } from "./turnOptions.js"
import { processNextBackfill, type WorkerOptions } from "./workerBackfill.js"
import { makeWorkerHealth, markSuccess } from "./workerHealth.js"

/**
 * The id a loop claims under: `workerId` and a random suffix of its own, so that two
 * loops given one id (two containers whose processes are all pid 1, say) never take each
 * other's leases for leases they left behind themselves.
 */
const loopWorkerId = (workerId: WorkerId) =>
  Effect.map(Random.nextIntBetween(0, 0x1000000), (suffix) =>
    WorkerId.make(`${workerId.slice(0, 120)}/${suffix.toString(16).padStart(6, "0")}`)
  )

/** The tag of a step's typed failure, or OpenTelemetry's `_OTHER` for a defect. */
const errorType = (cause: Cause.Cause<unknown>): string =>
  Option.match(Cause.failureOption(cause), {
    onNone: () => "_OTHER",
    onSome: (error) =>
      typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
        ? error._tag
        : "_OTHER"
  })

/** The pauses after failures in a row: doubling from 100 ms, never over `pollInterval`. */
const backoff = (pollInterval: Duration.DurationInput) =>
  Schedule.exponential(Duration.millis(100)).pipe(Schedule.union(Schedule.spaced(pollInterval)), Schedule.delays)

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
    yield* checkTurnOptions(options)
    const health = options.health ?? (yield* makeWorkerHealth)
    const loopId = yield* loopWorkerId(options.workerId)
    const watched = { ...options, workerId: loopId, health }
    /** Counts a failed step and says so, with its cause and the pause before the next try. */
    const failed = (cause: Cause.Cause<unknown>, pause: Duration.Duration) =>
      Effect.gen(function* () {
        // An interruption is not retried (below), so it is neither a failure nor logged as one.
        if (Cause.isInterruptedOnly(cause)) return
        const failures = (yield* Ref.updateAndGet(health, (current) => ({
          ...current,
          consecutiveFailures: current.consecutiveFailures + 1
        }))).consecutiveFailures
        yield* Metric.increment(labelledWith(workerStepFailures, { "error.type": errorType(cause) }))
        const message = `Worker step failed (${failures} in a row); next try in ${Duration.format(pause)}`
        yield* Cause.isFailure(cause) && !Cause.isDie(cause)
          ? Effect.logWarning(message, cause)
          : Effect.logError(message, cause)
      })
    // Whatever a step fails or dies with is tried again, after a pause; an interruption is not.
    const step = processNextBackfill(watched).pipe(
      Effect.tap(() => markSuccess(health)),
      Effect.sandbox,
      Effect.retry({
        schedule: Schedule.identity<Cause.Cause<unknown>>().pipe(
          Schedule.intersect(backoff(options.pollInterval)),
          Schedule.tapOutput(([cause, pause]) => failed(cause, pause))
        ),
        while: (cause) => !Cause.isInterruptedOnly(cause)
      }),
      Effect.unsandbox,
      Effect.flatMap((worked) => (worked ? Effect.void : Effect.sleep(options.pollInterval)))
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
