/**
 * The reference host's worker: the library's worker loop around a simulated transfer run
 * (a pause per day, failing at a chosen rate), and a terminal view of its progress.
 */
import { Duration, Effect, Option, Random, Stream, type SubscriptionRef } from "effect"
import type { Backfill } from "../domain/backfill.js"
import type { TeamId } from "../domain/ids.js"
import { completed, failed, WorkerId } from "../domain/runs.js"
import * as Worker from "../operations/worker.js"
import { BackfillRepository } from "../ports/backfillRepository.js"

export interface SimulatedWorkerOptions {
  /** How long one day's simulated transfer run takes. */
  readonly dayDuration: Duration.DurationInput
  /** Probability in [0, 1] that a day fails. */
  readonly failureRate: number
}

/** A transfer run that takes `dayDuration` and fails with probability `failureRate`. */
export const simulatedRun =
  (options: SimulatedWorkerOptions): Worker.RunExecutor<never> =>
  ({ day }) =>
    Effect.zipRight(
      Effect.sleep(options.dayDuration),
      Effect.map(Random.next, (draw) =>
        draw < options.failureRate ? failed(`Simulated failure of the transfer run for ${day}`) : completed
      )
    )

export const runSimulatedWorker = (
  options: SimulatedWorkerOptions,
  health: SubscriptionRef.SubscriptionRef<Worker.WorkerHealth>
) =>
  Worker.runWorker({
    workerId: WorkerId.make(`reference-host-${process.pid}`),
    leaseDuration: Duration.seconds(30),
    pollInterval: Duration.millis(250),
    execute: simulatedRun(options),
    health
  })

/**
 * Prints the worker's health as it changes: when it starts failing, when it recovers and
 * after how many failed steps (each failure is logged by the loop with its cause).
 */
export const reportHealth = (health: SubscriptionRef.SubscriptionRef<Worker.WorkerHealth>) =>
  health.changes.pipe(
    Stream.mapAccum(0, (failuresBefore, current) => [current.consecutiveFailures, [failuresBefore, current] as const]),
    Stream.runForEach(([failuresBefore, current]) => {
      if (failuresBefore === 0 && current.consecutiveFailures > 0) {
        return Effect.logWarning("Worker unhealthy: its steps are failing; it keeps retrying")
      }
      if (failuresBefore > 0 && current.consecutiveFailures === 0) {
        return Effect.logInfo(`Worker healthy again after ${failuresBefore} failed steps`)
      }
      return Effect.void
    })
  )

const progressLine = (backfill: Backfill) => {
  const { total, created, completed: done, failed: failedDays } = backfill.runs
  const bar = "#".repeat(Math.round(((done + failedDays) / total) * 20)).padEnd(20, ".")
  return `  backfill ${backfill.id}  transfer ${backfill.transferId}  ${backfill.status.padEnd(9)} [${bar}] ${done + failedDays}/${total} days (${failedDays} failed, ${created} created)`
}

/**
 * Redraws one line per backfill in progress, once a second, while the terminal is a TTY;
 * elsewhere prints nothing, the API being the way to watch.
 */
export const showProgress = (teams: ReadonlyArray<TeamId>) =>
  Effect.gen(function* () {
    if (!process.stdout.isTTY) return
    const repository = yield* BackfillRepository
    let drawn = 0
    return yield* Effect.forever(
      Effect.gen(function* () {
        const pages = yield* Effect.forEach(teams, (team) =>
          repository.listForTeam(team, {
            statuses: ["CREATED", "SCHEDULED", "RUNNING"],
            before: Option.none(),
            limit: 20
          })
        )
        const lines = pages.flat().map(progressLine)
        process.stdout.write(`${drawn > 0 ? `\x1b[${drawn}A\x1b[0J` : ""}${lines.map((line) => `${line}\n`).join("")}`)
        drawn = lines.length
        yield* Effect.sleep(Duration.seconds(1))
      }).pipe(Effect.catchAll(() => Effect.sleep(Duration.seconds(1))))
    )
  })
