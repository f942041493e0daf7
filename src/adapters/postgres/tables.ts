/**
 * The statements the repository's modules share: a backfill's row read whole, locked,
 * written back, and the fence of its latest claim checked.
 */
import type { SqlClient, SqlError, Statement } from "@effect/sql"
import { Effect, Option } from "effect"
import type { Backfill } from "../../domain/backfill.js"
import { type ChangeMade, changeEvents } from "../../domain/events.js"
import type { BackfillId, TeamId } from "../../domain/ids.js"
import type { Lease } from "../../domain/runs.js"
import type { EpochSeconds } from "../../domain/time.js"
import { LeaseLost, UnknownBackfill } from "../../domain/workerErrors.js"
import { insertEvents, SAVED_FOR_EVENTS } from "./events.js"
import { quoteSchema } from "./migrations.js"
import { backfillColumns, backfillFromRow } from "./rows.js"

/**
 * The statements the repository's modules share: a backfill's row read whole, locked and
 * written back, in the schema the repository works in.
 *
 * @since 0.1.0
 * @category models
 */
export interface BackfillTables {
  readonly sql: SqlClient.SqlClient
  /** The schema's name, quoted for SQL. */
  readonly schema: string
  readonly backfills: Statement.Fragment
  readonly runs: Statement.Fragment
  /** The columns `backfillFromRow` reads, for `SELECT … FROM backfills b`. */
  readonly columns: Statement.Fragment
  readonly selectOne: (where: Statement.Fragment) => Effect.Effect<Option.Option<Backfill>, SqlError.SqlError>
  readonly selectMany: (query: Statement.Fragment) => Effect.Effect<ReadonlyArray<Backfill>, SqlError.SqlError>
  /** Locks the backfill's row (of `teamId`, when given) for the rest of the transaction and reads it. */
  readonly lockBackfill: (
    id: BackfillId,
    teamId?: TeamId
  ) => Effect.Effect<Backfill, UnknownBackfill | SqlError.SqlError>
  /** The same, for the backfill of a lease that is still held and live. */
  readonly lockLeasedBackfill: (
    lease: Lease,
    nowMillis: number
  ) => Effect.Effect<Backfill, LeaseLost | SqlError.SqlError>
  /**
   * Writes the mutable part of a backfill back as it is `after` a change (the error
   * report lives in its runs), and appends the change's events (`changeEvents`) in the
   * same statement.
   */
  readonly saveState: (
    before: Backfill,
    after: Backfill,
    change: ChangeMade
  ) => Effect.Effect<unknown, SqlError.SqlError>
}

/**
 * An optional instant as a SQL parameter: the seconds, or `null`.
 *
 * @since 0.1.0
 * @category utils
 */
export const orNull = (time: Option.Option<EpochSeconds>) => Option.getOrNull(time)

/**
 * Passes when no lease is given or `lease` is the backfill's latest claim (`fence`); fails
 * with `LeaseLost` otherwise.
 *
 * @since 0.1.0
 * @category utils
 */
export const fencedBy = (fence: number | undefined, lease: Lease | undefined): Effect.Effect<void, LeaseLost> =>
  lease === undefined || lease.fence === fence
    ? Effect.void
    : Effect.fail(new LeaseLost({ backfillId: lease.backfillId, workerId: lease.workerId }))

/**
 * The shared statements on `sql`, for the tables in `schemaName`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeBackfillTables = (sql: SqlClient.SqlClient, schemaName: string): BackfillTables => {
  const schema = quoteSchema(schemaName)
  const backfills = sql.literal(`${schema}.backfills`)
  const runs = sql.literal(`${schema}.backfill_runs`)
  const columns = sql.literal(backfillColumns(schema))

  const selectMany = (query: Statement.Fragment) =>
    Effect.map(sql`SELECT ${columns} FROM ${backfills} b WHERE ${query}`, (rows) => rows.map(backfillFromRow))

  const selectOne = (where: Statement.Fragment) =>
    Effect.map(selectMany(where), (found) => Option.fromNullable(found[0]))

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

  const tables: BackfillTables = {
    sql,
    schema,
    backfills,
    runs,
    columns,
    selectOne,
    selectMany,
    lockBackfill: (id, teamId) =>
      lockThenRead(
        sql<{ readonly id: string }>`
          SELECT id::text AS id FROM ${backfills}
          WHERE id = ${String(id)}::bigint AND (${teamId === undefined} OR team_id = ${String(teamId ?? 0n)}::bigint)
          FOR UPDATE`,
        () => new UnknownBackfill({ backfillId: id }),
        id
      ),
    lockLeasedBackfill: (lease, nowMillis) =>
      lockThenRead(
        sql<{ readonly id: string }>`
          SELECT id::text AS id FROM ${backfills}
          WHERE id = ${String(lease.backfillId)}::bigint
            AND lease_fence = ${lease.fence}
            AND lease_expires_at_ms > ${nowMillis}
          FOR UPDATE`,
        () => new LeaseLost({ backfillId: lease.backfillId, workerId: lease.workerId }),
        lease.backfillId
      ),
    saveState: (before, backfill, change) => {
      const removal = Option.getOrNull(backfill.removal)
      const details = changeEvents(before, backfill, change)
      return sql`
        WITH saved AS (
          UPDATE ${backfills} SET
            status = ${backfill.status},
            removed_time = to_timestamp(${removal?.time ?? null}::bigint),
            removed_user_id = ${removal === null ? null : String(removal.userId)}::bigint,
            start_time = to_timestamp(${orNull(backfill.startTime)}::bigint),
            end_time = to_timestamp(${orNull(backfill.endTime)}::bigint),
            runs_created = ${backfill.runs.created},
            runs_completed = ${backfill.runs.completed},
            runs_failed = ${backfill.runs.failed},
            version = version + 1,
            event_sequence = event_sequence + ${details.length}
          WHERE id = ${String(backfill.id)}::bigint
          RETURNING ${sql.literal(SAVED_FOR_EVENTS)}
        )
        ${insertEvents(tables, "saved", details, change.time)}`
    }
  }
  return tables
}
