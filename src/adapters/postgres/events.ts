/**
 * The outbox on PostgreSQL. A change's events are inserted by the statement that saves
 * the change, numbered from the backfill row's `event_sequence` as that statement bumps
 * it, so the change and its events commit or vanish together and two changes of one
 * backfill (which both write its row) can never take the same number. Relays hold a
 * backfill in `backfill_event_holds`, one relay per backfill at a time, with a deadline.
 */
import type { Statement } from "@effect/sql"
import { Effect, Either, Schema } from "effect"
import type { ReadAccess } from "../../domain/access.js"
import { type BackfillEvent, EventDetails } from "../../domain/events.js"
import { BackfillId, TeamId, TransferId } from "../../domain/ids.js"
import type { EpochSeconds } from "../../domain/time.js"
import type { FailedDelivery, HeldEvents, HoldLimits } from "../../ports/backfillOutbox.js"
import type { BackfillTables } from "./tables.js"

/** What a statement that saves a change returns of the backfill's row, for its events. */
export const SAVED_FOR_EVENTS = "id, team_id, transfer_id, event_sequence"

/**
 * The INSERT of a change's events, for the row `source` (a CTE returning
 * `SAVED_FOR_EVENTS`, with `event_sequence` already bumped by `details.length`). Inserts
 * nothing when `source` saved nothing or there are no events.
 *
 * @since 0.3.0
 * @category utils
 */
export const insertEvents = (
  { sql, schema }: BackfillTables,
  source: string,
  details: ReadonlyArray<EventDetails>,
  time: EpochSeconds
): Statement.Fragment => sql`
  INSERT INTO ${sql.literal(`${schema}.backfill_events`)}
    (backfill_id, sequence, team_id, transfer_id, type, occurred_time, details)
  SELECT s.id, s.event_sequence - ${details.length} + e.ord::integer, s.team_id, s.transfer_id,
    e.value->>'type', ${time}, e.value
  FROM ${sql.literal(source)} s, jsonb_array_elements(${JSON.stringify(details)}::jsonb) WITH ORDINALITY AS e(value, ord)`

interface EventRow {
  readonly backfill_id: string
  readonly sequence: number
  readonly team_id: string
  readonly transfer_id: string
  readonly occurred_time: string
  readonly details: unknown
  readonly failed_attempts: number
}

const EVENT_COLUMNS =
  "e.backfill_id::text AS backfill_id, e.sequence, e.team_id::text AS team_id, e.transfer_id::text AS transfer_id, " +
  "e.occurred_time::text AS occurred_time, e.details, e.failed_attempts"

const decodeDetails = Schema.decodeUnknownSync(EventDetails)

const eventFromRow = (row: EventRow): BackfillEvent => ({
  ...decodeDetails(typeof row.details === "string" ? JSON.parse(row.details) : row.details),
  backfillId: BackfillId.make(BigInt(row.backfill_id)),
  teamId: TeamId.make(BigInt(row.team_id)),
  transferId: TransferId.make(BigInt(row.transfer_id)),
  sequence: row.sequence,
  time: Number(row.occurred_time) as EpochSeconds
})

/** A held row as the relay takes it, or why this version cannot read it. */
const readEvent = (row: EventRow) =>
  Either.try({
    try: () => ({ event: eventFromRow(row), failedAttempts: row.failed_attempts }),
    catch: (error) => error
  })

