/**
 * Workers and port calls on a real PostgreSQL while it breaks: days longer than the
 * lease, a worker's connections cut or terminated again and again, a connection frozen
 * mid-call. Runs on the server in `DATABASE_URL`, else on a PGlite of its own.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Either, Exit, Fiber, Layer, Logger, Redacted, Ref, Schedule, Scope } from "effect"
import { afterAll } from "vitest"
import { layerPostgresClient } from "../../src/adapters/postgres/client.js"
import { layerPostgresBackfillRepository } from "../../src/adapters/postgres/repository.js"
import { newBackfill } from "../../src/domain/backfill.js"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { makeDateRange } from "../../src/domain/dateRange.js"
import { BackfillId, TeamId, TransferId, UserId } from "../../src/domain/ids.js"
import { completed, WorkerId } from "../../src/domain/runs.js"
import { epochSecondsFromMillis } from "../../src/domain/time.js"
import * as Worker from "../../src/operations/worker.js"
import type { BackfillRepository, WorkerRepository } from "../../src/ports/backfillRepository.js"
import { repositories } from "../support/access.js"
import { freshSchema, heldOrCounted, unfinishedOrMiscounted } from "../support/database.js"
import { openFaultTarget } from "../support/faultTarget.js"
import { tally } from "../support/tally.js"

const target = await openFaultTarget()

const TEAM = TeamId.make(1n)
const DEADLINE = Duration.seconds(1)

/**
 * On PGlite every client of this file is this one, through the proxy: PGlite serves one
 * connection at a time. On a server each client has connections of its own.
 */
