/**
 * The backfill repository on PostgreSQL. The database enforces what must hold across
 * processes: an exclusion constraint keeps the active ranges of a transfer disjoint, a
 * primary key allows one run per day, row locks serialise the changes of one backfill,
 * and `FOR UPDATE SKIP LOCKED` lets many workers claim at once. What a change *is* stays
 * the domain's (`domain/lifecycle.ts`): each mutation locks the backfill's row, asks the
 * domain for the next state and writes it back, all in one transaction.
 */
import { SqlClient, type SqlError, type Statement } from "@effect/sql"
import { type Duration, Effect, Layer, Option, Schema } from "effect"
import { Backfill, type UnsavedBackfill } from "../../domain/backfill.js"
import type { CalendarDate } from "../../domain/calendarDate.js"
import { BackfillId, type TeamId, TransferId, UserId } from "../../domain/ids.js"
import type { RecordedOutcome } from "../../domain/lifecycle.js"
import * as Lifecycle from "../../domain/lifecycle.js"
import type { Lease, RunOutcome, RunState } from "../../domain/runs.js"
import {
  ACTIVE_STATUSES,
  type BackfillStatus,
  type IllegalTransition,
  WITH_WORK_STATUSES
} from "../../domain/status.js"
import { Timestamp, timestampFromMillis } from "../../domain/time.js"
import {
  type DayOutsideRange,
  LeaseLost,
  type RunDropped,
  type RunNotMaterialised,
  UnknownBackfill
} from "../../domain/workerErrors.js"
import { ActiveRangeOverlap, BackfillRepository, type StartedRun } from "../../ports/backfillRepository.js"
import { DEFAULT_DEADLINE, databaseCall, sqlState } from "./failures.js"
import { quoteSchema } from "./migrations.js"
import { sqlStatusList } from "./statusSql.js"

export interface PostgresRepositoryOptions {
  /** The schema `migrate` created the tables in. Default `public`. */
  readonly schema?: string
  /**
   * How often an outcome is decided again when its backfill changed between read and
   * write, before the locking transaction settles it. Default 8.
   */
  readonly optimisticAttempts?: number
  /**
   * How long one call may wait for the database before it fails with
   * `ServiceUnavailable` (SPEC §5: 503). Default 5 seconds.
   */
  readonly deadline?: Duration.DurationInput
}

const ACTIVE_STATUSES_SQL = sqlStatusList(ACTIVE_STATUSES)
const WITH_WORK_SQL = sqlStatusList(WITH_WORK_STATUSES)

/** SQLSTATE of an exclusion constraint violation: the overlap rule refused the insert. */
const EXCLUSION_VIOLATION = "23P01"

interface BackfillRow {
  readonly id: string
  readonly transfer_id: string
  readonly range_start: string
  readonly range_end: string
  readonly created_time: string
  readonly created_user_id: string
  readonly removed_time: string | null
  readonly removed_user_id: string | null
  readonly start_time: string | null
  readonly end_time: string | null
  readonly status: BackfillStatus
  readonly runs_total: number
  readonly runs_created: number
  readonly runs_completed: number
  readonly runs_failed: number
  readonly error_report: ReadonlyArray<{ readonly day: CalendarDate; readonly error: string }>
}

const seconds = (text: string | null): Option.Option<Timestamp> =>
  text === null ? Option.none() : Option.some(Timestamp.make(Number(text)))

const validateBackfill = Schema.validateSync(Backfill)

/** A row as the domain entity; a row no lifecycle could produce is a defect. */
const toBackfill = (row: BackfillRow): Backfill =>
  validateBackfill({
    id: BackfillId.make(BigInt(row.id)),
    transferId: TransferId.make(BigInt(row.transfer_id)),
    range: { start: row.range_start, end: row.range_end },
    createdTime: Timestamp.make(Number(row.created_time)),
    createdUserId: UserId.make(BigInt(row.created_user_id)),
    removal: Option.zipWith(seconds(row.removed_time), Option.fromNullable(row.removed_user_id), (time, userId) => ({
      time,
      userId: UserId.make(BigInt(userId))
    })),
    startTime: seconds(row.start_time),
    endTime: seconds(row.end_time),
    status: row.status,
    runs: {
      total: row.runs_total,
      created: row.runs_created,
      completed: row.runs_completed,
      failed: row.runs_failed
    },
    errorReport: row.error_report
  } as Backfill)

const orNull = (time: Option.Option<Timestamp>) => Option.getOrNull(time)

