/**
 * How a worker loop is doing, kept in a `Ref` for a host's health check and logs.
 */
import { Clock, Effect, Option, Ref } from "effect"

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

/** Records a step that succeeded: its time, and no failure in a row. */
export const markSuccess = (health: Ref.Ref<WorkerHealth> | undefined) =>
  health === undefined
    ? Effect.void
    : Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Ref.update(health, (current) => ({
          ...current,
          lastSuccessMillis: Option.some(now),
          consecutiveFailures: 0
        }))
      )