const pgliteClient = await (async () => {
  if (target.kind !== "pglite") return undefined
  const scope = Effect.runSync(Scope.make())
  const client = layerPostgresClient({ url: target.proxiedUrl, maxConnections: 1, deadline: Duration.seconds(2) })
  const context = await Effect.runPromise(Layer.buildWithScope(client, scope))
  return { layer: Layer.succeedContext(context), release: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
})()
afterAll(async () => {
  await pgliteClient?.release()
  await target.close()
})

/** The client tests set up and check with: straight to a server, no watch on its connections. */
const setUp = pgliteClient?.layer ?? PgClient.layer({ url: Redacted.make(target.directUrl), maxConnections: 4 })

/** A repository for a client under test, with connections of its own named `name` on a server. */
const repositoryVia = (url: string, schema: string, name: string) =>
  layerPostgresBackfillRepository({ schema, deadline: DEADLINE }).pipe(
    Layer.provide(
      pgliteClient?.layer ?? layerPostgresClient({ url, maxConnections: 4, deadline: DEADLINE, applicationName: name })
    )
  )

const inFreshSchema = <A, E>(
  body: (schema: string) => Effect.Effect<A, E, SqlClient.SqlClient | BackfillRepository | WorkerRepository>
) =>
  Effect.scoped(
    Effect.flatMap(freshSchema, (schema) => Effect.provide(body(schema), layerPostgresBackfillRepository({ schema })))
  ).pipe(Effect.provide(setUp))

const schedule = (transferId: bigint, start: string, end: string) =>
  Effect.flatMap(repositories, (repository) =>
    repository.insertUnlessOverlapping(
      TEAM,
      newBackfill({
        transferId: TransferId.make(transferId),
        range: Either.getOrThrow(makeDateRange(start as CalendarDate, end as CalendarDate)),
        createdTime: epochSecondsFromMillis(Date.UTC(2024, 1, 1)),
        createdUserId: UserId.make(789n)
      })
    )
  )

/** Waits, checking every 100 ms, until `schema` has no backfill left unfinished or miscounted. */
const allFinishedAndCounted = (schema: string, within: Duration.DurationInput) =>
  Effect.retry(
    Effect.filterOrFail(
      unfinishedOrMiscounted(schema),
      (rows) => rows.length === 0,
      (rows) => `still unfinished or miscounted: ${rows.map((row) => row.id).join(", ")}`
    ),
    Schedule.spaced(Duration.millis(100)).pipe(Schedule.upTo(within))
  )

describe(`Workers on PostgreSQL under faults (${target.kind})`, () => {
  it.live(
    "hold their leases through days three times as long as the lease: 4 workers run each day once",
    () =>
      inFreshSchema((schema) =>
        Effect.gen(function* () {
          yield* schedule(1n, "2024-01-01", "2024-01-01")
          yield* schedule(2n, "2024-01-01", "2024-01-01")
          // Renewals every 2 s, each given 1 s: room for a loaded machine's pauses.
          const lease = Duration.seconds(8)
          const executions = tally()
          const workers = yield* Effect.forEach(["w1", "w2", "w3", "w4"], (name) =>
            Effect.fork(
              Worker.runWorker({
                workerId: WorkerId.make(name),
                leaseDuration: lease,
                pollInterval: Duration.millis(200),
                execute: (run) =>
                  Effect.zipRight(
                    executions.add(`${run.backfill.transferId}/${run.day}`),
                    Effect.as(Effect.sleep(Duration.times(lease, 3)), completed)
                  )
              }).pipe(Effect.provide(repositoryVia(target.directUrl, schema, name)))
            )
          )
          yield* allFinishedAndCounted(schema, Duration.seconds(90))
          yield* Effect.forEach(workers, Fiber.interrupt)
          expect(executions.entries()).toEqual({ "1/2024-01-01": 1, "2/2024-01-01": 1 })
        })
      ),
    120_000
  )

  it.live.runIf(target.kind === "server")(
    "take the lease from a worker whose connection was cut mid-run: its day is cut short, the other runs it once (server only: two connections, where PGlite serves one)",
    () =>
      inFreshSchema((schema) =>
        Effect.gen(function* () {
          const backfill = yield* schedule(1n, "2024-01-01", "2024-01-02")
          const lease = Duration.seconds(3)
          const started = tally()
          const finished = tally()
          const cutWorkerStarted = yield* Deferred.make<void>()
          const loop = (name: string, url: string) =>
            Worker.runWorker({
              workerId: WorkerId.make(name),
              leaseDuration: lease,
              pollInterval: Duration.millis(200),
              execute: (run) =>
                Effect.gen(function* () {
                  yield* started.add(`${name}/${run.day}`)
                  yield* Deferred.succeed(cutWorkerStarted, undefined)
                  yield* Effect.sleep(Duration.times(lease, 2))
                  yield* finished.add(`${name}/${run.day}`)
                  return completed
                })
            }).pipe(Effect.provide(repositoryVia(url, schema, name)))
          const cutOff = yield* Effect.fork(loop("cut", target.proxiedUrl))
          yield* Deferred.await(cutWorkerStarted)
          target.proxy.down(true)
          const other = yield* Effect.fork(loop("other", target.directUrl))
          yield* allFinishedAndCounted(schema, Duration.seconds(90))
          target.proxy.down(false)
          yield* Effect.forEach([cutOff, other], Fiber.interrupt)
          expect(started.entries()).toEqual({ "cut/2024-01-02": 1, "other/2024-01-01": 1, "other/2024-01-02": 1 })
          expect(finished.entries()).toEqual({ "other/2024-01-01": 1, "other/2024-01-02": 1 })
          const final = yield* Effect.flatMap(repositories, (repository) => repository.findById(backfill.id))
          expect(final).toEqual(expect.objectContaining({ value: expect.objectContaining({ status: "COMPLETED" }) }))
        })
      ),
    120_000
  )

  it.live(
    `keep a worker going through its connections ${target.kind === "server" ? "terminated (pg_terminate_backend)" : "reset"} 20 times, and finish every backfill with exact counters`,
    () =>
      inFreshSchema((schema) =>
        Effect.gen(function* () {
          const sql = yield* PgClient.PgClient
          for (let index = 0; index < 28; index++) {
            const day = new Date(Date.UTC(2023, 0, 1 + index * 3)).toISOString().slice(0, 10)
            const last = new Date(Date.UTC(2023, 0, 3 + index * 3)).toISOString().slice(0, 10)
            yield* schedule(BigInt((index % 4) + 1), day, last)
          }
          const name = `tb-worker-${process.pid}-${Date.now()}`
          const health = yield* Worker.makeWorkerHealth
          let failedSteps = 0
          const countingFailures = Logger.replace(
            Logger.defaultLogger,
            Logger.make(({ message }) => {
              if (String(message).startsWith("Worker step failed")) failedSteps += 1
            })
          )
          const worker = yield* Effect.fork(
            Worker.runWorker({
              workerId: WorkerId.make(name),
              leaseDuration: Duration.seconds(2),
              pollInterval: Duration.millis(100),
              health,
              execute: () => Effect.as(Effect.sleep(Duration.millis(20)), completed)
            }).pipe(Effect.provide(Layer.merge(repositoryVia(target.proxiedUrl, schema, name), countingFailures)))
          )
          let faults = 0
          while (faults < 20) {
            yield* Effect.sleep(Duration.millis(150))
            if (target.kind === "server") {
              yield* sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE application_name = ${name} AND pid <> pg_backend_pid()`
            } else {
              target.proxy.cut()
            }
            faults += 1
          }
          yield* allFinishedAndCounted(schema, Duration.seconds(90))
          expect(yield* Fiber.poll(worker)).toEqual(expect.objectContaining({ _tag: "None" }))
          expect(failedSteps).toBeGreaterThan(0)
          expect((yield* Ref.get(health)).running).toBe(true)
          yield* Fiber.interrupt(worker)
          // No running day left counted, whether a turn's release went with its last outcome
          // or after it, and whichever statement lost its connection (the conformance kit
          // checks that none is given back twice).
          expect(yield* heldOrCounted(schema)).toEqual([])
          const counts = yield* sql<{ readonly status: string; readonly n: string }>`
            SELECT status, count(*)::text AS n FROM ${sql(schema)}.backfills GROUP BY status`
          expect(counts).toEqual([{ status: "COMPLETED", n: "28" }])
        })
      ),
    150_000
  )
})

describe(`Port calls on PostgreSQL with a frozen connection (${target.kind})`, () => {
  it.live.runIf(target.kind === "server")(
    "end a transaction its client left hanging, so its row lock does not outlive the deadline (server only: PGlite takes no session settings)",
    () =>
      inFreshSchema((schema) =>
        Effect.gen(function* () {
          const backfill = yield* schedule(1n, "2024-01-01", "2024-01-31")
          const hanging = Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            return yield* sql.withTransaction(
              Effect.zipRight(
                sql`SELECT id FROM ${sql(schema)}.backfills WHERE id = ${String(backfill.id)}::bigint FOR UPDATE`,
                Effect.never
              )
            )
          }).pipe(Effect.provide(layerPostgresClient({ url: target.directUrl, maxConnections: 1, deadline: DEADLINE })))
          const holder = yield* Effect.fork(hanging)
          yield* Effect.sleep(Duration.millis(300))
          const cancelled = yield* Effect.flatMap(repositories, (repository) =>
            repository.cancel(backfill.id, {
              time: epochSecondsFromMillis(Date.UTC(2024, 1, 2)),
              userId: UserId.make(1n)
            })
          )
          expect(cancelled.status).toBe("CANCELLED")
          yield* Fiber.interrupt(holder)
        })
      ),
    60_000
  )

  it.live.runIf(target.kind === "server")(
    "refuse to open a client on a database that does not answer, within the deadline (server only)",
    () =>
      Effect.gen(function* () {
        target.proxy.freeze()
        const started = Date.now()
        const opened = yield* Effect.exit(
          Effect.scoped(
            Layer.build(layerPostgresClient({ url: target.proxiedUrl, maxConnections: 1, deadline: DEADLINE }))
          )
        )
        target.proxy.thaw()
        expect(Exit.isFailure(opened)).toBe(true)
        expect(JSON.stringify(opened)).toContain("SqlError")
        // The deadline, with room for a loaded machine; never the 30 s of a hung start.
        expect(Date.now() - started).toBeLessThan(Duration.toMillis(DEADLINE) * 10)
      }),
    60_000
  )

  it.live.runIf(target.kind === "server")(
    "set the deadline as the server's statement and idle-transaction timeouts, unless the URL says otherwise (server only)",
    () =>
      Effect.gen(function* () {
        const show = (url: string) =>
          Effect.flatMap(
            SqlClient.SqlClient,
            (sql) =>
              sql<{ readonly statement_timeout: string; readonly idle: string }>`
              SELECT current_setting('statement_timeout') AS statement_timeout,
                     current_setting('idle_in_transaction_session_timeout') AS idle`
          ).pipe(Effect.provide(layerPostgresClient({ url, maxConnections: 1, deadline: DEADLINE })))
        expect(yield* show(target.directUrl)).toEqual([{ statement_timeout: "1s", idle: "1s" }])
        const own = new URL(target.directUrl)
        own.searchParams.set("options", "-c statement_timeout=7000")
        expect(yield* show(own.toString())).toEqual([{ statement_timeout: "7s", idle: "1s" }])
      }),
    60_000
  )

  it.live(
    "answer SERVICE_UNAVAILABLE after the deadline while the connection is still frozen, then drop that connection",
    () =>
      inFreshSchema((schema) =>
        Effect.gen(function* () {
          const backfill = yield* schedule(1n, "2024-01-01", "2024-01-31")
          const closedBefore = target.proxy.closedByClient()
          const outcome = yield* Effect.gen(function* () {
            const repository = yield* repositories
            yield* repository.findById(backfill.id)
            target.proxy.freeze()
            const read = yield* Effect.either(repository.findById(backfill.id))
            const cancel = yield* Effect.either(
              repository.cancel(backfill.id, {
                time: epochSecondsFromMillis(Date.UTC(2024, 1, 2)),
                userId: UserId.make(1n)
              })
            )
            // The hung connection is closed by the client while still frozen: it is not reused.
            yield* Effect.retry(
              Effect.filterOrFail(
                Effect.sync(() => target.proxy.closedByClient() - closedBefore),
                (closed) => closed >= 1,
                () => "the hung connection is still open"
              ),
              Schedule.spaced(Duration.millis(100)).pipe(Schedule.upTo(Duration.seconds(20)))
            )
            target.proxy.thaw()
            const after = yield* Effect.retry(
              repository.findById(backfill.id),
              Schedule.spaced(Duration.millis(200)).pipe(Schedule.upTo(Duration.seconds(20)))
            )
            return { read, cancel, after }
          }).pipe(Effect.provide(repositoryVia(target.proxiedUrl, schema, "tb-frozen")))
          expect(Either.isLeft(outcome.read) && outcome.read.left._tag).toBe("ServiceUnavailable")
          expect(Either.isLeft(outcome.cancel) && outcome.cancel.left._tag).toBe("ServiceUnavailable")
          expect(outcome.after).toEqual(
            expect.objectContaining({ value: expect.objectContaining({ status: "CREATED" }) })
          )
          const stored = yield* Effect.flatMap(repositories, (repository) =>
            repository.findById(BackfillId.make(backfill.id))
          )
          expect(stored).toEqual(expect.objectContaining({ value: expect.objectContaining({ status: "CREATED" }) }))
        })
      ),
    120_000
  )
})
