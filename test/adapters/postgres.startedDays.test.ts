/**
 * The outcome of a day the adapter started is decided on what the start wrote, without
 * reading it back. Whatever happens between the start and the outcome, it must store and
 * answer exactly what an adapter that never saw the start (and so reads) stores and answers.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option } from "effect"
import { afterAll } from "vitest"
import { layerPostgresBackfillRepository } from "../../src/adapters/postgres/repository.js"
import { makeStartedDays } from "../../src/adapters/postgres/startedDays.js"
import { type Backfill, newBackfill } from "../../src/domain/backfill.js"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { makeDateRange } from "../../src/domain/dateRange.js"
import { BackfillId, TeamId, TransferId, UserId } from "../../src/domain/ids.js"
import type { RecordedOutcome } from "../../src/domain/lifecycle.js"
import { completed, failed, type Lease, RunState, WorkerId } from "../../src/domain/runs.js"
import { epochSecondsFromMillis } from "../../src/domain/time.js"
import { WorkerRepository } from "../../src/ports/backfillRepository.js"
import { repositories } from "../support/access.js"
import { freshSchema, openTestDatabase } from "../support/database.js"

const database = await openTestDatabase()
afterAll(() => database.close())

const NOW = Date.UTC(2024, 1, 1, 9)
const LEASE_MILLIS = 60_000
const USER = UserId.make(789n)

const BETWEEN = ["nothing", "cancel", "reclaim", "another day reported", "retry"] as const
type Between = (typeof BETWEEN)[number]

const draft = (transferId: bigint) =>
  newBackfill({
    transferId: TransferId.make(transferId),
    range: Either.getOrThrow(makeDateRange("2024-01-01" as CalendarDate, "2024-01-03" as CalendarDate)),
    createdTime: epochSecondsFromMillis(NOW),
    createdUserId: USER
  })

/** What a backfill and its ledger look like, its ids aside, so that two backfills compare. */
const stored = (id: BackfillId) =>
  Effect.gen(function* () {
    const repository = yield* repositories
    const backfill = Option.getOrThrow(yield* repository.findById(id))
    const runs = yield* repository.runsOf(id, {
      states: RunState.literals,
      before: Option.none<CalendarDate>(),
      limit: 10
    })
    const { id: _id, transferId: _transferId, ...rest } = backfill satisfies Backfill
    return { backfill: rest, runs }
  })

interface StartedDay {
  readonly id: BackfillId
  readonly lease: Lease
  readonly day: CalendarDate
}

/** A backfill of three days, claimed by `worker` and its newest day started. */
const started = (transferId: bigint, worker: WorkerId) =>
  Effect.gen(function* () {
    const repository = yield* repositories
    const backfill = yield* repository.insertUnlessOverlapping(TeamId.make(1n), draft(transferId))
    yield* repository.materialiseRuns(backfill.id, 10)
    const lease = Option.getOrThrow(yield* repository.claim(worker, NOW, LEASE_MILLIS))
    expect(lease.backfillId).toBe(backfill.id)
    const run = Option.getOrThrow(yield* repository.startNextRun(lease, NOW + 1))
    return { id: backfill.id, lease, day: run.day } satisfies StartedDay
  })

const happenBetween = (between: Between, { id, lease, day }: StartedDay) =>
  Effect.gen(function* () {
    const repository = yield* repositories
    const other = day === "2024-01-03" ? ("2024-01-01" as CalendarDate) : ("2024-01-03" as CalendarDate)
    switch (between) {
      case "nothing":
        return
      case "cancel":
        return yield* Effect.asVoid(repository.cancel(id, { time: epochSecondsFromMillis(NOW + 2), userId: USER }))
      case "reclaim":
        // The same worker takes its lease back: a new fence, and the running day pending again.
        return yield* Effect.asVoid(repository.claim(lease.workerId, NOW + 2, LEASE_MILLIS))
      case "another day reported":
        return yield* Effect.asVoid(repository.recordOutcome(id, other, failed("other"), NOW + 2))
      case "retry":
        yield* repository.recordOutcome(id, other, failed("other"), NOW + 2)
        return yield* Effect.asVoid(Effect.either(repository.retry(id, Option.some([other]))))
    }
  })

