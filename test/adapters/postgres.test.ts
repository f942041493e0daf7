import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Fiber, Layer, Option, Redacted, Ref, Schedule, Tracer } from "effect"
import Pg from "pg"
import { afterAll } from "vitest"
import { layerStaticTokens } from "../../src/adapters/memory/authenticator.js"
import { layerMemoryTransferLookup } from "../../src/adapters/memory/transferLookup.js"
import {
  layerPostgresAuthenticator,
  layerPostgresTransferLookup,
  saveToken,
  saveTransfer
} from "../../src/adapters/postgres/directory.js"
import { LATEST_SCHEMA_VERSION, migrate, schemaVersion } from "../../src/adapters/postgres/migrations.js"
import { layerPostgresBackfillRepository } from "../../src/adapters/postgres/repository.js"
import { encodeBackfill, newBackfill } from "../../src/domain/backfill.js"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { makeDateRange } from "../../src/domain/dateRange.js"
import { IdempotencyKey } from "../../src/domain/idempotency.js"
import { BackfillId, TeamId, TransferId, UserId } from "../../src/domain/ids.js"
import { completed, failed, RunState, WorkerId } from "../../src/domain/runs.js"
import { epochSecondsFromMillis, TimeZone, UTC } from "../../src/domain/time.js"
import { handleScheduleBackfill } from "../../src/http/endpoints.js"
import { stringifyJson } from "../../src/http/json.js"
import { latestBackfill } from "../../src/operations/latestBackfill.js"
import { scheduleBackfill } from "../../src/operations/scheduleBackfill.js"
import * as Worker from "../../src/operations/worker.js"
import { Authenticator } from "../../src/ports/authenticator.js"
import { BackfillRepository, WorkerRepository } from "../../src/ports/backfillRepository.js"
import { TransferLookup } from "../../src/ports/transferLookup.js"
import { accessTo, repositories } from "../support/access.js"
import { freshSchema, openTestDatabase, unfinishedOrMiscounted, uniqueSchemaName } from "../support/database.js"
import { type Fault, withFaults } from "../support/faultyRepository.js"

const database = await openTestDatabase()
afterAll(() => database.close())

const shared = Layer.succeedContext(database.client)
const TEAM = TeamId.make(1n)
const USER = UserId.make(789n)
const NOW = Date.UTC(2024, 1, 1, 9)

/** Runs `body` with a fresh migrated schema and the repository on it; drops the schema after. */
const inFreshSchema = <A, E>(
  body: (schema: string) => Effect.Effect<A, E, SqlClient.SqlClient | BackfillRepository | WorkerRepository>
) =>
  Effect.scoped(
    Effect.flatMap(freshSchema, (schema) => Effect.provide(body(schema), layerPostgresBackfillRepository({ schema })))
  ).pipe(Effect.provide(shared))

const draft = (transferId: bigint, start: string, end: string) =>
  newBackfill({
    transferId: TransferId.make(transferId),
    range: Either.getOrThrow(makeDateRange(start as CalendarDate, end as CalendarDate)),
    createdTime: epochSecondsFromMillis(NOW),
    createdUserId: USER
  })

/** The SQL statements `effect` executes, from the spans `@effect/sql` opens for each, and its result. */
const recordStatements = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const base = yield* Effect.tracer
    const texts: Array<string> = []
    const recording = Tracer.make({
      span: (...args) => {
        const span = base.span(...args)
        if (args[0] !== "sql.execute") return span
        const index = texts.push("") - 1
        const attribute = span.attribute.bind(span)
        span.attribute = (key, value) => {
          if (key === "db.query.text") texts[index] = String(value)
          attribute(key, value)
        }
        return span
      },
      context: base.context
    })
    const result = yield* Effect.withTracer(effect, recording)
    return { result, texts }
  })

/** The number of SQL statements `effect` executes. */
const countStatements = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(recordStatements(effect), ({ result, texts }) => ({ result, statements: texts.length }))

const principals = {
  admin: {
    userId: USER,
    teamIds: [TEAM],
    scopes: ["dwh_transfers_write"],
    permissions: ["dwh.transfer.edit"]
  }
}
const transfers = layerMemoryTransferLookup(
  [1n, 2n, 3n, 4n, 5n].map((id) => ({ id: TransferId.make(id), teamId: TEAM, timeZone: UTC }))
)

