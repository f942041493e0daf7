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
  Array.from({ length: INSERTS_PER_ROUND }, (_, index) => {
    const start = 1 + ((index * 7) % 25)
    return Effect.either(steps.insert(day(start), day(Math.min(28, start + (index % 4)))))
  })

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
      "an insert waits for another insert into its transfer until that one commits, not for other transfers'",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const schema = yield* freshSchema
          const repository = layerPostgresBackfillRepository({ schema, deadline: DEADLINE })
          // The team's and the transfer's rows of running days, committed: the first insert of
          // a team or transfer holds its row until it commits.
          yield* Effect.provide(steps.insert(day(20), day(25)), repository)
          const inserted = yield* Deferred.make<void>()
          const commit = yield* Deferred.make<void>()
          const first = yield* steps
            .insert(day(1), day(5))
            .pipe(
              Effect.zipLeft(Deferred.succeed(inserted, undefined)),
              Effect.zipLeft(Deferred.await(commit)),
              sql.withTransaction,
              Effect.provide(repository),
              Effect.fork
            )
          yield* Deferred.await(inserted)
          const sameTransfer = yield* Effect.fork(Effect.provide(steps.insert(day(10), day(12)), repository))
          yield* Effect.provide(steps.insert(day(1), day(5), { transferId: TransferId.make(2n) }), repository)
          // Not a bound on anything: without the turns it would have long finished.
          yield* Effect.sleep(Duration.seconds(1))
          const waitedForTheCommit = Option.isNone(yield* Fiber.poll(sameTransfer))
          yield* Deferred.succeed(commit, undefined)
          const stored = yield* Fiber.join(first)
          expect((yield* Fiber.join(sameTransfer)).id > stored.id).toBe(true)
          expect(waitedForTheCommit).toBe(true)
        }).pipe(Effect.scoped, Effect.provide(Layer.succeedContext(database.client))),
      60_000
    )
  }
)
