/**
 * Leases and runs on PostgreSQL: renewals checked by the fence, and the start of a day
 * under a live lease, in the backfill's processing order. Claims and releases, which
 * move the running days' counts, are `claims.ts`.
 */
import { Effect, Option } from "effect"
import type { CalendarDate } from "../../domain/calendarDate.js"
import * as Lifecycle from "../../domain/lifecycle.js"
import type { Lease } from "../../domain/runs.js"
import { epochSecondsFromMillis } from "../../domain/time.js"
import { LeaseLost } from "../../domain/workerErrors.js"
import type { StartedRun } from "../../ports/backfillRepository.js"
import { isoDay } from "./rows.js"
import type { BackfillTables } from "./tables.js"

/** Runs `r` of backfill `b` in its processing order, for `ORDER BY`. */
export const IN_PROCESSING_ORDER =
  "CASE WHEN b.processing_order = 'oldest_first' THEN r.day - DATE '1970-01-01' ELSE DATE '1970-01-01' - r.day END"

/**
 * The lease and run statements of the worker port: renewals checked by the fence, and the
 * start of a day under a live lease.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeLeaseSteps = (tables: BackfillTables) => {
  const { sql, backfills, runs } = tables
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

    /** Run in a transaction: the backfill's row stays locked from its read to its write. */
    startNextRun: (lease: Lease, nowMillis: number) =>
      Effect.gen(function* () {
        const current = yield* tables.lockLeasedBackfill(lease, nowMillis)
        const pending = yield* sql<{ readonly day: CalendarDate }>`
          SELECT ${sql.literal(isoDay("r.day"))} AS day FROM ${runs} r
          JOIN ${backfills} b ON b.id = r.backfill_id
          WHERE r.backfill_id = ${String(lease.backfillId)}::bigint AND r.state = 'pending'
          ORDER BY ${sql.literal(IN_PROCESSING_ORDER)} LIMIT 1
          FOR UPDATE OF r`
        const day = pending[0]?.day
        if (day === undefined) return Option.none<StartedRun>()
        const now = epochSecondsFromMillis(nowMillis)
        const running = yield* Lifecycle.startRun(current, now)
        yield* sql`
          UPDATE ${runs} SET state = 'running', started_time = to_timestamp(${now}::bigint), ended_time = NULL
          WHERE backfill_id = ${String(lease.backfillId)}::bigint AND day = ${day}::date`
        // Always saved, if only to move the version: a run changed.
        yield* tables.saveState(running)
        return Option.some({ backfill: running, day })
      })
  }
}
