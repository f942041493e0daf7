/**
 * `Idempotency-Key` on create, cancel and retry, through the HTTP handlers, on the
 * in-memory store and on PostgreSQL: replays, reuse with another request, keys kept per
 * user and team, expiry, failures that store nothing, and a burst of identical requests.
 */

import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Layer, Option, Ref, TestClock } from "effect"
import { afterAll } from "vitest"
import { layerPostgresBackfillRepository } from "../../src/adapters/postgres/repository.js"
import type { Principal } from "../../src/domain/access.js"
import { IdempotencyKeyLifetime } from "../../src/domain/idempotency.js"
import { TeamId, UserId } from "../../src/domain/ids.js"
import {
  handleCancelBackfill,
  handleListIncompleteBackfills,
  handleRetryBackfill,
  handleScheduleBackfill
} from "../../src/http/endpoints.js"
import { Authenticator } from "../../src/ports/authenticator.js"
import { freshRepository, freshSchema, openTestDatabase } from "../support/database.js"
import { call, type WireBackfill } from "./http.js"
import { bearer, SEED_TRANSFER, world } from "./world.js"

const database = await openTestDatabase()
afterAll(() => database.close())

const JANUARY = '{"range_start":"2024-01-01","range_end":"2024-01-31"}'
const DECEMBER = '{"range_start":"2023-12-01","range_end":"2023-12-31"}'

const schedule = (body: string, idempotencyKey: string | undefined, authorization = bearer("admin")) =>
  call(
    handleScheduleBackfill({
      authorization,
      path: { team_id: "1", transfer_id: String(SEED_TRANSFER) },
      body,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey })
    })
  )

const allBackfills = Effect.map(
  call(
    handleListIncompleteBackfills({
      authorization: bearer("admin"),
      path: { team_id: "1" },
      query: { status: "CREATED,SCHEDULED,RUNNING,FAILED,COMPLETED,CANCELLED" }
    })
  ),
  (response) => response.data as ReadonlyArray<WireBackfill>
)

const STORES = [
  ["in memory", () => world()],
  [`on PostgreSQL (${database.kind})`, () => world({ repository: freshRepository(database) })]
] as const

