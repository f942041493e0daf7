/**
 * Many workers on one repository, each day's start and end logged in the order they
 * happened, and what the log says: each team's share of started days, the most days a
 * team ever had running at once, how many turns went by before a day of some backfill.
 */
import { Data, Duration, Effect, Either, Fiber } from "effect"
import { Temporal } from "temporal-polyfill"
import { newBackfill } from "../../src/domain/backfill.js"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { makeDateRange } from "../../src/domain/dateRange.js"
import { type BackfillId, TeamId, TransferId, UserId } from "../../src/domain/ids.js"
import { completed, WorkerId } from "../../src/domain/runs.js"
import { epochSecondsFromMillis } from "../../src/domain/time.js"
import type { BackfillProcessing } from "../../src/domain/turns.js"
import * as Worker from "../../src/operations/worker.js"
import { BackfillRepository } from "../../src/ports/backfillRepository.js"
import { accessTo } from "./access.js"

export interface TurnEvent {
  readonly kind: "start" | "end"
  readonly team: bigint
  readonly backfillId: BackfillId
  readonly worker: number
}

/** The log, and which team owns each backfill the scenario scheduled. */
export class TurnLog {
  readonly events: Array<TurnEvent> = []
  readonly teamOf = new Map<BackfillId, bigint>()
  /** Index in `events` at which each backfill was scheduled. */
  readonly scheduledAt = new Map<BackfillId, number>()

  starts(): ReadonlyArray<TurnEvent> {
    return this.events.filter((event) => event.kind === "start")
  }

  /** Started days per team before the first team's last start: the window in which every team had work. */
  sharesWhileAllHaveWork(teams: ReadonlyArray<bigint>): Map<bigint, number> {
    const starts = this.starts()
    const lastStart = teams.map((team) => starts.map((event) => event.team).lastIndexOf(team))
    const windowEnd = Math.min(...lastStart)
    const counts = new Map(teams.map((team) => [team, 0]))
    for (const event of starts.slice(0, windowEnd)) counts.set(event.team, (counts.get(event.team) ?? 0) + 1)
    const total = [...counts.values()].reduce((a, b) => a + b, 0)
    return new Map([...counts].map(([team, count]) => [team, count / total]))
  }

  /** The most days each team had running at once, replaying starts and ends in order. */
  peakRunning(): Map<bigint, number> {
    const running = new Map<bigint, number>()
    const peak = new Map<bigint, number>()
    for (const event of this.events) {
      const now = (running.get(event.team) ?? 0) + (event.kind === "start" ? 1 : -1)
      running.set(event.team, now)
      peak.set(event.team, Math.max(peak.get(event.team) ?? 0, now))
    }
    return peak
  }

  /** The most days any one worker started after `backfillId` was scheduled and before its first day started. */
  turnsBeforeFirstStart(backfillId: BackfillId): number {
    const from = this.scheduledAt.get(backfillId) ?? 0
    const perWorker = new Map<number, number>()
    for (const event of this.events.slice(from)) {
      if (event.kind !== "start") continue
      if (event.backfillId === backfillId) break
      perWorker.set(event.worker, (perWorker.get(event.worker) ?? 0) + 1)
    }
    return Math.max(0, ...perWorker.values())
  }
}

let transfers = 0
const LAST_DAY = "2023-12-31" as CalendarDate

/**
 * Schedules `count` backfills of `days` days each for `team`, each on a transfer of its
 * own, or all on `transferId`, one after the other back in time.
 */
export const scheduleFor = (
  log: TurnLog,
  team: bigint,
  count: number,
  days: number,
  options: { readonly processing?: BackfillProcessing; readonly transferId?: TransferId } = {}
) =>
  Effect.gen(function* () {
    const repository = yield* BackfillRepository
    for (let index = 0; index < count; index++) {
      transfers += 1
      const shift = options.transferId === undefined ? 0 : index * days
      const last = Temporal.PlainDate.from(LAST_DAY).subtract({ days: shift })
      const range = Either.getOrThrow(
        makeDateRange(last.subtract({ days: days - 1 }).toString() as CalendarDate, last.toString() as CalendarDate)
      )
      const backfill = yield* repository.insertUnlessOverlapping(
        accessTo(team),
        newBackfill({
          transferId: options.transferId ?? TransferId.make(BigInt(team) * 100_000n + BigInt(transfers)),
          range,
          createdTime: epochSecondsFromMillis(Date.UTC(2024, 0, 1)),
          createdUserId: UserId.make(789n)
        }),
        undefined,
        options.processing
      )
      log.teamOf.set(backfill.id, team)
      log.scheduledAt.set(backfill.id, log.events.length)
    }
  })

/**
 * `workers` worker loops, each day taking `dayMillis` of real time and logged; the fibers
 * to interrupt when the test has seen enough.
 */
export const startWorkers = (
  log: TurnLog,
  options: { readonly workers: number; readonly dayMillis: number; readonly maxRunningDaysPerTeam?: number }
) =>
  Effect.forEach(
    Array.from({ length: options.workers }, (_, index) => index),
    (worker) =>
      Effect.fork(
        Worker.runWorker({
          workerId: WorkerId.make(`fair-${worker}`),
          leaseDuration: Duration.seconds(30),
          pollInterval: Duration.millis(20),
          maxRunningDaysPerTeam: options.maxRunningDaysPerTeam,
          execute: ({ backfill }) => {
            const team = log.teamOf.get(backfill.id) ?? TeamId.make(0n)
            const logged = (kind: TurnEvent["kind"]) =>
              Effect.sync(() => log.events.push({ kind, team, backfillId: backfill.id, worker }))
            return Effect.as(
              Effect.ensuring(Effect.zipRight(logged("start"), Effect.sleep(options.dayMillis)), logged("end")),
              completed
            )
          }
        })
      )
  )

class WorkersTooSlow extends Data.TaggedError("WorkersTooSlow") {}

/** Polls until `done` holds of the log; fails after `timeout`. */
export const waitFor = (done: () => boolean, timeout: Duration.DurationInput) =>
  Effect.iterate(false, { while: (finished) => !finished, body: () => Effect.as(Effect.sleep(20), done()) }).pipe(
    Effect.timeoutFail({ duration: timeout, onTimeout: () => new WorkersTooSlow() })
  )

/** Waits until `done` holds of the log, then stops the workers, whatever happened. */
export const runUntil = (
  workers: ReadonlyArray<Fiber.RuntimeFiber<unknown, unknown>>,
  done: () => boolean,
  timeout: Duration.DurationInput
) => Effect.ensuring(waitFor(done, timeout), Fiber.interruptAll(workers))
