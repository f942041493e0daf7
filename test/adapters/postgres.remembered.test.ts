/**
 * The start of a day is decided on what the claim before it read, and the day's outcome on
 * what its start wrote, without reading the backfill back. Whatever happens between the
 * two steps, each must store and answer exactly what an adapter that never saw the step
 * before (and so reads) stores and answers.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option } from "effect"
import { afterAll } from "vitest"
import { makeMemory } from "../../src/adapters/postgres/remembered.js"
import { layerPostgresBackfillRepository } from "../../src/adapters/postgres/repository.js"
import { type Backfill, newBackfill } from "../../src/domain/backfill.js"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { makeDateRange } from "../../src/domain/dateRange.js"
import { type BackfillId, TeamId, TransferId, UserId } from "../../src/domain/ids.js"
import type { RecordedOutcome } from "../../src/domain/lifecycle.js"
import { completed, failed, type Lease, RunState, WorkerId } from "../../src/domain/runs.js"
import { epochSecondsFromMillis } from "../../src/domain/time.js"
import { type StartedRun, WorkerRepository } from "../../src/ports/backfillRepository.js"
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

interface Prepared {
  readonly id: BackfillId
  readonly lease: Lease
  /** The day started, for an outcome; none for a start. */
  readonly day: CalendarDate | undefined
}

/** A backfill of three days claimed by `worker`, and for an outcome its newest day started. */
const prepared = (step: Step, transferId: bigint, worker: WorkerId) =>
  Effect.gen(function* () {
    const repository = yield* repositories
    const backfill = yield* repository.insertUnlessOverlapping(TeamId.make(1n), draft(transferId))
    yield* repository.materialiseRuns(backfill.id, 10)
    const lease = Option.getOrThrow(yield* repository.claim(worker, NOW, LEASE_MILLIS))
    expect(lease.backfillId).toBe(backfill.id)
    if (step === "start") return { id: backfill.id, lease, day: undefined } satisfies Prepared
    const run = Option.getOrThrow(yield* repository.startNextRun(lease, NOW + 1))
    if (step !== "start after a takeover") return { id: backfill.id, lease, day: run.day } satisfies Prepared
    // The worker takes its lease back, and with it the day it left running, pending again.
    const taken = Option.getOrThrow(yield* repository.claim(worker, NOW + 1, LEASE_MILLIS))
    return { id: backfill.id, lease: taken, day: undefined } satisfies Prepared
  })

const happenBetween = (between: Between, { id, lease, day }: Prepared) =>
  Effect.gen(function* () {
    const repository = yield* repositories
    // A day the step does not take: the oldest, as the newest is taken first.
    const other = day === "2024-01-01" ? ("2024-01-03" as CalendarDate) : ("2024-01-01" as CalendarDate)
    switch (between) {
      case "nothing":
        return
      case "cancel":
        return yield* Effect.asVoid(repository.cancel(id, { time: epochSecondsFromMillis(NOW + 2), userId: USER }))
      case "reclaim":
        // The same worker takes its lease back: a new fence, and a running day pending again.
        return yield* Effect.asVoid(repository.claim(lease.workerId, NOW + 2, LEASE_MILLIS))
      case "another day reported":
        return yield* Effect.asVoid(repository.recordOutcome(id, other, failed("other"), NOW + 2))
      case "retry":
        yield* repository.recordOutcome(id, other, failed("other"), NOW + 2)
        return yield* Effect.asVoid(Effect.either(repository.retry(id, Option.some([other]))))
    }
  })

/** A backfill without its ids, so that two backfills compare. */
const withoutIds = ({ id: _id, transferId: _transferId, ...backfill }: Backfill) => backfill

/** A step's answer without the backfill's ids, and a refusal by its tag. */
const comparable = (
  answer: Either.Either<RecordedOutcome | Option.Option<StartedRun>, { readonly _tag: string }>
): unknown =>
  Either.match(answer, {
    onLeft: (error) => ({ refused: error._tag }),
    onRight: (answered) =>
      Option.isOption(answered)
        ? Option.map(answered, ({ backfill, day }) => ({ day, backfill: withoutIds(backfill) }))
        : { ...answered, backfill: withoutIds(answered.backfill) }
  })

const STEPS = ["start", "start after a takeover", "outcome", "last outcome"] as const
type Step = (typeof STEPS)[number]