describe.each(STORES)("Idempotency-Key %s", (_, makeWorld) => {
  it.effect(
    "50 concurrent identical creates with one key make one backfill; each gets it or the in-flight 409; a later retry replays it",
    () =>
      Effect.gen(function* () {
        const answers = yield* Effect.all(
          Array.from({ length: 50 }, () => schedule(JANUARY, "burst-0001")),
          { concurrency: "unbounded" }
        )
        const created = answers.filter((answer) => answer.status === 200)
        const ids = new Set(created.map((answer) => String((answer.data as WireBackfill).transfer_backfill_id)))
        expect(ids.size).toBe(1)
        for (const answer of answers) {
          if (answer.status === 200) expect(answer.data).toEqual(created[0]?.data)
          else {
            expect(answer.status).toBe(409)
            expect(answer.error).toEqual({
              code: "CONFLICT_ERROR",
              message: "The request conflicts with the current state.",
              description: "A request with this Idempotency-Key is still in progress; retry once it has been answered."
            })
          }
        }
        expect(yield* allBackfills).toHaveLength(1)
        const replay = yield* schedule(JANUARY, "burst-0001")
        expect([replay.status, replay.data]).toEqual([200, created[0]?.data])
        expect(replay.meta.request_id).not.toBe(created[0]?.meta.request_id)
      }).pipe(Effect.provide(makeWorld())),
    60_000
  )

  it.effect("replays the first answer as it was, though the backfill moved on since", () =>
    Effect.gen(function* () {
      const first = yield* schedule(JANUARY, '"replay-0001"')
      const id = String((first.data as WireBackfill).transfer_backfill_id)
      yield* TestClock.adjust(Duration.minutes(5))
      const cancelled = yield* call(
        handleCancelBackfill({
          authorization: bearer("admin"),
          path: { team_id: "1", backfill_id: id },
          body: '{"status":"CANCELLED"}'
        })
      )
      expect((cancelled.data as WireBackfill).status).toBe("CANCELLED")
      const bare = yield* schedule(JANUARY, "replay-0001")
      expect([bare.status, bare.data]).toEqual([200, first.data])
      expect((bare.data as WireBackfill).status).toBe("CREATED")
    }).pipe(Effect.provide(makeWorld()))
  )

  it.effect("answers a key reused with another range with 422 DUPLICATION_FAILED, creating nothing", () =>
    Effect.gen(function* () {
      yield* schedule(JANUARY, "reused-0001")
      const reused = yield* schedule(DECEMBER, "reused-0001")
      expect([reused.status, reused.error]).toEqual([
        422,
        {
          code: "DUPLICATION_FAILED",
          message: "The idempotency key was already used with a different request.",
          description: "This Idempotency-Key was first used with a different request; send a new key for a new request."
        }
      ])
      expect(yield* allBackfills).toHaveLength(1)
      const equivalent = yield* schedule('{ "range_end": "2024-01-31", "range_start": "2024-01-01" }', "reused-0001")
      expect(equivalent.status).toBe(200)
    }).pipe(Effect.provide(makeWorld()))
  )

  it.effect("keeps keys apart per user: another user's same key is a request of its own", () =>
    Effect.gen(function* () {
      yield* schedule(JANUARY, "shared-0001")
      const other = yield* schedule(JANUARY, "shared-0001", bearer("writeOnly"))
      expect(other.status).toBe(409)
      expect(other.error.description).toMatch(/^The range overlaps active backfill/)
    }).pipe(Effect.provide(makeWorld()))
  )

  it.effect("forgets a key after its lifetime, which the host sets", () =>
    Effect.gen(function* () {
      yield* schedule(JANUARY, "expiring-0001")
      yield* TestClock.adjust(Duration.minutes(59))
      expect((yield* schedule(JANUARY, "expiring-0001")).status).toBe(200)
      yield* TestClock.adjust(Duration.minutes(1))
      const afterwards = yield* schedule(JANUARY, "expiring-0001")
      expect([afterwards.status, afterwards.error.code]).toEqual([409, "CONFLICT_ERROR"])
    }).pipe(Effect.provide(Layer.merge(makeWorld(), Layer.succeed(IdempotencyKeyLifetime, Duration.hours(1)))))
  )

  it.effect("replays a cancel and a retry where repeating them without the key is refused", () =>
    Effect.gen(function* () {
      const created = yield* schedule(JANUARY, undefined)
      const path = { team_id: "1", backfill_id: String((created.data as WireBackfill).transfer_backfill_id) }
      const cancel = (idempotencyKey?: string) =>
        call(
          handleCancelBackfill({
            authorization: bearer("admin"),
            path,
            body: '{"status":"CANCELLED"}',
            ...(idempotencyKey === undefined ? {} : { idempotencyKey })
          })
        )
      const first = yield* cancel("cancel-0001")
      const again = yield* cancel("cancel-0001")
      expect([again.status, again.data]).toEqual([200, first.data])
      expect((yield* cancel()).status).toBe(422)
      const retry = yield* call(
        handleRetryBackfill({ authorization: bearer("admin"), path, idempotencyKey: "cancel-0001" })
      )
      expect([retry.status, retry.error.code]).toEqual([422, "DUPLICATION_FAILED"])
    }).pipe(Effect.provide(makeWorld()))
  )
})

describe.skipIf(database.kind !== "server")(
  "Idempotency-Key while the first request is in flight (needs a PostgreSQL server: PGlite serves one connection at a time, so no request can see another in its transaction)",
  () => {
    it.effect(
      "answers 409 CONFLICT_ERROR until the first request commits, then replays its answer",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const schema = yield* freshSchema
          const repository = layerPostgresBackfillRepository({ schema }).pipe(
            Layer.provide(Layer.succeedContext(database.client))
          )
          yield* Effect.gen(function* () {
            const locked = yield* Deferred.make<void>()
            const release = yield* Deferred.make<void>()
            // Another session holds the table: the first request's INSERT waits inside its transaction.
            const holder = yield* Effect.fork(
              sql.withTransaction(
                Effect.gen(function* () {
                  yield* sql.unsafe(`LOCK TABLE "${schema}".backfills IN SHARE MODE`)
                  yield* Deferred.succeed(locked, undefined)
                  yield* Deferred.await(release)
                })
              )
            )
            yield* Deferred.await(locked)
            const first = yield* Effect.fork(schedule(JANUARY, "inflight-0001"))
            const waiting = sql<{ readonly waiting: number }>`
              SELECT count(*)::int AS waiting FROM pg_locks
              WHERE NOT granted AND relation = ${`"${schema}".backfills`}::regclass`
            while ((yield* waiting)[0]?.waiting !== 1)
              yield* Effect.promise(() => new Promise((done) => setTimeout(done, 10)))
            const second = yield* schedule(JANUARY, "inflight-0001")
            expect([second.status, second.error.code]).toEqual([409, "CONFLICT_ERROR"])
            expect(second.error.description).toMatch(/still in progress/)
            yield* Deferred.succeed(release, undefined)
            yield* Fiber.join(holder)
            const answered = yield* Fiber.join(first)
            expect(answered.status).toBe(200)
            const replay = yield* schedule(JANUARY, "inflight-0001")
            expect([replay.status, replay.data]).toEqual([200, answered.data])
            expect(yield* allBackfills).toHaveLength(1)
          }).pipe(Effect.provide(world({ repository })))
        }).pipe(Effect.provide(database.client), Effect.scoped),
      30_000
    )
  }
)

