/**
 * Benchmarks of the worker's day on PostgreSQL, 8 workers, a no-op transfer run. 4c, the
 * cost of fairness: turns of one day (a claim and a release around every day, each claim
 * choosing the team with the fewest running days) against whole-backfill leases (one
 * claim, then every day of the backfill). 4d, the day cycle against its floor: a bare
 * `SKIP LOCKED` queue that claims, marks running and marks done, a statement each.
 */
import { SqlClient } from "@effect/sql"
import { Duration, Effect, Either } from "effect"
import { authorize } from "../src/domain/access.js"
import { newBackfill } from "../src/domain/backfill.js"
import type { CalendarDate } from "../src/domain/calendarDate.js"
import { makeDateRange } from "../src/domain/dateRange.js"
import { TeamId, TransferId, UserId } from "../src/domain/ids.js"
import { completed, WorkerId } from "../src/domain/runs.js"
import { epochSecondsFromMillis } from "../src/domain/time.js"
import * as Worker from "../src/operations/worker.js"
import { BackfillRepository } from "../src/ports/backfillRepository.js"
import type { Result } from "./measure.js"
import { runtimeFor, withSchema } from "./postgres.js"

const WORKERS = 8
const TEAMS = 4
const BACKFILLS_PER_TEAM = 6
const DAYS = 60
/** A turn no backfill outlasts: the worker keeps its lease until the backfill is done. */
const WHOLE_BACKFILL = 1_000_000

/** Schedules the backlog in `schema` and drives it to the end with `daysPerTurn`; days per second. */
const drive = (schema: string, daysPerTurn: number) =>
  Effect.promise(async () => {
    const runtime = runtimeFor(schema, WORKERS + 2)
    const range = Either.getOrThrow(makeDateRange("2023-01-01" as CalendarDate, "2023-03-01" as CalendarDate))
    await runtime.runPromise(
      Effect.flatMap(BackfillRepository, (repository) =>
        Effect.forEach(
          Array.from({ length: TEAMS * BACKFILLS_PER_TEAM }, (_, index) => index),
          (index) => {
            const teamId = TeamId.make(BigInt(1 + (index % TEAMS)))
            const access = Either.getOrThrow(
              authorize(
                {
                  userId: UserId.make(789n),
                  teamIds: [teamId],
                  scopes: ["dwh_transfers_write"],
                  permissions: ["dwh.transfer.edit"]
                },
                teamId,
                "write"
              )
            )
            return repository.insertUnlessOverlapping(
              access,
              newBackfill({
                transferId: TransferId.make(BigInt(10_000 * daysPerTurn + index + 1)),
                range,
                createdTime: epochSecondsFromMillis(Date.now()),
                createdUserId: UserId.make(789n)
              })
            )
          },
          { discard: true }
        )
      )
    )
    const started = performance.now()
    await runtime.runPromise(
      Effect.forEach(
        Array.from({ length: WORKERS }, (_, index) => index),
        (index) =>
          Worker.processNextBackfill({
            workerId: WorkerId.make(`bench-${daysPerTurn}-${index}`),
            leaseDuration: Duration.seconds(30),
            daysPerTurn,
            execute: () => Effect.succeed(completed)
          }).pipe(Effect.repeat({ while: (worked) => worked })),
        { concurrency: "unbounded", discard: true }
      )
    )
    const seconds = (performance.now() - started) / 1000
    await runtime.dispose()
    return (TEAMS * BACKFILLS_PER_TEAM * DAYS) / seconds
  })

/** A row of days per second against a floor, met when the ratio reaches `atLeast`. */
const daysPerSecondRow = (name: string, library: number, floor: number, atLeast: number): Result => {
  const ratio = library / floor
  return {
    name,
    value: Math.round(library),
    unit: "days/s",
    baseline: Math.round(floor),
    ratio: Math.round(ratio * 100) / 100,
    goal: `ratio ≥ ${atLeast}`,
    met: ratio >= atLeast
  }
}

export const fairTurns = async (log: (line: string) => void): Promise<Result> => {
  const [turns, whole] = await withSchema((schema) =>
    Effect.runPromise(Effect.all([drive(schema, 1), drive(schema, WHOLE_BACKFILL)]))
  )
  log(`  8 workers, ${TEAMS * BACKFILLS_PER_TEAM} backfills of ${DAYS} days over ${TEAMS} teams`)
  log(`  turns of one day        ${Math.round(turns).toLocaleString("en")} days/s`)
  log(`  whole-backfill leases   ${Math.round(whole).toLocaleString("en")} days/s`)
  log(
    "  statements per day: claim 1, start 1, outcome and release 1; whole leases claim once (then start 2, outcome 1)"
  )
  return daysPerSecondRow(
    "4c. fair turns: days/s by 8 workers with turns of one day vs whole-backfill leases",
    turns,
    whole,
    0.5
  )
}

/** The floor of a worker's day: claim a pending row with `SKIP LOCKED`, mark it running, mark it done. */
const bareQueue = (schema: string, days: number) =>
  Effect.promise(async () => {
    const runtime = runtimeFor(schema, WORKERS + 2)
    const sql = await runtime.runPromise(SqlClient.SqlClient)
    const queue = sql.literal(`"${schema}".bench_queue`)
    await runtime.runPromise(sql`
      CREATE TABLE ${queue} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, state text NOT NULL, worker text)`)
    await runtime.runPromise(sql`INSERT INTO ${queue} (state) SELECT 'pending' FROM generate_series(1, ${days})`)
    const started = performance.now()
    const worker = (name: string): Effect.Effect<void, unknown> =>
      Effect.flatMap(
        sql<{ readonly id: string }>`
          UPDATE ${queue} SET state = 'claimed', worker = ${name}
          WHERE id = (SELECT id FROM ${queue} WHERE state = 'pending' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
          RETURNING id::text AS id`,
        ([row]) =>
          row === undefined
            ? Effect.void
            : sql`UPDATE ${queue} SET state = 'running' WHERE id = ${row.id}::bigint`.pipe(
                Effect.zipRight(sql`UPDATE ${queue} SET state = 'done' WHERE id = ${row.id}::bigint`),
                Effect.zipRight(Effect.suspend(() => worker(name)))
              )
      )
    await runtime.runPromise(
      Effect.forEach(
        Array.from({ length: WORKERS }, (_, index) => worker(`bare-${index}`)),
        (loop) => loop,
        { concurrency: "unbounded", discard: true }
      )
    )
    const seconds = (performance.now() - started) / 1000
    await runtime.dispose()
    return days / seconds
  })

export const workerDayCycle = async (log: (line: string) => void): Promise<Result> => {
  const days = TEAMS * BACKFILLS_PER_TEAM * DAYS
  const [library, floor] = await withSchema((schema) =>
    Effect.runPromise(Effect.all([drive(schema, 1), bareQueue(schema, days)]))
  )
  log(`  8 workers, ${days} days`)
  log(
    `  library day cycle (claim, start, no-op, record and release)  ${Math.round(library).toLocaleString("en")} days/s`
  )
  log(`  bare SKIP LOCKED queue (claim, running, done)                ${Math.round(floor).toLocaleString("en")} days/s`)
  return daysPerSecondRow(
    "4d. worker day cycle: days/s by 8 workers vs a bare SKIP LOCKED queue (claim, running, done)",
    library,
    floor,
    0.35
  )
}
