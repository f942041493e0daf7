/**
 * Eight workers sharing backfills of teams with very different backlogs, on the memory
 * adapter and on PostgreSQL (the server in `DATABASE_URL`, else PGlite): every team with
 * work gets its max-min fair share of started days, no team ever runs more days at once
 * than its cap, a team that schedules last starts within two turns, and a ten-year
 * backfill keeps making progress while others come and go.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel } from "effect"
import { afterAll } from "vitest"
import { layerMemoryBackfillRepository } from "../../src/adapters/memory/backfillRepository.js"
import { TransferId } from "../../src/domain/ids.js"
import type { BackfillRepository, WorkerRepository } from "../../src/ports/backfillRepository.js"
import { freshRepository, openTestDatabase } from "../support/database.js"
import { runUntil, scheduleFor, startWorkers, TurnLog, waitFor } from "../support/turnLog.js"

const database = await openTestDatabase()
afterAll(() => database.close())

const WORKERS = 8
const DAY_MILLIS = 40
const [A, B, C, LATE] = [1n, 2n, 3n, 4n]

const adapters: ReadonlyArray<readonly [string, () => Layer.Layer<BackfillRepository | WorkerRepository>]> = [
  ["memory", () => layerMemoryBackfillRepository()],
  [`PostgreSQL (${database.kind})`, () => freshRepository(database)]
]

/** Teams with backlogs of 30, 5 and 1 backfills, sized so that each has work for about as long. */
const backlogs = (log: TurnLog) =>
  Effect.all([scheduleFor(log, A, 30, 4), scheduleFor(log, B, 5, 20), scheduleFor(log, C, 1, 40)])

const started = (log: TurnLog, team: bigint) => log.starts().filter((event) => event.team === team).length

describe.each(adapters)("fair workers on %s", (_, repository) => {
  it.live(
    "give each team its max-min fair share of started days while all three have work",
    () =>
      Effect.gen(function* () {
        const log = new TurnLog()
        yield* backlogs(log)
        const workers = yield* startWorkers(log, { workers: WORKERS, dayMillis: DAY_MILLIS })
        yield* runUntil(workers, () => log.starts().length === 30 * 4 + 5 * 20 + 40, "60 seconds")
        // One running day per backfill: C can use one worker, A and B split the other seven.
        const fair = new Map([
          [A, 3.5 / 8],
          [B, 3.5 / 8],
          [C, 1 / 8]
        ])
        const shares = log.sharesWhileAllHaveWork([A, B, C])
        for (const [team, share] of fair) {
          expect.soft(shares.get(team) ?? 0, `team ${team}'s share`).toBeGreaterThanOrEqual(share * 0.85)
          // C's one backfill runs a day at a time: more than an eighth of the starts only
          // means its worker went round faster than the others (on a loaded machine their
          // claims queue on the teams' rows), never that C ran more at once.
          if (team !== C) expect.soft(shares.get(team) ?? 0, `team ${team}'s share`).toBeLessThanOrEqual(share * 1.15)
        }
        expect(log.peakRunning().get(C)).toBe(1)
      }).pipe(Effect.provide(repository()), Logger.withMinimumLogLevel(LogLevel.Warning)),
    120_000
  )

  it.live(
    "never run more days of a team at once than its cap, across all workers",
    () =>
      Effect.gen(function* () {
        const log = new TurnLog()
        yield* backlogs(log)
        const workers = yield* startWorkers(log, { workers: WORKERS, dayMillis: DAY_MILLIS, maxRunningDaysPerTeam: 2 })
        yield* runUntil(workers, () => log.starts().length >= 120, "60 seconds")
        const peaks = log.peakRunning()
        expect([peaks.get(A), peaks.get(B), peaks.get(C)]).toEqual([2, 2, 1])
      }).pipe(Effect.provide(repository()), Logger.withMinimumLogLevel(LogLevel.Warning)),
    120_000
  )

  it.live(
    "start the team that scheduled last within two turns, however long the others' queues",
    () =>
      Effect.gen(function* () {
        const log = new TurnLog()
        yield* scheduleFor(log, A, 30, 4)
        const workers = yield* startWorkers(log, { workers: WORKERS, dayMillis: DAY_MILLIS })
        // Every worker busy with team A's queue of 120 days when the late team schedules.
        yield* waitFor(() => log.starts().length >= 3 * WORKERS, "30 seconds")
        yield* scheduleFor(log, LATE, 1, 3)
        yield* runUntil(workers, () => started(log, LATE) === 3, "30 seconds")
        const [late] = [...log.teamOf].filter(([, team]) => team === LATE).map(([id]) => id)
        expect(late).toBeDefined()
        if (late !== undefined) expect(log.turnsBeforeFirstStart(late)).toBeLessThanOrEqual(2)
      }).pipe(Effect.provide(repository()), Logger.withMinimumLogLevel(LogLevel.Warning)),
    120_000
  )

  it.live(
    "keep a ten-year backfill making progress while other teams' backfills come and go",
    () =>
      Effect.gen(function* () {
        const log = new TurnLog()
        yield* scheduleFor(log, A, 1, 3650)
        const workers = yield* startWorkers(log, { workers: WORKERS, dayMillis: DAY_MILLIS })
        for (let wave = 0; wave < 6; wave++) {
          yield* scheduleFor(log, B + BigInt(wave % 3), 6, 2)
          yield* Effect.sleep(DAY_MILLIS * 2)
        }
        yield* runUntil(workers, () => started(log, A) >= 20, "60 seconds")
        // Between two days of the long backfill (once its 3,650 runs exist), the others start
        // at most a turn or two per worker.
        const starts = log.starts()
        const first = starts.findIndex((event) => event.team === A)
        let othersSinceLast = 0
        let longestGap = 0
        for (const event of starts.slice(first)) {
          if (event.team === A) othersSinceLast = 0
          else longestGap = Math.max(longestGap, ++othersSinceLast)
        }
        expect(longestGap).toBeLessThanOrEqual(2 * WORKERS)
        expect(started(log, A)).toBeGreaterThanOrEqual(20)
      }).pipe(Effect.provide(repository()), Logger.withMinimumLogLevel(LogLevel.Warning)),
    120_000
  )
})

describe.each(adapters)("workers sharing one transfer's backfills on %s", (_, repository) => {
  it.live(
    "claim and release around each other without a step failing",
    () => {
      const logged: Array<string> = []
      const capture = Logger.replace(
        Logger.defaultLogger,
        Logger.make(({ message }) => logged.push(String(message)))
      )
      return Effect.gen(function* () {
        const log = new TurnLog()
        yield* scheduleFor(log, A, 24, 3, { transferId: TransferId.make(777_777n) })
        const workers = yield* startWorkers(log, { workers: WORKERS, dayMillis: 1 })
        yield* runUntil(workers, () => log.starts().length >= 24 * 3, "60 seconds")
        expect(logged.filter((message) => message.includes("failed"))).toEqual([])
      }).pipe(Effect.provide(Layer.merge(repository(), capture)))
    },
    120_000
  )
})