/**
 * The outbox port's statements on `tables`' schema (the caller adds the deadline).
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeOutboxSteps = (tables: BackfillTables) => {
  const { sql, schema } = tables
  const events = sql.literal(`${schema}.backfill_events`)
  const holds = sql.literal(`${schema}.backfill_event_holds`)
  const columns = sql.literal(EVENT_COLUMNS)

  const deliveredThrough = (id: BackfillId, throughSequence: number, nowMillis: number) => sql`
    UPDATE ${events} SET state = 'delivered', delivered_at_ms = ${nowMillis}
    WHERE backfill_id = ${String(id)}::bigint AND sequence <= ${throughSequence} AND state = 'pending'`

  const releaseHold = (relayId: string, id: BackfillId) =>
    sql`DELETE FROM ${holds} WHERE backfill_id = ${String(id)}::bigint AND relay_id = ${relayId}`

  return {
    eventsOf: ({ teamId }: ReadAccess, id: BackfillId, afterSequence: number, limit: number) =>
      Effect.map(
        sql<EventRow>`
          SELECT ${columns} FROM ${events} e
          WHERE e.backfill_id = ${String(id)}::bigint AND e.team_id = ${String(teamId)}::bigint
            AND e.sequence > ${afterSequence}
          ORDER BY e.sequence LIMIT ${limit}`,
        (rows) => rows.map(eventFromRow)
      ),

    hold: (relayId: string, nowMillis: number, holdMillis: number, limits: HoldLimits) =>
      Effect.gen(function* () {
        // Relays holding at once skip each other's candidates (their oldest pending events,
        // locked); the upsert, which only takes a hold that has lapsed, settles the rest.
        const held = yield* sql<{ readonly backfill_id: string }>`
          WITH candidates AS (
            SELECT e.backfill_id FROM ${events} e
            WHERE e.state = 'pending' AND e.due_at_ms <= ${nowMillis}
              AND NOT EXISTS (
                SELECT 1 FROM ${events} p
                WHERE p.backfill_id = e.backfill_id AND p.state = 'pending' AND p.sequence < e.sequence)
              AND NOT EXISTS (
                SELECT 1 FROM ${holds} x WHERE x.backfill_id = e.backfill_id AND x.held_until_ms > ${nowMillis})
            ORDER BY e.position LIMIT ${limits.backfills}
            FOR UPDATE OF e SKIP LOCKED
          )
          INSERT INTO ${holds} (backfill_id, relay_id, held_until_ms)
          SELECT backfill_id, ${relayId}, ${nowMillis + holdMillis} FROM candidates
          ON CONFLICT (backfill_id) DO UPDATE SET relay_id = EXCLUDED.relay_id, held_until_ms = EXCLUDED.held_until_ms
            WHERE ${holds}.held_until_ms <= ${nowMillis}
          RETURNING backfill_id::text AS backfill_id`
        if (held.length === 0) return [] as ReadonlyArray<HeldEvents>
        // Oldest pending event first, as the candidates were chosen: the order relays deliver in.
        const rows = yield* sql<EventRow>`
          SELECT * FROM (
            SELECT ${columns}, row_number() OVER (PARTITION BY e.backfill_id ORDER BY e.sequence) AS rank,
              min(e.position) OVER (PARTITION BY e.backfill_id) AS oldest
            FROM ${events} e
            WHERE e.state = 'pending' AND ${sql.in(
              "e.backfill_id",
              held.map((row) => row.backfill_id)
            )}
          ) ranked
          WHERE rank <= ${Math.max(limits.eventsPerBackfill, 1)}
          ORDER BY oldest, sequence`
        const byBackfill = new Map<string, Array<EventRow>>()
        for (const row of rows) byBackfill.set(row.backfill_id, [...(byBackfill.get(row.backfill_id) ?? []), row])
        const readable: Array<HeldEvents> = []
        for (const [id, pending] of byBackfill) {
          const backfillId = BackfillId.make(BigInt(id))
          const events = Either.all(pending.map(readEvent))
          if (Either.isRight(events)) {
            readable.push({ backfillId, events: events.right })
            continue
          }
          // A row this version cannot read (written by a newer one, say) waits, in order, for a relay
          // that can; the hold is let go at once, and the other backfills go out meanwhile.
          yield* Effect.logWarning(
            `Backfill ${id} has an event this relay cannot read; it is left for another`,
            events.left
          )
          yield* releaseHold(relayId, backfillId)
        }
        return readable
      }),

    markDelivered: (relayId: string, id: BackfillId, throughSequence: number, nowMillis: number) =>
      Effect.asVoid(sql`
        WITH delivered AS (${deliveredThrough(id, throughSequence, nowMillis)})
        ${releaseHold(relayId, id)}`),

    // The failure counts only if the hold was still this relay's: the DELETE, unlike a read of the
    // statement's snapshot, waits for a relay taking the hold over and sees its row afterwards.
    markFailed: ({ relayId, id, sequence, error, retryAtMillis, nowMillis }: FailedDelivery) =>
      Effect.asVoid(sql`
        WITH delivered AS (${deliveredThrough(id, sequence - 1, nowMillis)}),
        released AS (${releaseHold(relayId, id)} RETURNING 1),
        failed AS (
          UPDATE ${events} SET
            failed_attempts = failed_attempts + 1,
            last_error = ${error},
            state = CASE WHEN ${retryAtMillis._tag === "None"} THEN 'dead_letter' ELSE state END,
            due_at_ms = ${retryAtMillis._tag === "None" ? 0 : retryAtMillis.value}
          WHERE backfill_id = ${String(id)}::bigint AND sequence = ${sequence} AND state = 'pending'
            AND EXISTS (SELECT 1 FROM released)
        )
        SELECT 1`)
  }
}
