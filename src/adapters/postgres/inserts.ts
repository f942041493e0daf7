/**
 * A schedule's insert on PostgreSQL: one statement that stores the backfill (the
 * exclusion constraint refusing an overlap) and makes sure its team and transfer have
 * their rows of running days; a refusal names the backfill in the way.
 */
import type { SqlError } from "@effect/sql"
import { Effect, Option } from "effect"
import type { Backfill, UnsavedBackfill } from "../../domain/backfill.js"
import { changeEvents } from "../../domain/events.js"
import { BackfillId, type TeamId } from "../../domain/ids.js"
import { ACTIVE_STATUSES } from "../../domain/status.js"
import type { BackfillProcessing } from "../../domain/turns.js"
import { ActiveRangeOverlap } from "../../ports/backfillRepository.js"
import { insertEvents, SAVED_FOR_EVENTS } from "./events.js"
import { sqlState } from "./failures.js"
import { sqlStatusList } from "./statusSql.js"
import type { BackfillTables } from "./tables.js"

const ACTIVE_STATUSES_SQL = sqlStatusList(ACTIVE_STATUSES)

/** SQLSTATE of an exclusion constraint violation: the overlap rule refused the insert. */
const EXCLUSION_VIOLATION = "23P01"

/**
 * A deadlock the server settled by rolling the statement back, whole: it is simply tried
 * again. Inserts no longer deadlock with each other (`insertOnce`), but one still can with
 * an update of an overlapping active backfill that changes an indexed column (a claim, a
 * start, a release): the update writes a new entry to the exclusion index and checks it,
 * and each can find the other's entry in flight. The insert would be refused anyway; tried
 * again, it names the backfill in the way.
 */
const DEADLOCK_DETECTED = "40P01"

/**
 * The insert of a schedule: the stored backfill, or `ActiveRangeOverlap` with the active
 * backfill in the way.
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeInsert = (tables: BackfillTables) => {
  const { sql, backfills, selectOne } = tables
  const teamLoad = sql.literal(`${tables.schema}.backfill_team_load`)
  const transferLoad = sql.literal(`${tables.schema}.backfill_transfer_load`)

  const findConflict = (backfill: UnsavedBackfill) =>
    selectOne(sql`
      b.transfer_id = ${String(backfill.transferId)}::bigint
      AND b.status IN ${sql.literal(ACTIVE_STATUSES_SQL)}
      AND daterange(b.range_start, b.range_end, '[]')
        && daterange(${backfill.range.start}::date, ${backfill.range.end}::date, '[]')
      ORDER BY b.id LIMIT 1`)

  /**
   * The backfill, and its team's and transfer's rows of running days for the claims to lock.
   *
   * Inserts into one transfer take turns, on a transaction-scoped advisory lock named by
   * the transfer: the overlap rule checks a new row only after writing it to the index, so
   * two overlapping inserts at once each find the other's row, wait for each other, and
   * the server settles it only after a second (`deadlock_timeout`), rolling one back. Sixty
   * such inserts at once kept a few of them losing that race five times over.
   */
  const insertOnce = (teamId: TeamId, backfill: UnsavedBackfill, processing: BackfillProcessing) => {
    const created = changeEvents(undefined, backfill)
    const transferLock = `${tables.schema}/transfer/${String(backfill.transferId)}`
    return sql<{ readonly id: string }>`
      WITH serialized AS (SELECT pg_advisory_xact_lock(hashtextextended(${transferLock}, 0))),
      inserted AS (
        INSERT INTO ${backfills} (
          team_id, transfer_id, range_start, range_end, created_time, created_user_id, status, runs_total,
          processing_order, transfer_max_running_days, event_sequence
        )
        SELECT
          ${String(teamId)}::bigint, ${String(backfill.transferId)}::bigint,
          ${backfill.range.start}::date, ${backfill.range.end}::date,
          to_timestamp(${backfill.createdTime}::bigint), ${String(backfill.createdUserId)}::bigint,
          ${backfill.status}::text, ${backfill.runs.total}::integer,
          ${processing.order}::text, ${Option.getOrNull(processing.transferMaxRunningDays)}::integer,
          ${created.length}::integer
        FROM serialized
        RETURNING ${sql.literal(SAVED_FOR_EVENTS)}
      ),
      announced AS (${insertEvents(tables, "inserted", created, backfill.createdTime)}),
      team AS (
        INSERT INTO ${teamLoad} (team_id) SELECT team_id FROM inserted ON CONFLICT (team_id) DO NOTHING
      ),
      transfer AS (
        INSERT INTO ${transferLoad} (transfer_id) SELECT transfer_id FROM inserted
        ON CONFLICT (transfer_id) DO NOTHING
      )
      SELECT id::text AS id FROM inserted`
  }

  /**
   * One INSERT; when the exclusion constraint refuses it, the conflicting backfill is
   * looked up to be named. If it has ended in between, the insert is simply tried again.
   */
  const insertOrName = (
    teamId: TeamId,
    backfill: UnsavedBackfill,
    processing: BackfillProcessing,
    attemptsLeft: number,
    inTransaction: boolean
  ): Effect.Effect<Backfill, ActiveRangeOverlap | SqlError.SqlError> =>
    // Inside a transaction the refused INSERT must not abort it: a savepoint takes the refusal.
    (inTransaction
      ? sql.withTransaction(insertOnce(teamId, backfill, processing))
      : insertOnce(teamId, backfill, processing)
    ).pipe(
      Effect.flatMap(([row]) =>
        row === undefined
          ? Effect.dieMessage("An insert of a backfill returned no row")
          : Effect.succeed<Backfill>({ id: BackfillId.make(BigInt(row.id)), ...backfill })
      ),
      Effect.catchIf(
        (error) => sqlState(error) === EXCLUSION_VIOLATION,
        () =>
          Effect.flatMap(findConflict(backfill), (conflicting) =>
            Option.match(conflicting, {
              onSome: (found) => Effect.fail(new ActiveRangeOverlap({ conflicting: found })),
              onNone: () =>
                attemptsLeft > 0
                  ? insertOrName(teamId, backfill, processing, attemptsLeft - 1, inTransaction)
                  : Effect.dieMessage("The overlap rule kept refusing an insert without a conflicting backfill")
            })
          )
      ),
      Effect.catchIf(
        (error) => error._tag === "SqlError" && sqlState(error) === DEADLOCK_DETECTED && attemptsLeft > 0,
        () => insertOrName(teamId, backfill, processing, attemptsLeft - 1, inTransaction)
      )
    )

  return insertOrName
}
