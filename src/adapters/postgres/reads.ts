/**
 * The API's reads on PostgreSQL, one statement each: a team's backfill, its transfer's
 * newest, the active backfills a range meets (a preview), a page of the team's backfills,
 * and a page of a backfill's ledger. Each names the team, so another team's rows never
 * come back.
 */
import { Effect, Option } from "effect"
import type { ReadAccess } from "../../domain/access.js"
import type { DateRange } from "../../domain/dateRange.js"
import type { BackfillId, TransferId } from "../../domain/ids.js"
import { ACTIVE_STATUSES } from "../../domain/status.js"
import type { PageQuery, RunPageQuery } from "../../ports/backfillRepository.js"
import { IN_PROCESSING_ORDER } from "./leases.js"
import { dayRunFromRow, RUN_COLUMNS, type RunRow } from "./rows.js"
import { sqlStatusList } from "./statusSql.js"
import type { BackfillTables } from "./tables.js"

/**
 * The API port's read statements, before the failure policy.
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeReads = (tables: BackfillTables) => {
  const { sql, backfills, runs, selectOne, selectMany } = tables
  // Written into the statement, not sent as parameters: a cached generic plan can then
  // use the indexes of active backfills, whose predicate names these very statuses.
  const activeStatuses = sql.literal(sqlStatusList(ACTIVE_STATUSES))
  const inProcessingOrder = sql.literal(IN_PROCESSING_ORDER)
  const runColumns = sql.literal(RUN_COLUMNS)

  return {
    findForTeam: ({ teamId }: ReadAccess, id: BackfillId) =>
      selectOne(sql`b.id = ${String(id)}::bigint AND b.team_id = ${String(teamId)}::bigint`),

    latestForTransfer: ({ teamId }: ReadAccess, transferId: TransferId) =>
      selectOne(sql`
        b.transfer_id = ${String(transferId)}::bigint AND b.team_id = ${String(teamId)}::bigint
        ORDER BY b.id DESC LIMIT 1`),

    activeOverlapping: ({ teamId }: ReadAccess, transferId: TransferId, range: DateRange) =>
      selectMany(sql`
        b.transfer_id = ${String(transferId)}::bigint AND b.team_id = ${String(teamId)}::bigint
        AND b.status IN ${activeStatuses}
        AND daterange(b.range_start, b.range_end, '[]') && daterange(${range.start}::date, ${range.end}::date, '[]')
        ORDER BY b.range_start`),

    listForTeam: ({ teamId }: ReadAccess, query: PageQuery) =>
      selectMany(sql`
        b.team_id = ${String(teamId)}::bigint
        AND b.status IN ${sql.in(query.statuses)}
        AND (${Option.isNone(query.before)} OR b.id < ${Option.match(query.before, {
          onNone: () => "0",
          onSome: String
        })}::bigint)
        ORDER BY b.id DESC
        LIMIT ${query.limit}`),

    runsOf: ({ teamId }: ReadAccess, id: BackfillId, query: RunPageQuery) =>
      Effect.map(
        sql<RunRow>`
          SELECT ${runColumns} FROM ${runs} r
          JOIN ${backfills} b ON b.id = r.backfill_id AND b.team_id = ${String(teamId)}::bigint
          WHERE r.backfill_id = ${String(id)}::bigint
            AND r.state IN ${sql.in(query.states)}
            AND (${Option.isNone(query.before)} OR CASE WHEN b.processing_order = 'oldest_first'
              THEN r.day > ${Option.getOrElse(query.before, () => "0001-01-01")}::date
              ELSE r.day < ${Option.getOrElse(query.before, () => "0001-01-01")}::date END)
          ORDER BY ${inProcessingOrder}
          LIMIT ${query.limit}`,
        (rows) => rows.map(dayRunFromRow)
      )
  }
}