describe(`PostgreSQL (${database.kind})`, () => {
  describe("migrations", () => {
    it.live(
      "apply once, however often and however concurrently they run",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const schema = uniqueSchemaName()
          expect(yield* schemaVersion({ schema })).toEqual(Option.none())
          const runs = yield* Effect.all(
            Array.from({ length: 4 }, () => migrate({ schema })),
            { concurrency: "unbounded" }
          )
          expect(runs.flat()).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
          expect(yield* migrate({ schema })).toEqual([])
          expect(yield* schemaVersion({ schema })).toEqual(Option.some(LATEST_SCHEMA_VERSION))
          expect(LATEST_SCHEMA_VERSION).toBe(8)
          const tables = yield* sql<{ readonly table_name: string }>`
            SELECT table_name FROM information_schema.tables WHERE table_schema = ${schema} ORDER BY table_name`
          expect(tables.map((row) => row.table_name)).toEqual([
            "backfill_event_holds",
            "backfill_events",
            "backfill_idempotency_keys",
            "backfill_migrations",
            "backfill_runs",
            "backfill_team_load",
            "backfill_tokens",
            "backfill_transfer_load",
            "backfill_transfers",
            "backfills"
          ])
          const versions = yield* sql.unsafe<{ readonly version: number }>(
            `SELECT version FROM "${schema}".backfill_migrations`
          )
          expect(versions.map((row) => row.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
          yield* sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`)
        }).pipe(Effect.provide(shared)),
      60_000
    )

    it("refuse a schema name that is not a plain identifier", () => {
      expect(() => Effect.runSync(Effect.provide(migrate({ schema: 'x"; DROP TABLE y; --' }), shared))).toThrow(
        /Schema name/
      )
    })
  })

  describe("transfers and tokens", () => {
    it.live(
      "find saved transfers and authenticate saved tokens by digest, expired ones excepted",
      () =>
        inFreshSchema((schema) =>
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            const max = 9223372036854775807n
            yield* saveTransfer(
              { id: TransferId.make(max), teamId: TeamId.make(max), timeZone: TimeZone.make("America/New_York") },
              { schema }
            )
            yield* saveTransfer({ id: TransferId.make(2n), teamId: TEAM, timeZone: UTC }, { schema })
            const admin = {
              userId: UserId.make(max),
              teamIds: [TEAM, TeamId.make(max)],
              scopes: ["dwh_transfers_write", 'odd "scope", with \\ and {braces}'],
              permissions: ["dwh.transfer.edit"]
            }
            yield* saveToken("demo-admin", admin, { schema })
            yield* saveToken("expired", admin, { schema, expiresAtMillis: Date.now() - 1000 })
            const lookup = yield* TransferLookup
            const authenticator = yield* Authenticator
            expect(yield* lookup.findTeamTransfer(accessTo(max, admin), TransferId.make(max))).toEqual(
              Option.some({ id: max, teamId: max, timeZone: "America/New_York" })
            )
            expect(yield* lookup.findTeamTransfer(accessTo(TEAM), TransferId.make(max))).toEqual(Option.none())
            expect(yield* lookup.findTeamTransfer(accessTo(TEAM), TransferId.make(3n))).toEqual(Option.none())
            expect(yield* authenticator.authenticate("demo-admin")).toEqual(Option.some(admin))
            expect(yield* authenticator.authenticate("demo-admin ")).toEqual(Option.none())
            expect(yield* authenticator.authenticate("expired")).toEqual(Option.none())
            const stored = yield* sql.unsafe<{ readonly n: string }>(
              `SELECT count(*)::text AS n FROM "${schema}".backfill_tokens WHERE convert_from(token_sha256, 'LATIN1') LIKE '%demo%'`
            )
            expect(stored[0]?.n).toBe("0")
          }).pipe(
            Effect.provide(
              Layer.mergeAll(layerPostgresTransferLookup({ schema }), layerPostgresAuthenticator({ schema })).pipe(
                Layer.provide(shared)
              )
            )
          )
        ),
      60_000
    )
  })

  describe("ids", () => {
    it.live(
      "stay exact up to 9223372036854775807 from insert to JSON",
      () =>
        inFreshSchema((schema) =>
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            yield* sql.unsafe(`ALTER TABLE "${schema}".backfills ALTER COLUMN id RESTART WITH 9223372036854775807`)
            const repository = yield* repositories
            const max = 9223372036854775807n
            const inserted = yield* repository.insertUnlessOverlapping(TeamId.make(max), {
              ...draft(max, "2024-01-01", "2024-01-31"),
              createdUserId: UserId.make(max)
            })
            expect(inserted.id).toBe(max)
            const stored = Option.getOrThrow(yield* repository.findForTeam(TeamId.make(max), BackfillId.make(max)))
            expect(stored).toEqual(inserted)
            expect(stringifyJson(encodeBackfill(stored))).toContain(
              '"transfer_backfill_id":9223372036854775807,"transfer_id":9223372036854775807'
            )
            expect(Option.isSome(yield* repository.latestForTransfer(TransferId.make(max), max))).toBe(true)
          })
        ),
      60_000
    )
  })

  describe("statements", () => {
    it.live(
      "schedule in one statement, and name a conflict with one more",
      () =>
        inFreshSchema(() =>
          Effect.gen(function* () {
            const request = {
              principal: principals.admin,
              teamId: TEAM,
              transferId: TransferId.make(1n),
              range: { range_start: "2024-01-01", range_end: "2024-01-31" }
            }
            const first = yield* countStatements(scheduleBackfill(request))
            expect(first.statements).toBe(1)
            const second = yield* countStatements(Effect.either(scheduleBackfill(request)))
            expect(Either.isLeft(second.result)).toBe(true)
            expect(second.statements).toBe(2)
          }).pipe(Effect.provide(Layer.merge(layerStaticTokens(principals), transfers)))
        ),
      60_000
    )

    it.live(
      "look up another team's transfer with the very statements of a missing one, on latest and on schedule",
      () =>
        inFreshSchema((schema) =>
          Effect.gen(function* () {
            yield* saveTransfer({ id: TransferId.make(7n), teamId: TeamId.make(2n), timeZone: UTC }, { schema })
            const attempts = (transfer: bigint) => {
              const ids = { principal: principals.admin, teamId: TEAM, transferId: TransferId.make(transfer) }
              return [
                latestBackfill(ids),
                scheduleBackfill({ ...ids, range: { range_start: "2024-01-01", range_end: "2024-01-02" } })
              ]
            }
            const [foreignLatest, foreignSchedule] = attempts(7n)
            const [missingLatest, missingSchedule] = attempts(8n)
            for (const [foreign, missing] of [
              [foreignLatest, missingLatest],
              [foreignSchedule, missingSchedule]
            ] as const) {
              if (foreign === undefined || missing === undefined) continue
              const seenForeign = yield* recordStatements(Effect.flip(foreign))
              const seenMissing = yield* recordStatements(Effect.flip(missing))
              expect(seenForeign.result).toEqual(seenMissing.result)
              expect(seenForeign.result._tag).toBe("NotFound")
              expect(seenForeign.texts).toHaveLength(1)
              expect(seenForeign.texts).toEqual(seenMissing.texts)
              // The team is part of the lookup, so no row comes back in either case: nothing to decode.
              expect(seenForeign.texts[0]).toMatch(/WHERE id = \$1::bigint AND team_id = \$2::bigint/)
            }
          }).pipe(Effect.provide(Layer.merge(layerStaticTokens(principals), layerPostgresTransferLookup({ schema }))))
        ),
      60_000
    )

    it.live(
      "cost what docs/postgres.md says for every other operation",
      () =>
        inFreshSchema(() =>
          Effect.gen(function* () {
            const repository = yield* repositories
            const backfill = yield* repository.insertUnlessOverlapping(TEAM, draft(1n, "2024-01-01", "2024-01-02"))
            const count = <A, E>(effect: Effect.Effect<A, E>) =>
              Effect.map(countStatements(effect), ({ statements }) => statements)
            const query = { statuses: ["CREATED" as const], before: Option.none<BackfillId>(), limit: 10 }
            expect(yield* count(repository.findById(backfill.id))).toBe(1)
            expect(yield* count(repository.findForTeam(TEAM, backfill.id))).toBe(1)
            expect(yield* count(repository.latestForTransfer(backfill.transferId))).toBe(1)
            expect(yield* count(repository.listForTeam(TEAM, query))).toBe(1)
            expect(yield* count(repository.materialiseRuns(backfill.id, 10))).toBe(5)
            // Past CREATED, one read answers.
            expect(yield* count(repository.materialiseRuns(backfill.id, 10))).toBe(1)
            const lease = Option.getOrThrow(yield* repository.claim(WorkerId.make("w"), NOW, 60_000))
            expect(yield* count(repository.claim(WorkerId.make("v"), NOW, 60_000))).toBe(1)
            expect(yield* count(repository.renewLease(lease, NOW, 60_000))).toBe(1)
            // The start of the day the claim found is decided on what the claim read: no read.
            expect(yield* count(repository.startNextRun(lease, NOW))).toBe(1)
            // The day this repository started is decided on what its start wrote: no read.
            const startedDay = repository.recordOutcome(backfill.id, "2024-01-02" as CalendarDate, failed("x"), NOW)
            expect(yield* count(startedDay)).toBe(1)
            // A day reported again reads and writes nothing.
            expect(yield* count(startedDay)).toBe(1)
            expect(yield* count(repository.releaseLease(lease))).toBe(1)
            const outcome = repository.recordOutcome(backfill.id, "2024-01-01" as CalendarDate, completed, NOW)
            expect(yield* count(outcome)).toBe(2)
            expect(yield* count(repository.retryFailedDays(backfill.id))).toBe(4)
            const everyRun = { states: RunState.literals, before: Option.none<CalendarDate>(), limit: 10 }
            expect(yield* count(repository.runsOf(backfill.id, everyRun))).toBe(1)
            expect(
              yield* count(repository.cancel(backfill.id, { time: epochSecondsFromMillis(NOW), userId: USER }))
            ).toBe(4)
            const api = yield* BackfillRepository
            const key = (text: string, fingerprint: string) => ({
              key: IdempotencyKey.make(text),
              fingerprint,
              now: epochSecondsFromMillis(NOW),
              expiresAt: epochSecondsFromMillis(NOW + 60_000)
            })
            const keyedInsert = (fingerprint: string) =>
              api.insertUnlessOverlapping(accessTo(1n), draft(2n, "2024-01-01", "2024-01-02"), key("k", fingerprint))
            expect(yield* count(keyedInsert("first"))).toBe(5)
            expect(yield* count(keyedInsert("first"))).toBe(2)
            expect(yield* count(Effect.either(keyedInsert("another")))).toBe(2)
            const retried = yield* repository.insertUnlessOverlapping(TEAM, draft(3n, "2024-01-01", "2024-01-02"))
            expect(yield* count(Effect.either(repository.retry(retried.id, Option.none())))).toBe(2)
          })
        ),
      60_000
    )
  })

  describe("failures", () => {
    /** A client whose pool points at a port nobody listens on. */
    const unreachable = PgClient.layerFromPool({
      acquire: Effect.acquireRelease(
        Effect.sync(() => new Pg.Pool({ host: "127.0.0.1", port: 9, connectionTimeoutMillis: 1000 })),
        (pool) => Effect.promise(() => pool.end())
      )
    })

    it.live(
      "answer SERVICE_UNAVAILABLE when the database is unreachable, in every method",
      () =>
        Effect.gen(function* () {
          const repository = yield* repositories
          const id = BackfillId.make(1n)
          const lease = { backfillId: id, workerId: WorkerId.make("w"), fence: 1, expiresAtMillis: NOW }
          const calls: ReadonlyArray<Effect.Effect<unknown, { readonly _tag: string }>> = [
            repository.insertUnlessOverlapping(TEAM, draft(1n, "2024-01-01", "2024-01-02")),
            repository.findById(id),
            repository.findForTeam(TEAM, id),
            repository.latestForTransfer(TransferId.make(1n)),
            repository.listForTeam(TEAM, { statuses: ["CREATED"], before: Option.none(), limit: 1 }),
            repository.cancel(id, { time: epochSecondsFromMillis(NOW), userId: USER }),
            repository.materialiseRuns(id, 1),
            repository.claim(WorkerId.make("w"), NOW, 1000),
            repository.renewLease(lease, NOW, 1000),
            repository.releaseLease(lease),
            repository.startNextRun(lease, NOW),
            repository.recordOutcome(id, "2024-01-01" as CalendarDate, completed, NOW),
            repository.retryFailedDays(id),
            repository.retry(id, Option.none()),
            repository.runsOf(id, { states: ["failed"], before: Option.none(), limit: 1 })
          ]
          for (const call of calls) expect((yield* Effect.flip(call))._tag).toBe("ServiceUnavailable")
          const response = yield* handleScheduleBackfill({
            authorization: "Bearer admin",
            path: { team_id: "1", transfer_id: "1" },
            body: { range_start: "2024-01-01", range_end: "2024-01-31" }
          }).pipe(Effect.provide(Layer.merge(layerStaticTokens(principals), transfers)))
          expect(response.status).toBe(503)
          expect(response.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|:9\b/)
        }).pipe(Effect.provide(layerPostgresBackfillRepository().pipe(Layer.provide(unreachable)))),
      60_000
    )

    it.live(
      "answer SERVICE_UNAVAILABLE when a statement is cancelled mid-transaction, and write nothing",
      () =>
        inFreshSchema((schema) =>
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            const repository = yield* repositories
            const backfill = yield* repository.insertUnlessOverlapping(TEAM, draft(1n, "2024-01-01", "2024-01-03"))
            yield* repository.materialiseRuns(backfill.id, 1)
            // The second statement of a cancel fails as a statement timeout does (SQLSTATE 57014).
            yield* sql.unsafe(`
              CREATE FUNCTION "${schema}".cancel_statement() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN RAISE EXCEPTION 'canceling statement due to statement timeout' USING ERRCODE = 'query_canceled'; END $$`)
            yield* sql.unsafe(`
              CREATE TRIGGER time_out BEFORE UPDATE ON "${schema}".backfill_runs
              FOR EACH STATEMENT EXECUTE FUNCTION "${schema}".cancel_statement()`)
            const refused = yield* Effect.flip(
              repository.cancel(backfill.id, { time: epochSecondsFromMillis(NOW), userId: USER })
            )
            expect(refused._tag).toBe("ServiceUnavailable")
            const after = Option.getOrThrow(yield* repository.findById(backfill.id))
            expect(after.status).toBe("CREATED")
            expect(Option.isNone(after.removal)).toBe(true)
            expect(after.runs.created).toBe(1)
          })
        ),
      60_000
    )

    it.live.runIf(database.kind === "server")(
      "answer SERVICE_UNAVAILABLE on a real statement timeout, and write nothing",
      () =>
        inFreshSchema((schema) =>
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            const url = `${database.url}${database.url.includes("?") ? "&" : "?"}options=-c%20statement_timeout%3D300`
            const impatient = layerPostgresBackfillRepository({ schema }).pipe(
              Layer.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 }))
            )
            const holder = yield* Effect.fork(
              sql.withTransaction(
                Effect.zipRight(
                  sql.unsafe(`LOCK TABLE "${schema}".backfills IN ACCESS EXCLUSIVE MODE`),
                  Effect.sleep(Duration.seconds(2))
                )
              )
            )
            yield* Effect.sleep(Duration.millis(200))
            const refused = yield* Effect.flip(
              Effect.flatMap(repositories, (repository) =>
                repository.insertUnlessOverlapping(TEAM, draft(1n, "2024-01-01", "2024-01-03"))
              ).pipe(Effect.provide(impatient))
            )
            expect(refused._tag).toBe("ServiceUnavailable")
            yield* Fiber.join(holder)
            const rows = yield* sql.unsafe<{ readonly n: string }>(
              `SELECT count(*)::text AS n FROM "${schema}".backfills`
            )
            expect(rows[0]?.n).toBe("0")
          })
        ),
      60_000
    )
  })

  describe("under load", () => {
    it.live(
      "keeps 500 concurrent schedules over 5 transfers disjoint, storing every 200 and naming a real overlap in every 409",
      () =>
        inFreshSchema((schema) =>
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            const requests = Array.from({ length: 500 }, (_, index) => {
              const transfer = (index % 5) + 1
              const start = 1 + ((index * 37) % 50)
              const length = 1 + ((index * 11) % 7)
              const day = (offset: number) => new Date(Date.UTC(2023, 10, start + offset)).toISOString().slice(0, 10)
              return { transfer, start: day(0), end: day(length - 1) }
            })
            const outcomes = yield* Effect.all(
              requests.map((request) =>
                handleScheduleBackfill({
                  authorization: "Bearer admin",
                  path: { team_id: "1", transfer_id: String(request.transfer) },
                  body: { range_start: request.start, range_end: request.end }
                })
              ),
              { concurrency: 64 }
            )
            const statuses = outcomes.map((outcome) => outcome.status)
            expect(statuses.every((status) => status === 200 || status === 409)).toBe(true)
            const stored = yield* sql.unsafe<{ readonly id: string }>(
              `SELECT id::text AS id FROM "${schema}".backfills`
            )
            const createdIds = outcomes
              .filter((outcome) => outcome.status === 200)
              .map((outcome) => /"transfer_backfill_id":(\d+)/.exec(outcome.body)?.[1])
            expect(new Set(stored.map((row) => row.id))).toEqual(new Set(createdIds))
            const overlapping = yield* sql.unsafe<{ readonly n: string }>(`
              SELECT count(*)::text AS n
              FROM "${schema}".backfills a JOIN "${schema}".backfills b
                ON a.transfer_id = b.transfer_id AND a.id < b.id
              WHERE a.status IN ('CREATED', 'SCHEDULED', 'RUNNING', 'FAILED')
                AND b.status IN ('CREATED', 'SCHEDULED', 'RUNNING', 'FAILED')
                AND daterange(a.range_start, a.range_end, '[]') && daterange(b.range_start, b.range_end, '[]')`)
            expect(overlapping[0]?.n).toBe("0")
            for (const [index, outcome] of outcomes.entries()) {
              if (outcome.status !== 409) continue
              const named = /overlaps active backfill (\d+)/.exec(outcome.body)?.[1] ?? "0"
              const request = requests[index] ?? { transfer: 0, start: "", end: "" }
              const real = yield* sql.unsafe<{ readonly n: string }>(
                `SELECT count(*)::text AS n FROM "${schema}".backfills
                 WHERE id = $1::bigint AND transfer_id = $2::bigint
                   AND status IN ('CREATED', 'SCHEDULED', 'RUNNING', 'FAILED')
                   AND daterange(range_start, range_end, '[]') && daterange($3::date, $4::date, '[]')`,
                [named, String(request.transfer), request.start, request.end]
              )
              expect(real[0]?.n).toBe("1")
            }
            expect(statuses.filter((status) => status === 409).length).toBeGreaterThan(0)
          }).pipe(Effect.provide(Layer.merge(layerStaticTokens(principals), transfers)))
        ),
      180_000
    )

    it.live(
      "lets 8 workers finish 50 backfills, one of them stalling, with every day counted once",
      () =>
        inFreshSchema((schema) =>
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            const repository = yield* repositories
            for (let index = 0; index < 50; index++) {
              const start = new Date(Date.UTC(2023, 0, 1 + index * 10)).toISOString().slice(0, 10)
              const end = new Date(Date.UTC(2023, 0, 1 + index * 10 + (index % 6))).toISOString().slice(0, 10)
              yield* repository.insertUnlessOverlapping(TEAM, draft(BigInt((index % 5) + 1), start, end))
            }
            let stallerRuns = 0
            const frozen = yield* Ref.make<Fault>("none")
            const executor =
              (name: string) => (run: { readonly day: CalendarDate; readonly backfill: { readonly id: bigint } }) => {
                if (name === "w0") {
                  stallerRuns += 1
                  // A killed process, as the database sees it: no more calls, no more renewals.
                  if (stallerRuns === 3) return Effect.zipRight(Ref.set(frozen, "frozen"), Effect.never)
                }
                const fails = (Number(run.backfill.id) * 31 + Number(run.day.slice(8))) % 7 === 0
                return Effect.as(Effect.sleep(Duration.millis(2)), fails ? failed(`no data for ${run.day}`) : completed)
              }
            const workers = Array.from({ length: 8 }, (_, index) =>
              Worker.runWorker({
                workerId: WorkerId.make(`w${index}`),
                leaseDuration: Duration.seconds(1),
                pollInterval: Duration.millis(50),
                execute: executor(`w${index}`)
              })
            )
            const [stalling, ...healthy] = workers
            if (stalling === undefined) return
            // The stalled worker is left behind like a killed process: never joined, never cleaned up.
            yield* Effect.forkDaemon(
              Effect.provideService(stalling, WorkerRepository, withFaults(yield* WorkerRepository, frozen))
            )
            const fibers = yield* Effect.all(healthy.map((worker) => Effect.fork(worker)))
            yield* Effect.retry(
              Effect.flatMap(
                sql.unsafe<{ readonly n: string }>(
                  `SELECT count(*)::text AS n FROM "${schema}".backfills WHERE status NOT IN ('COMPLETED', 'FAILED')`
                ),
                (rows) => (rows[0]?.n === "0" ? Effect.void : Effect.fail("busy"))
              ),
              Schedule.spaced(Duration.millis(100)).pipe(Schedule.upTo(Duration.seconds(150)))
            )
            yield* Effect.all(fibers.map(Fiber.interrupt))
            expect(stallerRuns).toBeGreaterThanOrEqual(3)
            const mismatched = yield* unfinishedOrMiscounted(schema)
            expect(mismatched).toEqual([])
          })
        ),
      180_000
    )
  })
})
