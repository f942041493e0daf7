/**
 * A day's outcome that loses its optimistic race is settled under the backfill's row
 * lock, and there too only under the lease it was reported with. Here the race is lost
 * for the worst reason: the lease lapsed and another worker took the backfill over while
 * the outcome was on its way. The outcome read the old lease from its snapshot, its
 * write waited on the takeover's row lock and then found the backfill changed; decided
 * again under the lock, it must be refused as the lost lease's, not recorded.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Either, Fiber, Layer, Option, Schedule } from "effect"
import { afterAll } from "vitest"
import { layerPostgresBackfillRepository } from "../../src/adapters/postgres/repository.js"
import { newBackfill } from "../../src/domain/backfill.js"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { makeDateRange } from "../../src/domain/dateRange.js"
import { TeamId, TransferId, UserId } from "../../src/domain/ids.js"
import { completed, RunState, WorkerId } from "../../src/domain/runs.js"
import { epochSecondsFromMillis } from "../../src/domain/time.js"
import { repositories } from "../support/access.js"
import { freshSchema, openTestDatabase } from "../support/database.js"

const database = await openTestDatabase()
afterAll(() => database.close())

const NOW = Date.UTC(2024, 1, 1, 9)
const LEASE_MILLIS = 60_000

describe.skipIf(database.kind !== "server")(
  "an outcome settled under the row lock (needs a PostgreSQL server: PGlite serves one connection at a time, so the outcome could not wait on another's open transaction)",
  () => {
    it.live(
      "is refused as the lost lease's when another worker took the backfill over while it waited",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const schema = yield* freshSchema
          // One race and the outcome is decided under the lock; a layer that did not start
          // the day, so that the outcome reads its snapshot instead of remembering one.
          const starter = layerPostgresBackfillRepository({ schema })
          const reporter = layerPostgresBackfillRepository({ schema, optimisticAttempts: 1 })
          const { id, lease, day } = yield* Effect.provide(
            Effect.gen(function* () {
              const repository = yield* repositories
              const backfill = yield* repository.insertUnlessOverlapping(
                TeamId.make(1n),
                newBackfill({
                  transferId: TransferId.make(1n),
                  range: Either.getOrThrow(makeDateRange("2024-01-01" as CalendarDate, "2024-01-02" as CalendarDate)),
                  createdTime: epochSecondsFromMillis(NOW),
                  createdUserId: UserId.make(789n)
                })
              )
              yield* repository.materialiseRuns(backfill.id, 10)
              const lease = Option.getOrThrow(yield* repository.claim(WorkerId.make("worker-1"), NOW, LEASE_MILLIS))
              const run = Option.getOrThrow(yield* repository.startNextRun(lease, NOW + 1))
              return { id: backfill.id, lease, day: run.day }
            }),
            starter
          )
          const claimedOver = yield* Deferred.make<void>()
          const commit = yield* Deferred.make<void>()
          // Worker 1's lease lapsed: worker 2 claims the backfill, in a transaction held open.
          const takeover = yield* Effect.flatMap(repositories, (repository) =>
            repository.claim(WorkerId.make("worker-2"), NOW + LEASE_MILLIS + 1, LEASE_MILLIS)
          ).pipe(
            Effect.zipLeft(Deferred.succeed(claimedOver, undefined)),
            Effect.zipLeft(Deferred.await(commit)),
            sql.withTransaction,
            Effect.provide(starter),
            Effect.fork
          )
          yield* Deferred.await(claimedOver)
          const reported = yield* Effect.flatMap(repositories, (repository) =>
            Effect.either(repository.recordOutcome(id, day, completed, NOW + 2, lease))
          ).pipe(Effect.provide(reporter), Effect.fork)
          // The outcome's write waits on the takeover's row lock: then the takeover commits.
          const waiting = sql<{ readonly waits: boolean }>`
            SELECT EXISTS (
              SELECT 1 FROM pg_stat_activity
              WHERE wait_event_type = 'Lock' AND query LIKE ${`%UPDATE "${schema}".backfill_runs%`}
            ) AS waits`
          yield* waiting.pipe(
            Effect.filterOrFail(([row]) => row?.waits === true),
            Effect.retry(Schedule.spaced(Duration.millis(20)).pipe(Schedule.upTo(Duration.seconds(30)))),
            Effect.ensuring(Deferred.succeed(commit, undefined))
          )
          const taken = Option.getOrThrow(yield* Fiber.join(takeover))
          const answer = yield* Fiber.join(reported)
          expect(taken.workerId).toBe("worker-2")
          expect(Either.isLeft(answer) && answer.left._tag).toBe("LeaseLost")
          const runs = yield* Effect.flatMap(repositories, (repository) =>
            repository.runsOf(id, { states: RunState.literals, before: Option.none(), limit: 10 })
          ).pipe(Effect.provide(starter))
          // The takeover put the day back to pending, and the lost lease's outcome did not count.
          expect(runs.find((run) => run.day === day)?.state).toBe("pending")
          const backfill = Option.getOrThrow(
            yield* Effect.flatMap(repositories, (repository) => repository.findById(id)).pipe(Effect.provide(starter))
          )
          expect(backfill.runs.completed).toBe(0)
        }).pipe(Effect.scoped, Effect.provide(Layer.succeedContext(database.client))),
      60_000
    )
  }
)