export const makePostgresRepository = (options: PostgresRepositoryOptions = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const unavailable = databaseCall(options.deadline ?? DEFAULT_DEADLINE)
    const schema = quoteSchema(options.schema ?? "public")
    const backfills = sql.literal(`${schema}.backfills`)
    const runs = sql.literal(`${schema}.backfill_runs`)
    const columns = sql.literal(`
      b.id::text AS id,
      b.transfer_id::text AS transfer_id,
      b.range_start::text AS range_start,
      b.range_end::text AS range_end,
      extract(epoch FROM b.created_time)::bigint::text AS created_time,
      b.created_user_id::text AS created_user_id,
      extract(epoch FROM b.removed_time)::bigint::text AS removed_time,
      b.removed_user_id::text AS removed_user_id,
      extract(epoch FROM b.start_time)::bigint::text AS start_time,
      extract(epoch FROM b.end_time)::bigint::text AS end_time,
      b.status,
      b.runs_total,
      b.runs_created,
      b.runs_completed,
      b.runs_failed,
      COALESCE(
        (SELECT json_agg(json_build_object('day', r.day::text, 'error', r.error) ORDER BY r.day)
         FROM ${schema}.backfill_runs r WHERE r.backfill_id = b.id AND r.state = 'failed'),
        '[]'::json
      ) AS error_report`)

    const selectOne = (where: Statement.Fragment) =>
      Effect.map(sql<BackfillRow>`SELECT ${columns} FROM ${backfills} b WHERE ${where}`, (rows) =>
        Option.map(Option.fromNullable(rows[0]), toBackfill)
      )

    /**
     * Locks the backfill's row for the rest of the transaction, then reads it. Two
     * statements on purpose: under READ COMMITTED a statement that waited for the lock
     * sees the locked row anew but its sub-queries (the error report) as of its start, so
     * only a statement that begins after the lock sees the backfill whole.
     */
    const lockThenRead = <E>(
      lock: Statement.Statement<{ readonly id: string }>,
      missing: () => E,
      id: BackfillId
    ): Effect.Effect<Backfill, E | SqlError.SqlError> =>
      Effect.flatMap(
        lock,
        (locked): Effect.Effect<Backfill, E | SqlError.SqlError> =>
          locked.length === 0
            ? Effect.fail(missing())
            : Effect.map(selectOne(sql`b.id = ${String(id)}::bigint`), (backfill) => Option.getOrThrow(backfill))
      )

    const lockBackfill = (id: BackfillId) =>
      lockThenRead(
        sql<{
          readonly id: string
        }>`SELECT id::text AS id FROM ${backfills} WHERE id = ${String(id)}::bigint FOR UPDATE`,
        () => new UnknownBackfill({ backfillId: id }),
        id
      )

    /** Writes the mutable part of a backfill back (the error report lives in its runs). */
    const saveState = (backfill: Backfill) => {
      const removal = Option.getOrNull(backfill.removal)
      return sql`
        UPDATE ${backfills} SET
          status = ${backfill.status},
          removed_time = to_timestamp(${removal?.time ?? null}::bigint),
          removed_user_id = ${removal === null ? null : String(removal.userId)}::bigint,
          start_time = to_timestamp(${orNull(backfill.startTime)}::bigint),
          end_time = to_timestamp(${orNull(backfill.endTime)}::bigint),
          runs_created = ${backfill.runs.created},
          runs_completed = ${backfill.runs.completed},
          runs_failed = ${backfill.runs.failed},
          version = version + 1
        WHERE id = ${String(backfill.id)}::bigint`
    }

    const transaction = <A, E>(effect: Effect.Effect<A, E>) => unavailable(sql.withTransaction(effect))

    const findConflict = (backfill: UnsavedBackfill) =>
      selectOne(sql`
        b.transfer_id = ${String(backfill.transferId)}::bigint
        AND b.status IN ${sql.literal(ACTIVE_STATUSES_SQL)}
        AND daterange(b.range_start, b.range_end, '[]')
          && daterange(${backfill.range.start}::date, ${backfill.range.end}::date, '[]')
        ORDER BY b.id LIMIT 1`)

    const insertOnce = (teamId: TeamId, backfill: UnsavedBackfill) =>
      sql<{ readonly id: string }>`
        INSERT INTO ${backfills}
          (team_id, transfer_id, range_start, range_end, created_time, created_user_id, status, runs_total)
        VALUES (
          ${String(teamId)}::bigint, ${String(backfill.transferId)}::bigint,
          ${backfill.range.start}::date, ${backfill.range.end}::date,
          to_timestamp(${backfill.createdTime}::bigint), ${String(backfill.createdUserId)}::bigint,
          ${backfill.status}, ${backfill.runs.total}
        )
        RETURNING id::text AS id`

    /**
     * One INSERT; when the exclusion constraint refuses it, the conflicting backfill is
     * looked up to be named. If it has ended in between, the insert is simply tried again.
     */
    const insertOrName = (
      teamId: TeamId,
      backfill: UnsavedBackfill,
      attemptsLeft: number
    ): Effect.Effect<Backfill, ActiveRangeOverlap | SqlError.SqlError> =>
      insertOnce(teamId, backfill).pipe(
        Effect.map((rows): Backfill => ({ id: BackfillId.make(BigInt(rows[0]?.id ?? "0")), ...backfill })),
        Effect.catchIf(
          (error) => sqlState(error) === EXCLUSION_VIOLATION,
          () =>
            Effect.flatMap(findConflict(backfill), (conflicting) =>
              Option.match(conflicting, {
                onSome: (found) => Effect.fail(new ActiveRangeOverlap({ conflicting: found })),
                onNone: () =>
                  attemptsLeft > 0
                    ? insertOrName(teamId, backfill, attemptsLeft - 1)
                    : Effect.dieMessage("The overlap rule kept refusing an insert without a conflicting backfill")
              })
            )
        )
      )

    /** Passes when no lease is given or `lease` is the backfill's latest claim (`fence`). */
    const fencedBy = (fence: number | undefined, lease: Lease | undefined): Effect.Effect<void, LeaseLost> =>
      lease === undefined || lease.fence === fence
        ? Effect.void
        : Effect.fail(new LeaseLost({ backfillId: lease.backfillId, workerId: lease.workerId }))

    /** Locks and reads the backfill of a lease that is still held and live. */
    const lockLeasedBackfill = (lease: Lease, nowMillis: number) =>
      lockThenRead(
        sql<{ readonly id: string }>`
          SELECT id::text AS id FROM ${backfills}
          WHERE id = ${String(lease.backfillId)}::bigint
            AND lease_fence = ${lease.fence}
            AND lease_expires_at_ms > ${nowMillis}
          FOR UPDATE`,
        () => new LeaseLost({ backfillId: lease.backfillId, workerId: lease.workerId }),
        lease.backfillId
      )

    /**
     * Outcomes are the worker's hot path, so they take two statements and no explicit
     * transaction: one reads the backfill, its version and the day's run from a single
     * snapshot; the domain decides; one statement writes the run and the backfill, only if
     * the version is still the one read (locking the row to check it). A write that finds
     * the backfill changed writes nothing and the step is decided again; after `attempts`
     * such races the locking transaction settles it.
     */
    const recordOptimistically = (
      id: BackfillId,
      day: CalendarDate,
      outcome: RunOutcome,
      nowMillis: number,
      lease: Lease | undefined,
      attempts: number
    ): Effect.Effect<
      RecordedOutcome,
      | UnknownBackfill
      | DayOutsideRange
      | RunNotMaterialised
      | RunDropped
      | IllegalTransition
      | LeaseLost
      | SqlError.SqlError
    > =>
      Effect.gen(function* () {
        const [row] = yield* sql<
          BackfillRow & { readonly version: string; readonly fence: number; readonly run_state: RunState | null }
        >`
          SELECT ${columns}, b.version::text AS version, b.lease_fence AS fence,
            (SELECT r.state FROM ${runs} r WHERE r.backfill_id = b.id AND r.day = ${day}::date) AS run_state
          FROM ${backfills} b WHERE b.id = ${String(id)}::bigint`
        if (row === undefined) return yield* new UnknownBackfill({ backfillId: id })
        yield* fencedBy(row.fence, lease)
        const recorded = yield* Lifecycle.recordOutcome(
          toBackfill(row),
          day,
          row.run_state ?? undefined,
          outcome,
          timestampFromMillis(nowMillis)
        )
        if (!recorded.counted) return recorded
        const next = recorded.backfill
        const error = next.errorReport.find((entry) => entry.day === day)?.error ?? null
        const [written] = yield* sql<{ readonly applied: boolean }>`
          WITH unchanged AS (
            SELECT id FROM ${backfills}
            WHERE id = ${String(id)}::bigint AND version = ${row.version}::bigint
            FOR UPDATE
          ),
          run AS (
            UPDATE ${runs} SET state = ${recorded.state}, error = ${error}
            WHERE backfill_id = ${String(id)}::bigint AND day = ${day}::date AND EXISTS (SELECT 1 FROM unchanged)
            RETURNING 1
          ),
          saved AS (
            UPDATE ${backfills} SET
              status = ${next.status},
              start_time = to_timestamp(${orNull(next.startTime)}::bigint),
              end_time = to_timestamp(${orNull(next.endTime)}::bigint),
              runs_completed = ${next.runs.completed},
              runs_failed = ${next.runs.failed},
              version = version + 1
            WHERE id = ${String(id)}::bigint AND EXISTS (SELECT 1 FROM unchanged)
            RETURNING 1
          )
          SELECT EXISTS (SELECT 1 FROM saved) AND EXISTS (SELECT 1 FROM run) AS applied`
        if (written?.applied === true) return recorded
        return yield* attempts > 1
          ? recordOptimistically(id, day, outcome, nowMillis, lease, attempts - 1)
          : sql.withTransaction(recordLocked(id, day, outcome, nowMillis, lease))
      })

    /** The same step under the backfill's row lock: always settles, one transaction. */
    const recordLocked = (
      id: BackfillId,
      day: CalendarDate,
      outcome: RunOutcome,
      nowMillis: number,
      lease: Lease | undefined
    ) =>
      Effect.gen(function* () {
        const current = yield* lockBackfill(id)
        if (lease !== undefined) {
          const [row] = yield* sql<{ readonly fence: number }>`
            SELECT lease_fence AS fence FROM ${backfills} WHERE id = ${String(id)}::bigint`
          yield* fencedBy(row?.fence, lease)
        }
        const stored = yield* sql<{ readonly state: RunState }>`
          SELECT state FROM ${runs} WHERE backfill_id = ${String(id)}::bigint AND day = ${day}::date`
        const recorded = yield* Lifecycle.recordOutcome(
          current,
          day,
          stored[0]?.state,
          outcome,
          timestampFromMillis(nowMillis)
        )
        if (!recorded.counted) return recorded
        const error = recorded.backfill.errorReport.find((entry) => entry.day === day)?.error ?? null
        yield* sql`
          UPDATE ${runs} SET state = ${recorded.state}, error = ${error}
          WHERE backfill_id = ${String(id)}::bigint AND day = ${day}::date`
        yield* saveState(recorded.backfill)
        return recorded
      })

    const repository: BackfillRepository["Type"] = {
      insertUnlessOverlapping: (teamId, backfill) => unavailable(insertOrName(teamId, backfill, 5)),

      findById: (id) => unavailable(selectOne(sql`b.id = ${String(id)}::bigint`)),

      findForTeam: (teamId, id) =>
        unavailable(selectOne(sql`b.id = ${String(id)}::bigint AND b.team_id = ${String(teamId)}::bigint`)),

      latestForTransfer: (transferId) =>
        unavailable(selectOne(sql`b.transfer_id = ${String(transferId)}::bigint ORDER BY b.id DESC LIMIT 1`)),

      listForTeam: (teamId, query) =>
        unavailable(
          Effect.map(
            sql<BackfillRow>`
              SELECT ${columns} FROM ${backfills} b
              WHERE b.team_id = ${String(teamId)}::bigint
                AND b.status IN ${sql.in(query.statuses)}
                AND (${Option.isNone(query.before)} OR b.id < ${Option.match(query.before, {
                  onNone: () => "0",
                  onSome: String
                })}::bigint)
              ORDER BY b.id DESC
              LIMIT ${query.limit}`,
            (rows) => rows.map(toBackfill)
          )
        ),

      cancel: (id, removal) =>
        transaction(
          Effect.gen(function* () {
            const current = yield* lockBackfill(id)
            const cancelled = yield* Lifecycle.cancel(current, removal)
            yield* saveState(cancelled)
            yield* sql`UPDATE ${runs} SET state = 'dropped' WHERE backfill_id = ${String(id)}::bigint AND state = 'pending'`
            return cancelled
          })
        ),

      materialiseRuns: (id, maxDays) =>
        transaction(
          Effect.gen(function* () {
            const current = yield* lockBackfill(id)
            const { backfill, days } = Lifecycle.materialiseRuns(current, maxDays)
            const [first] = days
            const last = days.at(-1)
            if (first === undefined || last === undefined) return backfill
            yield* sql`
              INSERT INTO ${runs} (backfill_id, day, state)
              SELECT ${String(id)}::bigint, day::date, 'pending'
              FROM generate_series(${first}::date, ${last}::date, interval '1 day') AS day`
            yield* saveState(backfill)
            return backfill
          })
        ),

      claim: (workerId, nowMillis, leaseMillis) =>
        unavailable(
          Effect.map(
            sql<{ readonly id: string; readonly fence: number; readonly expires: string }>`
              WITH own AS (
                SELECT id FROM ${backfills}
                WHERE lease_worker = ${workerId} AND status IN ${sql.literal(WITH_WORK_SQL)}
                ORDER BY id
                LIMIT 1
                FOR UPDATE SKIP LOCKED
              ),
              free AS (
                SELECT id FROM ${backfills}
                WHERE status IN ${sql.literal(WITH_WORK_SQL)}
                  AND (lease_expires_at_ms IS NULL OR lease_expires_at_ms <= ${nowMillis})
                  AND NOT EXISTS (SELECT 1 FROM own)
                ORDER BY id
                LIMIT 1
                FOR UPDATE SKIP LOCKED
              ),
              candidate AS (SELECT id FROM own UNION ALL SELECT id FROM free),
              claimed AS (
                UPDATE ${backfills} b
                SET lease_worker = ${workerId},
                    lease_fence = b.lease_fence + 1,
                    version = b.version + 1,
                    lease_expires_at_ms = ${nowMillis + leaseMillis}
                FROM candidate
                WHERE b.id = candidate.id
                RETURNING b.id, b.lease_fence, b.lease_expires_at_ms
              ),
              orphans AS (
                UPDATE ${runs} r SET state = 'pending'
                FROM claimed
                WHERE r.backfill_id = claimed.id AND r.state = 'running'
              )
              SELECT id::text AS id, lease_fence AS fence, lease_expires_at_ms::text AS expires FROM claimed`,
            (rows) =>
              Option.map(
                Option.fromNullable(rows[0]),
                (row): Lease => ({
                  backfillId: BackfillId.make(BigInt(row.id)),
                  workerId,
                  fence: row.fence,
                  expiresAtMillis: Number(row.expires)
                })
              )
          )
        ),

      renewLease: (lease, nowMillis, leaseMillis) =>
        unavailable(
          Effect.flatMap(
            sql<{ readonly id: string }>`
              UPDATE ${backfills} SET lease_expires_at_ms = ${nowMillis + leaseMillis}
              WHERE id = ${String(lease.backfillId)}::bigint
                AND lease_fence = ${lease.fence}
                AND lease_expires_at_ms IS NOT NULL
              RETURNING id::text AS id`,
            (rows) =>
              rows.length === 0
                ? Effect.fail(new LeaseLost({ backfillId: lease.backfillId, workerId: lease.workerId }))
                : Effect.succeed({ ...lease, expiresAtMillis: nowMillis + leaseMillis })
          )
        ),

      releaseLease: (lease) =>
        unavailable(
          Effect.asVoid(sql`
            UPDATE ${backfills} SET lease_worker = NULL, lease_expires_at_ms = NULL
            WHERE id = ${String(lease.backfillId)}::bigint AND lease_fence = ${lease.fence}`)
        ),

      startNextRun: (lease, nowMillis) =>
        transaction(
          Effect.gen(function* () {
            const current = yield* lockLeasedBackfill(lease, nowMillis)
            const pending = yield* sql<{ readonly day: CalendarDate }>`
              SELECT day::text AS day FROM ${runs}
              WHERE backfill_id = ${String(lease.backfillId)}::bigint AND state = 'pending'
              ORDER BY day LIMIT 1
              FOR UPDATE`
            const day = pending[0]?.day
            if (day === undefined) return Option.none<StartedRun>()
            const running = yield* Lifecycle.startRun(current, timestampFromMillis(nowMillis))
            yield* sql`
              UPDATE ${runs} SET state = 'running'
              WHERE backfill_id = ${String(lease.backfillId)}::bigint AND day = ${day}::date`
            // Always saved, if only to move the version: a run changed.
            yield* saveState(running)
            return Option.some({ backfill: running, day })
          })
        ),

      recordOutcome: (id, day, outcome, nowMillis, lease) =>
        unavailable(recordOptimistically(id, day, outcome, nowMillis, lease, options.optimisticAttempts ?? 8)),

      retryFailedDays: (id) =>
        transaction(
          Effect.gen(function* () {
            const current = yield* lockBackfill(id)
            const { backfill } = yield* Lifecycle.retryFailedDays(current)
            yield* sql`
              UPDATE ${runs} SET state = 'pending', error = NULL
              WHERE backfill_id = ${String(id)}::bigint AND state = 'failed'`
            yield* saveState(backfill)
            return backfill
          })
        )
    }
    return repository
  })

/** The repository on the `SqlClient` of the context (`@effect/sql-pg`'s `PgClient.layer`). */
export const layerPostgresBackfillRepository = (
  options: PostgresRepositoryOptions = {}
): Layer.Layer<BackfillRepository, never, SqlClient.SqlClient> =>
  Layer.effect(BackfillRepository, makePostgresRepository(options))
