/**
 * The PostgreSQL floors' writes, with the event each change makes since the outbox
 * (0.3): the library writes a change and its event in one statement, so a floor doing the
 * same database work writes its row and one event row, into the same table with the same
 * indexes, in one statement too. The event's JSON is the one the library stores.
 */
import type { SqlClient } from "@effect/sql"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import type { EventDetails } from "../../src/domain/events.js"

const details = (event: EventDetails) => JSON.stringify(event)

const CREATED: EventDetails = {
  type: "backfill.created",
  status: "CREATED",
  runs: { total: 1, created: 0, completed: 0, failed: 0 }
}

const DAY_COMPLETED: EventDetails = {
  type: "day.completed",
  status: "RUNNING",
  runs: { total: 366, created: 366, completed: 1, failed: 0 },
  day: "2020-01-01" as CalendarDate
}

const EVENT_COLUMNS = "(backfill_id, sequence, team_id, transfer_id, type, occurred_time, details)"

/** One backfill of one day inserted bare, and its `backfill.created` event: schedule's floor. */
export const insertWithEvent = (
  sql: SqlClient.SqlClient,
  schema: string,
  transferId: string,
  day: string,
  now: number
) => sql<{ readonly id: string }>`
  WITH inserted AS (
    INSERT INTO ${sql.literal(`"${schema}".backfills`)}
      (team_id, transfer_id, range_start, range_end, created_time, created_user_id, status, runs_total, event_sequence)
    VALUES ('1', ${transferId}, ${day}::date, ${day}::date, to_timestamp(${now}), '789', 'CREATED', 1, 1)
    RETURNING id, team_id, transfer_id
  )
  INSERT INTO ${sql.literal(`"${schema}".backfill_events ${EVENT_COLUMNS}`)}
  SELECT id, 1, team_id, transfer_id, 'backfill.created', ${now}, ${details(CREATED)}::jsonb FROM inserted
  RETURNING backfill_id::text AS id`

/**
 * One counter bumped bare, and a `day.completed` event numbered by it: an outcome's floor.
 * Its events belong to no backfill of the benchmark's (negative ids), as counters to none.
 */
export const countWithEvent = (sql: SqlClient.SqlClient, schema: string, counter: number, now: number) => sql`
  WITH counted AS (
    UPDATE ${sql.literal(`"${schema}".bench_counters`)} SET n = n + 1 WHERE id = ${counter} RETURNING id, n
  )
  INSERT INTO ${sql.literal(`"${schema}".backfill_events ${EVENT_COLUMNS}`)}
  SELECT -1 - id, n, 1, 1, 'day.completed', ${now}, ${details(DAY_COMPLETED)}::jsonb FROM counted`
