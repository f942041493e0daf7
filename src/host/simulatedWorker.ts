/**
 * The reference host's worker: the library's worker loop around a simulated transfer run
 * (a pause per day, failing at a chosen rate), and a terminal view of its progress.
 */
import { Duration, Effect, Either, Option, Random, Ref } from "effect"
import { authorize, type Principal } from "../domain/access.js"
import type { Backfill } from "../domain/backfill.js"
import { type TeamId, UserId } from "../domain/ids.js"
import { completed, failed, WorkerId } from "../domain/runs.js"
import { WITH_WORK_STATUSES } from "../domain/status.js"
import * as Worker from "../operations/worker.js"
import { BackfillRepository } from "../ports/backfillRepository.js"

export interface SimulatedWorkerOptions {
  /** How long one day's simulated transfer run takes. */
  readonly dayDuration: Duration.DurationInput
  /** Probability in [0, 1] that a day fails. */
  readonly failureRate: number
  /** Days of a backfill per claim (`DAYS_PER_TURN`); one when unset. */
  readonly daysPerTurn?: number | undefined
  /** At most this many days of one team running at once (`MAX_RUNNING_DAYS_PER_TEAM`); none when unset. */
  readonly maxRunningDaysPerTeam?: number | undefined
}

/** A transfer run that takes `dayDuration` and fails with probability `failureRate`. */
const simulatedRun =
  (options: SimulatedWorkerOptions): Worker.RunExecutor<never> =>
  ({ day }) =>
    Effect.zipRight(
      Effect.sleep(options.dayDuration),
      Effect.map(Random.next, (draw) =>
        draw < options.failureRate ? failed(`Simulated failure of the transfer run for ${day}`) : completed
      )
    )

export const runSimulatedWorker = (options: SimulatedWorkerOptions, health: Ref.Ref<Worker.WorkerHealth>) =>
  Worker.runWorker({
    workerId: WorkerId.make(`reference-host-${process.pid}`),
    leaseDuration: Duration.seconds(30),
    pollInterval: Duration.millis(250),
    daysPerTurn: options.daysPerTurn,
    maxRunningDaysPerTeam: options.maxRunningDaysPerTeam,
    execute: simulatedRun(options),
    health
  })

/**
 * Prints the worker's health when it changes, looking once a second: when it starts
 * failing, and when it recovers after how many failed steps (each failure is logged by
 * the loop with its cause).
 */
export const reportHealth = (health: Ref.Ref<Worker.WorkerHealth>) =>
  Effect.iterate(0, {
    while: () => true,
    body: (failuresBefore) =>
      Effect.gen(function* () {
        yield* Effect.sleep(Duration.seconds(1))
        const failures = (yield* Ref.get(health)).consecutiveFailures
        if (failuresBefore === 0 && failures > 0) {
          yield* Effect.logWarning("Worker unhealthy: its steps are failing; it keeps retrying")
        } else if (failuresBefore > 0 && failures === 0) {
          yield* Effect.logInfo(`Worker healthy again after ${failuresBefore} or more failed steps`)
        }
        return failures
      })
  })

const progressLine = (backfill: Backfill) => {
  const { total, created, completed: done, failed: failedDays } = backfill.runs
  const bar = "#".repeat(Math.round(((done + failedDays) / total) * 20)).padEnd(20, ".")
  return `  backfill ${backfill.id}  transfer ${backfill.transferId}  ${backfill.status.padEnd(9)} [${bar}] ${done + failedDays}/${total} days (${failedDays} failed, ${created} created)`
}

/**
 * Redraws one line per backfill in progress, once a second, while the terminal is a TTY;
 * elsewhere prints nothing, the API being the way to watch.
 */
/** The terminal view reads the demo teams as a viewer of them would. */
const progressViewer = (teams: ReadonlyArray<TeamId>): Principal => ({
  userId: UserId.make(1n),
  teamIds: teams,
  scopes: ["dwh_transfers_read"],
  permissions: ["dwh.transfer.view"]
})

export const showProgress = (teams: ReadonlyArray<TeamId>) =>
  Effect.gen(function* () {
    if (!process.stdout.isTTY) return
    const repository = yield* BackfillRepository
    const viewer = progressViewer(teams)
    let drawn = 0
    return yield* Effect.forever(
      Effect.gen(function* () {
        const pages = yield* Effect.forEach(teams, (team) =>
          repository.listForTeam(Either.getOrThrow(authorize(viewer, team, "read")), {
            statuses: WITH_WORK_STATUSES,
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
