/**
 * The rows of running days of each team and transfer (`backfill_team_load`,
 * `backfill_transfer_load`): a claim counts a day up while under the caps, and every lease
 * that ends (released, swept, or given up with a turn's last outcome) counts it down here,
 * the transfer's row locked before the team's, as every statement locks them.
 */
import type { Statement } from "@effect/sql"
import type { BackfillTables } from "./tables.js"

/**
 * Common table expressions that give back one running day for each row of `source` (a
 * preceding one returning the `team_id` and `transfer_id` of each lease that ended) to its
 * transfer, then to its team. Never below zero.
 *
 * @since 0.3.0
 * @category utils
 */
export const runningDaysGivenBack = ({ sql, schema }: BackfillTables, source: string): Statement.Fragment => {
  const ended = sql.literal(source)
  return sql`
    given_back_transfer AS (
      UPDATE ${sql.literal(`${schema}.backfill_transfer_load`)} l SET running = greatest(l.running - g.n, 0)
      FROM (SELECT transfer_id, count(*)::int AS n FROM ${ended} GROUP BY transfer_id) g
      WHERE l.transfer_id = g.transfer_id
      RETURNING l.transfer_id
    ),
    -- Reads the transfers' update, so that their rows are locked first.
    given_back_team AS (
      UPDATE ${sql.literal(`${schema}.backfill_team_load`)} t SET running = greatest(t.running - g.n, 0)
      FROM (SELECT team_id, count(*)::int AS n FROM ${ended} GROUP BY team_id) g
      WHERE t.team_id = g.team_id AND EXISTS (SELECT 1 FROM given_back_transfer)
      RETURNING t.team_id
    )`
}
