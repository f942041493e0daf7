/**
 * Leases and runs on PostgreSQL: renewals checked by the fence, and the start of a day
 * under a live lease, in the backfill's processing order, decided on one snapshot
 * (`optimistic.ts`). A day started on a snapshot is remembered for its outcome
 * (`startedDays.ts`). Claims and releases, which move the running days' counts, are
 * `claims.ts`.
 */
import { Effect, Option } from "effect"
import type { CalendarDate } from "../../domain/calendarDate.js"
import { changeEvents } from "../../domain/events.js"
import * as Lifecycle from "../../domain/lifecycle.js"
import type { Lease } from "../../domain/runs.js"
import { type EpochSeconds, epochSecondsFromMillis } from "../../domain/time.js"
import { LeaseLost } from "../../domain/workerErrors.js"
import type { StartedRun } from "../../ports/backfillRepository.js"
import { insertEvents, SAVED_FOR_EVENTS } from "./events.js"
import { decidedOnSnapshot } from "./optimistic.js"
import { outcomeKey, type Remembered, type StartSnapshot, startKey } from "./remembered.js"
import { backfillFromRow, isoDay } from "./rows.js"
import { type BackfillTables, orNull } from "./tables.js"

/** Runs `r` of backfill `b` in its processing order, for `ORDER BY`. */
export const IN_PROCESSING_ORDER =
  "CASE WHEN b.processing_order = 'oldest_first' THEN r.day - DATE '1970-01-01' ELSE DATE '1970-01-01' - r.day END"

/**
 * The next pending day of backfill `b` in its processing order (`day`, `attempts`), for a
 * `LATERAL` join, in the (quoted) `schema`.
 */
export const nextPendingDaySql = (schema: string) => `
  SELECT ${isoDay("r.day")} AS day, r.attempts FROM ${schema}.backfill_runs r
  WHERE r.backfill_id = b.id AND r.state = 'pending'
  ORDER BY ${IN_PROCESSING_ORDER} LIMIT 1`

