/**
 * Benchmark 4c, the cost of fairness: days per second that 8 workers drive through
 * PostgreSQL with turns of one day (a claim and a release around every day, each claim
 * choosing the team with the fewest running days) against whole-backfill leases (one
 * claim, then every day of the backfill), the same backlog and a no-op transfer run.
 */
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

export const fairTurns = async (log: (line: string) => void): Promise<Result> => {
  const [turns, whole] = await withSchema((schema) =>
    Effect.runPromise(Effect.all([drive(schema, 1), drive(schema, WHOLE_BACKFILL)]))
  )
  log(`  8 workers, ${TEAMS * BACKFILLS_PER_TEAM} backfills of ${DAYS} days over ${TEAMS} teams`)
  log(`  turns of one day        ${Math.round(turns).toLocaleString("en")} days/s`)
  log(`  whole-backfill leases   ${Math.round(whole).toLocaleString("en")} days/s`)
  log("  statements per day: claim 1, start 5 (a transaction), outcome 2, release 1; whole leases claim once")
  const ratio = turns / whole
  return {
    name: "4c. fair turns: days/s by 8 workers with turns of one day vs whole-backfill leases",
    value: Math.round(turns),
    unit: "days/s",
    baseline: Math.round(whole),
    ratio: Math.round(ratio * 100) / 100,
    goal: "ratio ≥ 0.5",
    met: ratio >= 0.5
  }
}