/** An outcome's answer without the backfill's ids, and a refusal by its tag. */
const comparable = (answer: Either.Either<RecordedOutcome, { readonly _tag: string }>) =>
  Either.match(answer, {
    onLeft: (error) => ({ refused: error._tag }),
    onRight: ({ backfill: { id: _id, transferId: _transferId, ...backfill }, ...recorded }) => ({
      ...recorded,
      backfill
    })
  })

describe(`an outcome decided on its remembered start (PostgreSQL, ${database.kind})`, () => {
  for (const between of BETWEEN) {
    for (const outcome of [completed, failed("boom")]) {
      for (const underLease of [true, false]) {
        it.live(
          `stores and answers what a read would, after ${between}, ${outcome._tag}, ${underLease ? "under" : "without"} its lease`,
          () =>
            Effect.scoped(
              Effect.gen(function* () {
                const schema = yield* freshSchema
                const starter = yield* Layer.build(layerPostgresBackfillRepository({ schema }))
                const stranger = yield* Layer.build(layerPostgresBackfillRepository({ schema }))
                const remembered = yield* Effect.provide(started(1n, WorkerId.make("worker-1")), starter)
                const read = yield* Effect.provide(started(2n, WorkerId.make("worker-2")), starter)
                expect(remembered.day).toBe(read.day)
                yield* Effect.provide(happenBetween(between, remembered), starter)
                yield* Effect.provide(happenBetween(between, read), starter)
                const report = (target: StartedDay, context: typeof starter) =>
                  Effect.provide(
                    Effect.flatMap(WorkerRepository, (worker) =>
                      Effect.either(
                        worker.recordOutcome(
                          target.id,
                          target.day,
                          outcome,
                          NOW + 3,
                          underLease ? target.lease : undefined
                        )
                      )
                    ),
                    context
                  )
                const answered = yield* report(remembered, starter)
                const answeredOnRead = yield* report(read, stranger)
                expect(comparable(answered)).toEqual(comparable(answeredOnRead))
                expect(yield* Effect.provide(stored(remembered.id), starter)).toEqual(
                  yield* Effect.provide(stored(read.id), starter)
                )
                const sql = yield* SqlClient.SqlClient
                const events = (id: BackfillId) =>
                  sql<{ readonly type: string; readonly sequence: number }>`
                    SELECT type, sequence FROM ${sql(schema)}.backfill_events
                    WHERE backfill_id = ${String(id)}::bigint ORDER BY sequence`
                expect(yield* events(remembered.id)).toEqual(yield* events(read.id))
              })
            ).pipe(Effect.provide(Layer.succeedContext(database.client))),
          60_000
        )
      }
    }
  }

  it.effect("forgets the oldest day past its capacity, and gives each day once", () =>
    Effect.sync(() => {
      const days = makeStartedDays(2)
      const snapshot = (id: bigint) => ({
        backfill: { id: BackfillId.make(id) } as Backfill,
        version: "1",
        fence: 1,
        runState: "running" as const,
        runAttempts: 1
      })
      const day = "2024-01-01" as CalendarDate
      days.remember(day, snapshot(1n))
      days.remember(day, snapshot(2n))
      days.remember(day, snapshot(3n))
      expect(days.size).toBe(2)
      expect(days.take(BackfillId.make(1n), day)).toBeUndefined()
      expect(days.take(BackfillId.make(2n), day)?.backfill.id).toBe(2n)
      expect(days.take(BackfillId.make(2n), day)).toBeUndefined()
      expect(days.take(BackfillId.make(3n), day)?.backfill.id).toBe(3n)
      expect(days.size).toBe(0)
    })
  )
})
