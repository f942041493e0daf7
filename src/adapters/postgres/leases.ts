/**
 * Leases and runs on PostgreSQL: claims with `FOR UPDATE SKIP LOCKED` (a worker's own
 * lease first, through its index), renewals and releases checked by the fence, and the
 * start of a day under a live lease.
 */
import { Effect, Option } from "effect"
import type { CalendarDate } from "../../domain/calendarDate.js"
import { BackfillId } from "../../domain/ids.js"
import * as Lifecycle from "../../domain/lifecycle.js"
import type { Lease, WorkerId } from "../../domain/runs.js"
import { WITH_WORK_STATUSES } from "../../domain/status.js"
import { epochSecondsFromMillis } from "../../domain/time.js"
import { LeaseLost } from "../../domain/workerErrors.js"
import type { StartedRun } from "../../ports/backfillRepository.js"
import { isoDay } from "./rows.js"
import { sqlStatusList } from "./statusSql.js"
import type { BackfillTables } from "./tables.js"

const WITH_WORK_SQL = sqlStatusList(WITH_WORK_STATUSES)

/**
 * The lease and run statements of the worker port: claims with `FOR UPDATE SKIP LOCKED` (a
 * worker's own lease first), renewals and releases checked by the fence, and the start of
 * a day under a live lease.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeLeaseSteps = (tables: BackfillTables) => {
  const { sql, backfills, runs } = tables
  const withWork = sql.literal(WITH_WORK_SQL)
  return {
    claim: (workerId: WorkerId, nowMillis: number, leaseMillis: number) =>
      Effect.map(
        sql<{ readonly id: string; readonly fence: number; readonly expires: string }>`
          WITH own AS (
            SELECT id FROM ${backfills}
            WHERE lease_worker = ${workerId} AND status IN ${withWork}
            ORDER BY id
            LIMIT 1
            FOR UPDATE SKIP LOCKED
          ),
          free AS (
            SELECT id FROM ${backfills}
            WHERE status IN ${withWork}
              AND (lease_expires_at_ms IS NULL OR lease_expires_at_ms <= ${nowMillis})
              AND NOT EXISTS (SELECT 1 FROM own)
            ORDER BY id
            LIMIT 1
            FOR UPDATE SKIP LOCKED
          ),
          candidate AS (SELECT id FROM own UNION ALL SELECT id FROM free),
          claimed AS (
            UPDATE ${backfills} b
            SET lease_worker = ${workerId},
                lease_fence = b.lease_fence + 1,
                version = b.version + 1,
                lease_expires_at_ms = ${nowMillis + leaseMillis}
            FROM candidate
            WHERE b.id = candidate.id
            RETURNING b.id, b.lease_fence, b.lease_expires_at_ms
          ),
          orphans AS (
            UPDATE ${runs} r SET state = 'pending', started_time = NULL
            FROM claimed
            WHERE r.backfill_id = claimed.id AND r.state = 'running'
          )
          SELECT id::text AS id, lease_fence AS fence, lease_expires_at_ms::text AS expires FROM claimed`,
        (rows) =>
          Option.map(
            Option.fromNullable(rows[0]),
            (row): Lease => ({
              backfillId: BackfillId.make(BigInt(row.id)),
              workerId,
              fence: row.fence,
              expiresAtMillis: Number(row.expires)
            })
          )
      ),

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

    releaseLease: (lease: Lease) =>
      Effect.asVoid(sql`
        UPDATE ${backfills} SET lease_worker = NULL, lease_expires_at_ms = NULL
        WHERE id = ${String(lease.backfillId)}::bigint AND lease_fence = ${lease.fence}`),

    /** Run in a transaction: the backfill's row stays locked from its read to its write. */
    startNextRun: (lease: Lease, nowMillis: number) =>
      Effect.gen(function* () {
        const current = yield* tables.lockLeasedBackfill(lease, nowMillis)
        const pending = yield* sql<{ readonly day: CalendarDate }>`
          SELECT ${sql.literal(isoDay("day"))} AS day FROM ${runs}
          WHERE backfill_id = ${String(lease.backfillId)}::bigint AND state = 'pending'
          ORDER BY day DESC LIMIT 1
          FOR UPDATE`
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
