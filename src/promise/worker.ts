/**
 * The worker for hosts without Effect: the library's own worker loop (fenced leases
 * renewed while a day runs, outages survived, a graceful stop), driving a transfer run the
 * host gives as a Promise function of plain values.
 */
import { Cause, Duration, Effect, Fiber, Layer, Option, Ref } from "effect"
import { completed, failed, WorkerId } from "../domain/runs.js"
import { makeWorkerHealth } from "../operations/workerHealth.js"
import { runWorker } from "../operations/workerLoop.js"
import { WorkerRepository } from "../ports/backfillRepository.js"
import type { PlainLogEntry, PlainLogLevel } from "./logging.js"
import { PromiseApiOptionsError } from "./options.js"
import { loggingOf } from "./services.js"

/**
 * One day to run, as the host's transfer run gets it: ids as decimal strings, days as
 * `YYYY-MM-DD`.
 *
 * @since 0.2.0
 * @category models
 */
export interface PlainStartedRun {
  readonly backfillId: string
  readonly transferId: string
  /** The day to re-process. */
  readonly day: string
  /** The backfill's whole range. */
  readonly rangeStart: string
  readonly rangeEnd: string
}

/**
 * What `createPromiseWorker` takes.
 *
 * @since 0.2.0
 * @category models
 */
export interface PromiseWorkerOptions {
  /** A layer with the workers' repository, e.g. `connectPostgres(…).layer`. */
  readonly layer: Layer.Layer<never, unknown>
  /** Runs one day's transfer run: resolving records the day completed, rejecting records it failed with the error's message. */
  readonly execute: (run: PlainStartedRun) => Promise<unknown>
  /** Names the worker in its leases; the loop adds a suffix of its own. Default `promise-worker`. */
  readonly workerId?: string | undefined
  /** How long a claim holds without renewal (renewed every quarter of it while a day runs). Default 30,000. */
  readonly leaseDurationMillis?: number | undefined
  /** How long the worker waits before looking for work again when there was none. Default 1,000. */
  readonly pollIntervalMillis?: number | undefined
  /** Days of a backfill run per claim before the worker claims again, fairly. Default 1. */
  readonly daysPerTurn?: number | undefined
  /**
   * At most this many days of one team running at once, across every worker sharing the
   * database; give every worker the same value. Default: no cap.
   */
  readonly maxRunningDaysPerTeam?: number | undefined
  /** Receives what the worker logs, from `minimumLogLevel` (default `INFO`) up; the console when left out. */
  readonly logger?: ((entry: PlainLogEntry) => void) | undefined
  readonly minimumLogLevel?: PlainLogLevel | undefined
}

/**
 * The worker's health, for a health check.
 *
 * @since 0.2.0
 * @category models
 */
export interface PlainWorkerHealth {
  /** Started and not stopped (nor ended by a defect it could not survive). */
  readonly running: boolean
  /** When the loop last completed a step, in epoch milliseconds; `null` before the first. */
  readonly lastSuccessMillis: number | null
  /** Steps that failed since the last success; 0 when healthy. */
  readonly consecutiveFailures: number
}

/**
 * A worker to start and stop.
 *
 * @since 0.2.0
 * @category models
 */
export interface PromiseWorker {
  /** Starts the loop; starting a started worker does nothing. */
  readonly start: () => void
  /** Lets the day in progress finish (up to the lease), releases the lease and the ports. */
  readonly stop: () => Promise<void>
  /** How the loop is doing, for a health check. */
  readonly health: () => PlainWorkerHealth
}

const messageOf = (cause: unknown) => {
  const text = cause instanceof Error ? cause.message : String(cause)
  return text === "" ? "The transfer run failed." : text
}

const positiveInteger = (name: string, value: number | undefined, unit: string) => {
  if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
    throw new PromiseApiOptionsError(`createPromiseWorker: ${name} must be a positive integer${unit}.`)
  }
  return value
}

const positive = (name: string, value: number | undefined, fallback: number) =>
  Duration.millis(positiveInteger(name, value, " of milliseconds") ?? fallback)

/** The layer, required to hold the workers' repository. */
const withWorkerRepository = (layer: Layer.Layer<never, unknown>): Layer.Layer<WorkerRepository, unknown> =>
  Layer.flatMap(layer, (context) =>
    context.unsafeMap.has(WorkerRepository.key)
      ? Layer.succeedContext(context as never)
      : Layer.die(new PromiseApiOptionsError("createPromiseWorker: the layer provides no WorkerRepository."))
  )

/**
 * A worker over plain values: claims backfills with work, runs their days one at a time
 * (newest first) through `execute`, and records each outcome under its lease.
 *
 * @example
 * ```ts
 * import { createPromiseWorker } from "transfer-backfills/promise"
 * import { connectPostgres } from "transfer-backfills/promise/postgres"
 *
 * const db = await connectPostgres({ url: process.env.DATABASE_URL ?? "" })
 * const worker = createPromiseWorker({
 *   layer: db.layer,
 *   execute: async ({ transferId, day }) => console.log(`transfer ${transferId}: ${day} again`)
 * })
 * worker.start()
 * process.once("SIGTERM", async () => {
 *   await worker.stop()
 *   await db.close()
 * })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const createPromiseWorker = (options: PromiseWorkerOptions): PromiseWorker => {
  const leaseDuration = positive("leaseDurationMillis", options.leaseDurationMillis, 30_000)
  const pollInterval = positive("pollIntervalMillis", options.pollIntervalMillis, 1_000)
  const health = Effect.runSync(makeWorkerHealth)
  let loop: Fiber.RuntimeFiber<unknown, unknown> | undefined
  const worker = runWorker({
    workerId: WorkerId.make(options.workerId ?? "promise-worker"),
    leaseDuration,
    pollInterval,
    daysPerTurn: positiveInteger("daysPerTurn", options.daysPerTurn, ""),
    maxRunningDaysPerTeam: positiveInteger("maxRunningDaysPerTeam", options.maxRunningDaysPerTeam, ""),
    health,
    execute: ({ backfill, day }) =>
      Effect.tryPromise({
        try: () =>
          options.execute({
            backfillId: String(backfill.id),
            transferId: String(backfill.transferId),
            day,
            rangeStart: backfill.range.start,
            rangeEnd: backfill.range.end
          }),
        catch: messageOf
      }).pipe(
        Effect.as(completed),
        Effect.catchAll((message) => Effect.succeed(failed(message)))
      )
  })
  // The ports live as long as the loop: built when it starts, released when it stops.
  const program = worker.pipe(
    Effect.provide(withWorkerRepository(options.layer)),
    Effect.tapErrorCause((cause) =>
      Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logError("The worker could not start", cause)
    ),
    Effect.provide(loggingOf(options))
  )
  return {
    start: () => {
      loop ??= Effect.runFork(program)
    },
    stop: async () => {
      if (loop !== undefined) await Effect.runPromise(Fiber.interrupt(loop))
      loop = undefined
    },
    health: () => {
      const current = Effect.runSync(Ref.get(health))
      return {
        // A loop whose ports never built ended without running a step: not running either.
        running: loop !== undefined && loop.unsafePoll() === null && current.running,
        lastSuccessMillis: Option.getOrNull(current.lastSuccessMillis),
        consecutiveFailures: current.consecutiveFailures
      }
    }
  }
}
