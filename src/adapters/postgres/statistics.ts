/**
 * `BackfillStatistics` on PostgreSQL: one statement over the backfills with work, through
 * the partial index that holds only them, so a scrape costs the same at a million ended
 * backfills as at none. A live lease counts as its backfill's one running day; a lease
 * left by a crashed worker stops counting once it expires.
 */
import type { SqlError } from "@effect/sql"
import { Effect } from "effect"
import { WITH_WORK_STATUSES } from "../../domain/status.js"
import type { BackfillCounts } from "../../ports/backfillStatistics.js"
import { sqlStatusList } from "./statusSql.js"
import type { BackfillTables } from "./tables.js"

interface CountsRow {
  readonly status: (typeof WITH_WORK_STATUSES)[number]
  readonly backfills: number
  readonly unreported: number
  readonly leased: number
}

/** The store's counts, read in one statement. */
export const makeCounts = (
  { sql, backfills }: BackfillTables,
  nowMillis: number
): Effect.Effect<BackfillCounts, SqlError.SqlError> => {
  const withWork = sql.literal(sqlStatusList(WITH_WORK_STATUSES))
  const statuses = sql.literal(WITH_WORK_STATUSES.map((status) => `('${status}')`).join(", "))
  return Effect.map(
    sql<CountsRow>`
      SELECT s.status,
        coalesce(w.backfills, 0)::int AS backfills,
        coalesce(w.unreported, 0)::int AS unreported,
        coalesce(w.leased, 0)::int AS leased
      FROM (VALUES ${statuses}) AS s (status)
      LEFT JOIN (
        SELECT status, count(*) AS backfills, sum(runs_total - runs_completed - runs_failed) AS unreported,
          count(*) FILTER (WHERE lease_worker IS NOT NULL AND lease_expires_at_ms > ${nowMillis}) AS leased
        FROM ${backfills} WHERE status IN ${withWork}
        GROUP BY status
      ) AS w USING (status)`,
    (rows) => {
      const withWorkCounts = { CREATED: 0, SCHEDULED: 0, RUNNING: 0 }
      let unreported = 0
      let leased = 0
      for (const row of rows) {
        withWorkCounts[row.status] = row.backfills
        unreported += row.unreported
        leased += row.leased
      }
      return { withWork: withWorkCounts, pendingDays: unreported - leased, runningDays: leased }
    }
  )
}