describe(`the worker's steps decided on what the step before wrote (PostgreSQL, ${database.kind})`, () => {
  for (const step of STEPS) {
    for (const between of BETWEEN) {
      for (const outcome of step.endsWith("outcome") ? [completed, failed("boom")] : [completed]) {
        for (const underLease of step === "outcome" ? [true, false] : [true]) {
          const called = step.endsWith("outcome")
            ? `${step === "outcome" ? "an outcome" : "a turn's last outcome, releasing its lease"} (${outcome._tag}, ${underLease ? "under" : "without"} its lease)`
            : step
          it.live(
            `${called} stores and answers what a read would, after ${between}`,
            () =>
              Effect.scoped(
                Effect.gen(function* () {
                  const schema = yield* freshSchema
                  const starter = yield* Layer.build(layerPostgresBackfillRepository({ schema }))
                  const stranger = yield* Layer.build(layerPostgresBackfillRepository({ schema }))
                  const remembered = yield* Effect.provide(prepared(step, 1n, WorkerId.make("worker-1")), starter)
                  const read = yield* Effect.provide(prepared(step, 2n, WorkerId.make("worker-2")), starter)
                  expect(remembered.day).toBe(read.day)
                  yield* Effect.provide(happenBetween(between, remembered), starter)
                  yield* Effect.provide(happenBetween(between, read), starter)
                  const take = (target: Prepared, context: typeof starter) =>
                    Effect.provide(
                      Effect.flatMap(WorkerRepository, (worker) =>
                        Effect.either<RecordedOutcome | Option.Option<StartedRun>, { readonly _tag: string }, never>(
                          target.day === undefined
                            ? worker.startNextRun(target.lease, NOW + 3)
                            : step === "last outcome"
                              ? Option.getOrThrow(Option.fromNullable(worker.recordOutcomeAndRelease))(
                                  target.id,
                                  target.day,
                                  outcome,
                                  NOW + 3,
                                  target.lease
                                )
                              : worker.recordOutcome(
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
                  const answered = yield* take(remembered, starter)
                  const answeredOnRead = yield* take(read, stranger)
                  expect(comparable(answered)).toEqual(comparable(answeredOnRead))
                  if (step === "last outcome" && between === "nothing") {
                    expect(answered).toEqual(Either.right(expect.objectContaining({ counted: true, released: true })))
                  }
                  expect(yield* Effect.provide(stored(remembered.id), starter)).toEqual(
                    yield* Effect.provide(stored(read.id), starter)
                  )
                  const sql = yield* SqlClient.SqlClient
                  const events = (id: BackfillId) =>
                    sql<{ readonly type: string; readonly sequence: number }>`
                      SELECT type, sequence FROM ${sql(schema)}.backfill_events
                      WHERE backfill_id = ${String(id)}::bigint ORDER BY sequence`
                  expect(yield* events(remembered.id)).toEqual(yield* events(read.id))
                  // The lease, and the transfer's running days (each backfill has a transfer of its own).
                  const held = (id: BackfillId) =>
                    sql<{ readonly free: boolean; readonly running: number }>`
                      SELECT b.lease_worker IS NULL AS free, l.running FROM ${sql(schema)}.backfills b
                      JOIN ${sql(schema)}.backfill_transfer_load l ON l.transfer_id = b.transfer_id
                      WHERE b.id = ${String(id)}::bigint`
                  expect(yield* held(remembered.id)).toEqual(yield* held(read.id))
                })
              ).pipe(Effect.provide(Layer.succeedContext(database.client))),
            60_000
          )
        }
      }
    }
  }

  it.effect("forgets the oldest snapshot past its capacity, gives each once, and keeps a remembered-again key", () =>
    Effect.sync(() => {
      const memory = makeMemory<number>(2)
      memory.remember("a", 1)
      memory.remember("b", 2)
      // Remembered again, "a" is the newest: "b" is the oldest when "c" comes.
      memory.remember("a", 3)
      memory.remember("c", 4)
      expect(memory.size).toBe(2)
      expect(memory.take("b")).toBeUndefined()
      expect(memory.take("a")).toBe(3)
      expect(memory.take("a")).toBeUndefined()
      expect(memory.take("c")).toBe(4)
      expect(memory.size).toBe(0)
    })
  )
})
