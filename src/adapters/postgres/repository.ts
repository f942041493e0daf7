/**
 * The backfill repository on PostgreSQL. The database enforces what must hold across
 * processes: an exclusion constraint keeps the active ranges of a transfer disjoint, a
 * primary key allows one run per day, row locks serialise the changes of one backfill,
 * and `FOR UPDATE SKIP LOCKED` lets many workers claim at once. What a change *is* stays
 * the domain's (`domain/lifecycle.ts`): each mutation locks the backfill's row, asks the
 * domain for the next state and writes it back, all in one transaction. Rows are read by
 * `rows.ts`, shared statements live in `tables.ts`, the API's reads in `reads.ts`, inserts
 * in `inserts.ts`, leases in `leases.ts`, fair claims in `claims.ts`, outcomes in
 * `outcomes.ts`; every port call goes through the one failure policy (`failures.ts`).
 */
import { SqlClient, type SqlError } from "@effect/sql"
import { Clock, Context, type Duration, Effect, Layer, Option } from "effect"
import type { Backfill } from "../../domain/backfill.js"
import type { BackfillId } from "../../domain/ids.js"
import * as Lifecycle from "../../domain/lifecycle.js"
import { epochSecondsFromMillis } from "../../domain/time.js"
import { DEFAULT_PROCESSING } from "../../domain/turns.js"
import { BackfillOutbox } from "../../ports/backfillOutbox.js"
import { BackfillRepository, WorkerRepository } from "../../ports/backfillRepository.js"
import { BackfillStatistics } from "../../ports/backfillStatistics.js"
import { makeClaimSteps } from "./claims.js"
import { makeOutboxSteps } from "./events.js"
import { DEFAULT_DEADLINE, databaseCall } from "./failures.js"
import { makeInsert } from "./inserts.js"
import { makeKeyedChange } from "./keys.js"
import { makeLeaseSteps } from "./leases.js"
import { makeRecordOutcome } from "./outcomes.js"
import { makeReads } from "./reads.js"
import { makeRemembered } from "./remembered.js"
import { makeCounts } from "./statistics.js"
import { makeBackfillTables } from "./tables.js"

/**
 * Where the repository's tables are and how it treats the database.
 *
 * @since 0.1.0
 * @category models
 */
export interface PostgresRepositoryOptions {
  /** The schema `migrate` created the tables in. Default `public`. */
  readonly schema?: string | undefined
  /**
   * How often a worker's start of a day or record of an outcome is decided again when its
   * backfill changed between read and write, before the locking transaction settles it.
   * Default 8.
   */
  readonly optimisticAttempts?: number | undefined
  /**
   * How long one call may wait for the database before it fails with
   * `ServiceUnavailable` (SPEC §5: 503). Default 5 seconds.
   */
  readonly deadline?: Duration.DurationInput | undefined
}