describe("Idempotency-Key stores nothing for a request that changed nothing", () => {
  /** A user who lacks the edit permission until `grant` runs. */
  const growingAccess = Effect.gen(function* () {
    const granted = yield* Ref.make(false)
    const authenticator = Layer.succeed(Authenticator, {
      authenticate: () =>
        Effect.map(
          Ref.get(granted),
          (isGranted): Option.Option<Principal> =>
            Option.some({
              userId: UserId.make(900n),
              teamIds: [TeamId.make(1n)],
              scopes: ["dwh_transfers_write"],
              permissions: isGranted ? ["dwh.transfer.edit"] : ["dwh.transfer.view"]
            })
        )
    })
    return { grant: Ref.set(granted, true), authenticator }
  })

  it.effect("a 403 (a permission granted afterwards) nor a 422 (a range corrected afterwards)", () =>
    Effect.gen(function* () {
      const { grant, authenticator } = yield* growingAccess
      yield* Effect.gen(function* () {
        const refused = yield* schedule(JANUARY, "later-0001", "Bearer anyone")
        expect([refused.status, refused.error.code]).toEqual([403, "PERMISSION_ERROR"])
        yield* grant
        expect((yield* schedule(JANUARY, "later-0001", "Bearer anyone")).status).toBe(200)
        const future = yield* schedule(
          '{"range_start":"2023-12-01","range_end":"2099-01-01"}',
          "fixed-0001",
          "Bearer anyone"
        )
        expect([future.status, future.error.code]).toEqual([422, "UNPROCESSABLE_ENTITY"])
        expect((yield* schedule(DECEMBER, "fixed-0001", "Bearer anyone")).status).toBe(200)
      }).pipe(Effect.provide(Layer.merge(world(), authenticator)))
    })
  )

  it.effect("a 401: without a caller there is no one to keep a key for", () =>
    Effect.gen(function* () {
      const anonymous = yield* schedule(JANUARY, "anon-0001", "Bearer nobody")
      expect(anonymous.status).toBe(401)
      expect((yield* schedule(JANUARY, "anon-0001")).status).toBe(200)
    }).pipe(Effect.provide(world()))
  )
})

describe("the Idempotency-Key header", () => {
  it.effect.each([
    ["empty", ""],
    ["a space", "two words"],
    ["256 characters", "k".repeat(256)],
    ["non-ASCII", "ключ"],
    ["an unterminated string", '"open'],
    ["text after the string", '"a"b'],
    ["a bad escape", '"a\\nb"'],
    ["an empty string", '""'],
    ["two keys", "a, b"]
  ])("with %s is a 400, after the access checks and the body's", ([, header]) =>
    Effect.gen(function* () {
      const refused = yield* schedule(JANUARY, header)
      expect([refused.status, refused.error]).toEqual([
        400,
        {
          code: "BAD_REQUEST",
          message: "The request was invalid.",
          description:
            'Header Idempotency-Key must be a string of 1 to 255 visible ASCII characters, quoted ("…") or bare.'
        }
      ])
      expect((yield* schedule(JANUARY, header, bearer("viewer"))).status).toBe(403)
      expect((yield* schedule('{"range_start":"2024-01-01"}', header)).error.description).toMatch(/range_end/)
      expect(yield* allBackfills).toEqual([])
    }).pipe(Effect.provide(world()))
  )

  it.effect("takes the same key quoted (with escapes) or bare, up to 255 characters", () =>
    Effect.gen(function* () {
      const long = "k".repeat(255)
      const first = yield* schedule(JANUARY, `"${long}"`)
      expect([first.status, (yield* schedule(JANUARY, long)).data]).toEqual([200, first.data])
      const escaped = yield* schedule(DECEMBER, '"a\\"b\\\\c"')
      expect((yield* schedule(DECEMBER, 'a"b\\c')).data).toEqual(escaped.data)
      expect(yield* allBackfills).toHaveLength(2)
    }).pipe(Effect.provide(world()))
  )
})
