/**
 * The reference host's worker: the library's worker loop around a simulated transfer run
 * (a pause per day, failing at a chosen rate), and logs of its health and progress.
 */
import { Duration, Effect, Either, Option, Random, Ref } from "effect"
import { authorize, type Principal } from "../domain/access.js"
import type { Backfill } from "../domain/backfill.js"
import { type BackfillId, type TeamId, UserId } from "../domain/ids.js"
import { completed, failed, WorkerId } from "../domain/runs.js"
import { WITH_WORK_STATUSES } from "../domain/status.js"
import * as Worker from "../operations/worker.js"
import { BackfillRepository } from "../ports/backfillRepository.js"

/** How the host's worker runs: the pace and failure rate of its simulated days, its turns and its team cap. */
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

/** The library's worker loop on the simulated run, reporting its health into `health`. */
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

/** The progress logs read the demo teams as a viewer of them would. */
const progressViewer = (teams: ReadonlyArray<TeamId>): Principal => ({
  userId: UserId.make(1n),
  teamIds: teams,
  scopes: ["dwh_transfers_read"],
  permissions: ["dwh.transfer.view"]
})

/** The newest backfills with work left, with the team each belongs to. */
const backfillsWithWork = (teams: ReadonlyArray<TeamId>) =>
  Effect.flatMap(BackfillRepository, (repository) =>
    Effect.forEach(teams, (team) =>
      repository
        .listForTeam(Either.getOrThrow(authorize(progressViewer(teams), team, "read")), {
          statuses: WITH_WORK_STATUSES,
          before: Option.none(),
          limit: 20
        })
        .pipe(Effect.map((backfills) => backfills.map((backfill) => ({ team, backfill }))))
    )
  ).pipe(Effect.map((perTeam) => perTeam.flat()))

const progressOf = ({ status, runs }: Backfill) =>
  `${status} ${runs.completed + runs.failed}/${runs.total} days (${runs.failed} failed, ${runs.created} created)`

/**
 * Logs the progress of each backfill with work left, looking once a second, when it has
 * changed since the last look: a line per day would drown the other logs. A look that
 * fails is skipped; the worker logs the failures of the same database.
 */
export const showProgress = (teams: ReadonlyArray<TeamId>) =>
  Effect.iterate(new Map<BackfillId, string>(), {
    while: () => true,
    body: (logged) =>
      Effect.gen(function* () {
        yield* Effect.sleep(Duration.seconds(1))
        const current = (yield* backfillsWithWork(teams)).map((entry) => ({
          ...entry,
          progress: progressOf(entry.backfill)
        }))
        for (const { team, backfill, progress } of current) {
          if (logged.get(backfill.id) === progress) continue
          yield* Effect.logInfo(`Backfill ${backfill.id} of transfer ${backfill.transferId}: ${progress}`).pipe(
            Effect.annotateLogs({ team_id: team, backfill_id: backfill.id, transfer_id: backfill.transferId })
          )
        }
        return new Map(current.map(({ backfill, progress }) => [backfill.id, progress]))
      }).pipe(Effect.catchAll(() => Effect.succeed(logged)))
  })