/**
 * Both repository ports on the `SqlClient` of the context, as plain values: `api`
 * (`BackfillRepository`) and `worker` (`WorkerRepository`), for a host that provides them
 * its own way. `layerPostgresBackfillRepository` provides both.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { BackfillRepository } from "transfer-backfills"
 * import { makePostgresRepository } from "transfer-backfills/postgres"
 *
 * // An API process that offers no worker port.
 * const apiOnly = Layer.effect(
 *   BackfillRepository,
 *   Effect.map(makePostgresRepository({ schema: "transfer_backfills" }), ({ api }) => api)
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makePostgresRepository = (options: PostgresRepositoryOptions = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const unavailable = databaseCall(options.deadline ?? DEFAULT_DEADLINE)
    const transaction = <A, E>(effect: Effect.Effect<A, E | SqlError.SqlError>) =>
      unavailable(sql.withTransaction(effect))
    const tables = makeBackfillTables(sql, options.schema ?? "public")
    const { runs, selectOne, lockBackfill, saveState } = tables
    const attempts = options.optimisticAttempts ?? 8
    const remembered = makeRemembered()
    const reads = makeReads(tables)
    const leases = makeLeaseSteps(tables, attempts, remembered)
    const claims = makeClaimSteps(tables, remembered)
    const insertOrName = makeInsert(tables)
    const keyed = makeKeyedChange(tables)
    const recordOutcome = makeRecordOutcome(tables, attempts, remembered)
    /** When a change the port gives no time for was made: its events' time. */
    const clockSeconds = Effect.map(Clock.currentTimeMillis, epochSecondsFromMillis)

    /** The failed runs the domain chose to retry go back to pending with one more attempt (`DayRuns.retried`). */
    const applyRetry = (before: Backfill, { backfill, days }: Lifecycle.Materialised) =>
      Effect.as(
        Effect.zipRight(
          sql`
            UPDATE ${runs}
            SET state = 'pending', error = NULL, attempts = attempts + 1, started_time = NULL, ended_time = NULL
            WHERE backfill_id = ${String(backfill.id)}::bigint AND ${sql.in("day", days)}`,
          Effect.flatMap(clockSeconds, (time) => saveState(before, backfill, { time, retriedDays: days }))
        ),
        backfill
      )

    const api: BackfillRepository["Type"] = {
      insertUnlessOverlapping: (access, backfill, idempotency, processing = DEFAULT_PROCESSING) =>
        idempotency === undefined
          ? unavailable(insertOrName(access.teamId, backfill, processing, 5, false))
          : transaction(keyed(access, idempotency, insertOrName(access.teamId, backfill, processing, 5, true))),

      findForTeam: (access, id) => unavailable(reads.findForTeam(access, id)),
      latestForTransfer: (access, transferId) => unavailable(reads.latestForTransfer(access, transferId)),
      activeOverlapping: (access, transferId, range) => unavailable(reads.activeOverlapping(access, transferId, range)),
      listForTeam: (access, query) => unavailable(reads.listForTeam(access, query)),

      cancel: (access, id, time, idempotency) =>
        transaction(
          keyed(
            access,
            idempotency,
            Effect.gen(function* () {
              const current = yield* lockBackfill(id, access.teamId)
              const cancelled = yield* Lifecycle.cancel(current, { time, userId: access.principal.userId })
              yield* saveState(current, cancelled, { time })
              yield* sql`
                UPDATE ${runs} SET state = 'dropped', ended_time = to_timestamp(${time}::bigint)
                WHERE backfill_id = ${String(id)}::bigint AND state = 'pending'`
              return cancelled
            })
          )
        ),

      retry: (access, id, days, idempotency) =>
        transaction(
          keyed(
            access,
            idempotency,
            Effect.flatMap(lockBackfill(id, access.teamId), (current) =>
              Effect.flatMap(Lifecycle.retryDays(current, days), (retried) => applyRetry(current, retried))
            )
          )
        ),

      runsOf: (access, id, query) => unavailable(reads.runsOf(access, id, query))
    }

    const materialiseLocked = (id: BackfillId, maxDays: number) =>
      transaction(
        Effect.gen(function* () {
          const current = yield* lockBackfill(id)
          const { backfill, days } = Lifecycle.materialiseRuns(current, maxDays)
          const [first] = days
          const last = days.at(-1)
          if (first === undefined || last === undefined) return backfill
          yield* sql`
              INSERT INTO ${runs} (backfill_id, day, state)
              SELECT ${String(id)}::bigint, ${first}::date + offset_days, 'pending'
              FROM generate_series(0, ${last}::date - ${first}::date) AS offset_days`
          yield* saveState(current, backfill, { time: yield* clockSeconds })
          return backfill
        })
      )

    const worker: WorkerRepository["Type"] = {
      materialiseRuns: (id, maxDays) =>
        // A backfill never returns to CREATED: once past it, one read answers, with no lock.
        Effect.flatMap(unavailable(selectOne(sql`b.id = ${String(id)}::bigint`)), (read) =>
          Option.isSome(read) && read.value.status !== "CREATED"
            ? Effect.succeed(read.value)
            : materialiseLocked(id, maxDays)
        ),

      claim: (workerId, nowMillis, leaseMillis, caps) =>
        unavailable(claims.claim(workerId, nowMillis, leaseMillis, caps)),

      renewLease: (lease, nowMillis, leaseMillis) => unavailable(leases.renewLease(lease, nowMillis, leaseMillis)),

      releaseLease: (lease) => unavailable(claims.releaseLease(lease)),

      startNextRun: (lease, nowMillis) => unavailable(leases.startNextRun(lease, nowMillis)),

      recordOutcome: (id, day, outcome, nowMillis, lease) =>
        unavailable(recordOutcome(id, day, outcome, nowMillis, lease)),

      recordOutcomeAndRelease: (id, day, outcome, nowMillis, lease) =>
        unavailable(recordOutcome(id, day, outcome, nowMillis, lease, true)),

      retryFailedDays: (id) =>
        transaction(
          Effect.flatMap(lockBackfill(id), (current) =>
            Effect.flatMap(Lifecycle.retryFailedDays(current), (retried) => applyRetry(current, retried))
          )
        )
    }
    const outboxSteps = makeOutboxSteps(tables)
    const outbox: BackfillOutbox["Type"] = {
      eventsOf: (access, id, afterSequence, limit) =>
        unavailable(outboxSteps.eventsOf(access, id, afterSequence, limit)),
      hold: (relayId, nowMillis, holdMillis, limits) =>
        unavailable(outboxSteps.hold(relayId, nowMillis, holdMillis, limits)),
      markDelivered: (relayId, id, through, nowMillis) =>
        unavailable(outboxSteps.markDelivered(relayId, id, through, nowMillis)),
      markFailed: (failure) => unavailable(outboxSteps.markFailed(failure))
    }
    return {
      api,
      worker,
      outbox,
      statistics: { counts: Effect.flatMap(Clock.currentTimeMillis, (now) => unavailable(makeCounts(tables, now))) }
    }
  })

