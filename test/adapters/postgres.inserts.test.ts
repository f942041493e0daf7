/**
 * Overlapping schedules of one transfer at once, on PostgreSQL: each is stored or refused
 * for the overlap, at once. The overlap rule checks a new row only after writing it to
 * its index, so two such inserts can each find the other's row and wait for each other;
 * the server settles that only after `deadlock_timeout` (a second by default), and a
 * few of sixty inserts at once used to lose the race until their retries ran out (503).
 * Here `deadlock_timeout` is longer than the ports' deadline, so any such wait shows up
 * as `ServiceUnavailable` instead of hiding as a retry.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Either, Fiber, Layer, Option } from "effect"
import { afterAll } from "vitest"
import { layerPostgresBackfillRepository } from "../../src/adapters/postgres/repository.js"
import { TransferId } from "../../src/domain/ids.js"
import * as steps from "../../src/testing/conformance/steps.js"
import { overlappingJanuaryRanges } from "../../src/testing/conformance/world.js"
import { freshSchema, openTestDatabase } from "../support/database.js"

const database = await openTestDatabase({ sessionSettings: { deadlock_timeout: "10min" } })
afterAll(() => database.close())

/** Long enough for sixty inserts to queue on a loaded machine, far shorter than `deadlock_timeout`. */
const DEADLINE = Duration.seconds(30)
const ROUNDS = 6
const INSERTS_PER_ROUND = 60

const day = (n: number) => `2024-01-${String(n).padStart(2, "0")}`

/** Overlapping ranges in January, on one transfer. */
const round = () =>
  overlappingJanuaryRanges(INSERTS_PER_ROUND).map(([start, end]) => Effect.either(steps.insert(start, end)))

describe(`overlapping inserts into one transfer on PostgreSQL (${database.kind})`, () => {
  it.effect(
    "are stored or refused for the overlap, none kept waiting on another",
    () =>
      Effect.gen(function* () {
        const refusals = new Map<string, number>()
        let stored = 0
        // A round with a stalled insert takes the whole deadline: one is enough to tell.
        for (let rounds = 0; rounds < ROUNDS && refusals.size <= 1; rounds += 1) {
          // A schema of its own each round, as in the conformance suite where the stalls were
          // seen: the team and the transfer are new, their rows of running days too.
          const outcomes = yield* Effect.flatMap(freshSchema, (schema) =>
            Effect.all(round(), { concurrency: "unbounded" }).pipe(
              Effect.provide(layerPostgresBackfillRepository({ schema, deadline: DEADLINE }))
            )
          ).pipe(Effect.scoped)
          for (const outcome of outcomes) {
            if (Either.isRight(outcome)) stored += 1
            else refusals.set(outcome.left._tag, (refusals.get(outcome.left._tag) ?? 0) + 1)
          }
        }
        expect([...refusals.keys()]).toEqual(["ActiveRangeOverlap"])
        expect(stored + (refusals.get("ActiveRangeOverlap") ?? 0)).toBe(ROUNDS * INSERTS_PER_ROUND)
      }).pipe(Effect.provide(Layer.succeedContext(database.client))),
    240_000
  )
})

describe.skipIf(database.kind !== "server")(
  "inserts into one transfer take turns (needs a PostgreSQL server: PGlite serves one connection at a time, so every insert waits for an open transaction)",
  () => {
    it.live(
      "an insert waits for its transfer's turn before writing its row, until the insert before commits; other transfers' do not wait",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const schema = yield* freshSchema
          const repository = layerPostgresBackfillRepository({ schema, deadline: DEADLINE })
          const insert = (start: number, end: number, transfer = 1n) =>
            Effect.provide(steps.insert(day(start), day(end), { transferId: TransferId.make(transfer) }), repository)
          // The team's and the transfer's rows of running days, committed: the first insert of
          // a team or transfer holds its row until it commits.
          yield* insert(20, 25)
          const inserted = yield* Deferred.make<void>()
          const commit = yield* Deferred.make<void>()
          const first = yield* insert(1, 5).pipe(
            Effect.zipLeft(Deferred.succeed(inserted, undefined)),
            Effect.zipLeft(Deferred.await(commit)),
            sql.withTransaction,
            Effect.fork
          )
          yield* Deferred.await(inserted)
          const waiting = yield* Effect.gen(function* () {
            const apart = yield* Effect.fork(insert(10, 12))
            const overlapping = yield* Effect.fork(Effect.flip(insert(3, 4)))
            yield* insert(1, 5, 2n)
            // Not a bound on anything: without the turns the insert apart would have long finished.
            yield* Effect.sleep(Duration.seconds(1))
            // Waiting on the turn (an advisory lock), not on the first insert's row: the
            // overlapping insert has not written its own to the overlap rule's index yet.
            const waits = yield* sql<{ readonly wait_event: string | null }>`
              SELECT wait_event FROM pg_stat_activity
              WHERE state = 'active' AND query LIKE ${`%INSERT INTO "${schema}".backfills%`}
                AND pid <> pg_backend_pid()`
            return { apart, overlapping, finished: Option.isSome(yield* Fiber.poll(apart)), waits }
          }).pipe(Effect.ensuring(Deferred.succeed(commit, undefined)))
          const stored = yield* Fiber.join(first)
          const [apart, refused] = [yield* Fiber.join(waiting.apart), yield* Fiber.join(waiting.overlapping)]
          expect(waiting.finished).toBe(false)
          expect(waiting.waits.map((wait) => wait.wait_event)).toEqual(["advisory", "advisory"])
          expect(apart.range.start).toBe(day(10))
          expect(refused._tag === "ActiveRangeOverlap" && refused.conflicting.id).toBe(stored.id)
        }).pipe(Effect.scoped, Effect.provide(Layer.succeedContext(database.client))),
      60_000
    )
  }
)