/**
 * The lease and run statements of the worker port: renewals checked by the fence, and the
 * start of a day under a live lease.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeLeaseSteps = (tables: BackfillTables, attempts: number, remembered: Remembered) => {
  const { sql, backfills, runs, columns } = tables
  const inProcessingOrder = sql.literal(IN_PROCESSING_ORDER)
  const isoRunDay = sql.literal(isoDay("r.day"))
  const nextPendingDay = sql.literal(nextPendingDaySql(tables.schema))
  /** A run handed to a worker at `now`: `DayRuns.started`'s columns. */
  const markedRunning = (now: EpochSeconds) =>
    sql`state = 'running', started_time = to_timestamp(${now}::bigint), ended_time = NULL`

  /**
   * `snapshot`'s next day marked running and the backfill saved in one statement, only
   * while the version and the lease are the snapshot's and the lease is live:
   * `Option.none()` when they were not.
   */
  const startOn = (snapshot: StartSnapshot, lease: Lease, nowMillis: number) =>
    Effect.gen(function* () {
      const id = String(lease.backfillId)
      const now = epochSecondsFromMillis(nowMillis)
      const current = snapshot.backfill
      const running = yield* Lifecycle.startRun(current, now)
      const started = changeEvents(current, running, { day: { _tag: "Started", day: snapshot.nextDay } })
      const [written] = yield* sql<{ readonly applied: boolean }>`
        WITH unchanged AS (
          SELECT id FROM ${backfills}
          WHERE id = ${id}::bigint AND version = ${snapshot.version}::bigint
            AND lease_fence = ${lease.fence} AND lease_expires_at_ms > ${nowMillis}
          FOR UPDATE
        ),
        run AS (
          UPDATE ${runs} SET ${markedRunning(now)}
          WHERE backfill_id = ${id}::bigint AND day = ${snapshot.nextDay}::date AND state = 'pending'
            AND EXISTS (SELECT 1 FROM unchanged)
          RETURNING 1
        ),
        saved AS (
          UPDATE ${backfills} SET
            status = ${running.status},
            start_time = to_timestamp(${orNull(running.startTime)}::bigint),
            version = version + 1,
            event_sequence = event_sequence + ${started.length}
          WHERE id = ${id}::bigint AND EXISTS (SELECT 1 FROM run)
          RETURNING ${sql.literal(SAVED_FOR_EVENTS)}
        ),
        announced AS (${insertEvents(tables, "saved", started, now)})
        SELECT EXISTS (SELECT 1 FROM saved) AS applied`
      if (written?.applied !== true) return Option.none()
      remembered.outcomes.remember(outcomeKey(lease.backfillId, snapshot.nextDay), {
        backfill: running,
        version: String(BigInt(snapshot.version) + 1n),
        fence: lease.fence,
        runState: "running",
        runAttempts: snapshot.nextAttempts
      })
      return Option.some(Option.some<StartedRun>({ backfill: running, day: snapshot.nextDay }))
    })

  /** The backfill, its version, its lease and its next pending day from one snapshot, then `startOn` it. */
  const startOnRead = (lease: Lease, nowMillis: number) =>
    Effect.gen(function* () {
      const [row] = yield* sql<{
        readonly version: string
        readonly fence: number
        readonly expires: string | null
        readonly next_day: CalendarDate | null
        readonly next_attempts: number | null
      }>`
        SELECT ${columns}, b.version::text AS version, b.lease_fence AS fence,
          b.lease_expires_at_ms::text AS expires, next.day AS next_day, next.attempts AS next_attempts
        FROM ${backfills} b
        LEFT JOIN LATERAL (${nextPendingDay}) next ON true
        WHERE b.id = ${String(lease.backfillId)}::bigint`
      if (row === undefined || row.fence !== lease.fence || row.expires === null || Number(row.expires) <= nowMillis) {
        return yield* new LeaseLost({ backfillId: lease.backfillId, workerId: lease.workerId })
      }
      if (row.next_day === null || row.next_attempts === null) return Option.some(Option.none<StartedRun>())
      const snapshot = {
        backfill: backfillFromRow(row),
        version: row.version,
        fence: row.fence,
        nextDay: row.next_day,
        nextAttempts: row.next_attempts
      }
      return yield* startOn(snapshot, lease, nowMillis)
    })

  /** The same start in a transaction: the backfill's row stays locked from its read to its write. */
  const startUnderLock = (lease: Lease, nowMillis: number) =>
    Effect.gen(function* () {
      const current = yield* tables.lockLeasedBackfill(lease, nowMillis)
      const pending = yield* sql<{ readonly day: CalendarDate }>`
        SELECT ${isoRunDay} AS day FROM ${runs} r
        JOIN ${backfills} b ON b.id = r.backfill_id
        WHERE r.backfill_id = ${String(lease.backfillId)}::bigint AND r.state = 'pending'
        ORDER BY ${inProcessingOrder} LIMIT 1
        FOR UPDATE OF r`
      const next = pending[0]?.day
      if (next === undefined) return Option.none<StartedRun>()
      const now = epochSecondsFromMillis(nowMillis)
      const running = yield* Lifecycle.startRun(current, now)
      yield* sql`
        UPDATE ${runs} SET ${markedRunning(now)}
        WHERE backfill_id = ${String(lease.backfillId)}::bigint AND day = ${next}::date`
      // Always saved, if only to move the version: a run changed.
      yield* tables.saveState(current, running, { time: now, day: { _tag: "Started", day: next } })
      return Option.some<StartedRun>({ backfill: running, day: next })
    })

  return {
    renewLease: (lease: Lease, nowMillis: number, leaseMillis: number) =>
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
      ),

    startNextRun: (lease: Lease, nowMillis: number) => {
      const read = decidedOnSnapshot(sql, attempts, startOnRead(lease, nowMillis), startUnderLock(lease, nowMillis))
      // Taken when the start runs, not when it is described: a retried effect reads.
      return Effect.suspend(() => {
        const claimed = remembered.starts.take(startKey(lease.backfillId))
        return claimed === undefined || claimed.fence !== lease.fence
          ? read
          : startOn(claimed, lease, nowMillis).pipe(
              Effect.orElseSucceed(() => Option.none<Option.Option<StartedRun>>()),
              Effect.flatMap(Option.match({ onSome: Effect.succeed, onNone: () => read }))
            )
      })
    }
  }
}