/**
 * The repository on the `SqlClient` of the context (`layerPostgresClient`, or
 * `@effect/sql-pg`'s `PgClient.layer`), behind both ports: `BackfillRepository` for the
 * API, `WorkerRepository` for workers, and `BackfillStatistics` for gauges. The database enforces what must hold across
 * processes (disjoint active ranges, one run per day, fenced leases), so any number of API
 * servers and workers may share it. Run `migrate` first.
 *
 * @example
 * ```ts
 * import { Duration, Effect, Layer } from "effect"
 * import { layerPostgresBackfillRepository, layerPostgresClient, migrate } from "transfer-backfills/postgres"
 *
 * const deadline = Duration.seconds(5)
 * const database = layerPostgresClient({ url: "postgres://app@localhost:5432/app", deadline })
 * const repository = layerPostgresBackfillRepository({ schema: "transfer_backfills", deadline }).pipe(
 *   Layer.provide(database)
 * )
 *
 * // Migrate once at start-up, then serve on `repository`.
 * const startUp = Effect.provide(migrate({ schema: "transfer_backfills" }), database)
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPostgresBackfillRepository = (
  options: PostgresRepositoryOptions = {}
): Layer.Layer<
  BackfillRepository | WorkerRepository | BackfillStatistics | BackfillOutbox,
  never,
  SqlClient.SqlClient
> =>
  Layer.effectContext(
    Effect.map(makePostgresRepository(options), ({ api, worker, statistics, outbox }) =>
      Context.make(BackfillRepository, api).pipe(
        Context.add(WorkerRepository, worker),
        Context.add(BackfillOutbox, outbox),
        Context.add(BackfillStatistics, statistics)
      )
    )
  )
