/**
 * A database seeded like a busy service's, for the statement plan test and the cost
 * curves of the benchmarks.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** How much a seeded database holds. */
export interface BusySize {
  readonly backfills: number
  readonly teams: number
  readonly transfers: number
}

/**
 * Set-based seeding of a migrated schema, in seconds even for millions of rows:
 * `backfills` backfills of ten days each, each transfer's one after the other from
 * 1990-01-01, a tenth of them active (CREATED) and the rest final, a tenth FAILED with one
 * failed day; the days of every final backfill (nine runs for every backfill); an
 * idempotency key per hundred backfills; the load rows of every team and transfer.
 * Transfer `1000 + t` belongs to team `1 + (1000 + t) % teams`; ids run from 1 in
 * creation order.
 */
export const seedBusyDatabase = (
  schema: string,
  { backfills: BACKFILLS, teams: TEAMS, transfers: TRANSFERS }: BusySize
) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => {
    const table = (name: string) => `"${schema}".${name}`
    return Effect.all(
      [
        sql.unsafe(`
        INSERT INTO ${table("backfills")}
          (team_id, transfer_id, range_start, range_end, created_time, created_user_id, start_time, end_time,
           status, runs_total, runs_created, runs_completed, runs_failed)
        SELECT 1 + (1000 + g % ${TRANSFERS}) % ${TEAMS}, 1000 + g % ${TRANSFERS},
               date '1990-01-01' + (g / ${TRANSFERS}) * 10, date '1990-01-01' + (g / ${TRANSFERS}) * 10 + 9,
               now(), 789,
               CASE WHEN k = 0 THEN NULL ELSE now() END, CASE WHEN k = 0 THEN NULL ELSE now() END,
               CASE WHEN k = 0 THEN 'CREATED' WHEN k = 5 THEN 'FAILED' ELSE 'COMPLETED' END,
               10, CASE WHEN k = 0 THEN 0 ELSE 10 END,
               CASE WHEN k = 0 THEN 0 WHEN k = 5 THEN 9 ELSE 10 END,
               CASE WHEN k = 5 THEN 1 ELSE 0 END
        FROM generate_series(1, ${BACKFILLS}) AS g, LATERAL (SELECT (g / ${TRANSFERS}) % 10 AS k) AS kind`),
        sql.unsafe(`
        INSERT INTO ${table("backfill_runs")} (backfill_id, day, state, error, attempts, started_time, ended_time)
        SELECT b.id, b.range_start + d,
               CASE WHEN b.status = 'FAILED' AND d = 0 THEN 'failed' ELSE 'completed' END,
               CASE WHEN b.status = 'FAILED' AND d = 0 THEN 'Source table not found' END, 1, now(), now()
        FROM ${table("backfills")} AS b, generate_series(0, 9) AS d
        WHERE b.status <> 'CREATED'`),
        sql.unsafe(`
        INSERT INTO ${table("backfill_idempotency_keys")} (team_id, user_id, key, fingerprint, response, expires_at)
        SELECT 1 + g % ${TEAMS}, 789, 'seeded-' || g, 'f', '{}'::jsonb, 4102444800
        FROM generate_series(1, ${BACKFILLS / 100}) AS g`),
        sql.unsafe(`
        INSERT INTO ${table("backfill_team_load")} (team_id, running)
        SELECT t, 0 FROM generate_series(1, ${TEAMS}) AS t`),
        sql.unsafe(`
        INSERT INTO ${table("backfill_transfer_load")} (transfer_id, running)
        SELECT 1000 + t, 0 FROM generate_series(0, ${TRANSFERS - 1}) AS t`),
        sql.unsafe(`ANALYZE ${table("backfills")}, ${table("backfill_runs")}, ${table("backfill_idempotency_keys")}`)
      ],
      { discard: true }
    )
  })

/**
 * Five events for every backfill `seedBusyDatabase` stored, as a busy outbox holds them:
 * delivered, but for the last event of one backfill in fifty, still pending.
 */
export const seedBusyOutbox = (schema: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => {
    const table = (name: string) => `"${schema}".${name}`
    const details = JSON.stringify({
      type: "backfill.created",
      status: "CREATED",
      runs: { total: 10, created: 0, completed: 0, failed: 0 }
    })
    return Effect.all(
      [
        sql.unsafe(`
        INSERT INTO ${table("backfill_events")}
          (backfill_id, sequence, team_id, transfer_id, type, occurred_time, details, state, delivered_at_ms)
        SELECT b.id, s, b.team_id, b.transfer_id, 'backfill.created', 1700000000, '${details}'::jsonb,
               CASE WHEN b.id % 50 = 0 AND s = 5 THEN 'pending' ELSE 'delivered' END,
               CASE WHEN b.id % 50 = 0 AND s = 5 THEN NULL ELSE 1700000000000 END
        FROM ${table("backfills")} AS b, generate_series(1, 5) AS s`),
        sql.unsafe(`UPDATE ${table("backfills")} SET event_sequence = 5`),
        sql.unsafe(`ANALYZE ${table("backfills")}, ${table("backfill_events")}`)
      ],
      { discard: true }
    )
  })
