/**
 * Fair claims on PostgreSQL, each one statement: the choice (the team with the fewest
 * running days, then the backfill served least recently, `FOR UPDATE SKIP LOCKED`), the
 * caps' check and the lease. A team's and a transfer's running days are rows that the
 * claim bumps only while under their cap, so two claims racing for a team's last slot
 * cannot both win: the row lock makes the second one see the first, and it chooses
 * again. Rows are locked transfer first, then team, by every statement here.
 */
import type { SqlError } from "@effect/sql"
import { Effect, Option } from "effect"
import type { CalendarDate } from "../../domain/calendarDate.js"
import { BackfillId } from "../../domain/ids.js"
import type { Lease, WorkerId } from "../../domain/runs.js"
import { WITH_WORK_STATUSES } from "../../domain/status.js"
import type { ClaimCaps } from "../../domain/turns.js"
import { nextPendingDaySql } from "./leases.js"
import { type Remembered, startKey } from "./remembered.js"
import { backfillFromRow } from "./rows.js"
import { runningDaysGivenBack } from "./runningDays.js"
import { sqlStatusList } from "./statusSql.js"
import type { BackfillTables } from "./tables.js"

const WITH_WORK_SQL = sqlStatusList(WITH_WORK_STATUSES)

/** How often a claim that lost a race for a slot chooses again before it reports nothing. */
const CLAIM_ATTEMPTS = 5

interface ClaimRow {
  readonly candidate: string
  readonly id: string | null
  readonly fence: number | null
  readonly expires: string | null
  readonly version: string | null
  readonly settled: boolean
  readonly next_day: CalendarDate | null
  readonly next_attempts: number | null
}

/**
 * The claim of the worker port, and the release that gives a lease's running day back.
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeClaimSteps = (tables: BackfillTables, remembered: Remembered) => {
  const { sql, backfills, runs, columns } = tables
  const nextPendingDay = sql.literal(nextPendingDaySql(tables.schema))
  const withWork = sql.literal(WITH_WORK_SQL)
  const teamLoad = sql.literal(`${tables.schema}.backfill_team_load`)
  const transferLoad = sql.literal(`${tables.schema}.backfill_transfer_load`)

  /**
   * Leases that expired on backfills no worker will claim again (cancelled, finished)
   * give their running days back.
   */
  const sweep = (nowMillis: number) => sql`
    WITH stale AS (
      SELECT id FROM ${backfills}
      WHERE lease_worker IS NOT NULL AND lease_expires_at_ms <= ${nowMillis} AND status NOT IN ${withWork}
      ORDER BY id
      FOR UPDATE SKIP LOCKED
    ),
    swept AS (
      UPDATE ${backfills} b SET lease_worker = NULL, lease_expires_at_ms = NULL
      FROM stale WHERE b.id = stale.id
      RETURNING b.team_id, b.transfer_id
    ),
    ${runningDaysGivenBack(tables, "swept")}
    SELECT count(*) FROM given_back_team`

  const claimOnce = (workerId: WorkerId, nowMillis: number, leaseMillis: number, teamCap: number | null) =>
    sql<ClaimRow>`
      WITH own AS (
        SELECT id, team_id, transfer_id, true AS holds_slot, transfer_max_running_days AS transfer_cap
        FROM ${backfills}
        WHERE lease_worker = ${workerId} AND status IN ${withWork}
        ORDER BY id
        LIMIT 1
        FOR UPDATE SKIP LOCKED
      ),
      free AS (
        -- Teams sorted first, then tried in turn: only the chosen backfill is locked.
        SELECT pick.* FROM (
          SELECT team_id, running FROM ${teamLoad} ORDER BY running, served_at_ms NULLS FIRST, team_id
        ) t
        CROSS JOIN LATERAL (
          SELECT b.id, b.team_id, b.transfer_id, b.lease_worker IS NOT NULL AS holds_slot,
                 b.transfer_max_running_days AS transfer_cap
          FROM ${backfills} b
          JOIN ${transferLoad} l ON l.transfer_id = b.transfer_id
          WHERE b.team_id = t.team_id AND b.status IN ${withWork}
            AND (b.lease_expires_at_ms IS NULL OR b.lease_expires_at_ms <= ${nowMillis})
            AND (b.lease_worker IS NOT NULL OR (
              (${teamCap}::integer IS NULL OR t.running < ${teamCap}::integer)
              AND (b.transfer_max_running_days IS NULL OR l.running < b.transfer_max_running_days)))
          ORDER BY b.served_at_ms NULLS FIRST, b.id
          LIMIT 1
          FOR UPDATE OF b SKIP LOCKED
        ) pick
        WHERE NOT EXISTS (SELECT 1 FROM own)
        LIMIT 1
      ),
      candidate AS (SELECT * FROM own UNION ALL SELECT * FROM free),
      -- Locked, so the count read is the latest: no claim moves it until this one ends.
      transfer AS (
        SELECT l.transfer_id, l.running FROM ${transferLoad} l JOIN candidate c ON l.transfer_id = c.transfer_id
        WHERE NOT c.holds_slot
        FOR UPDATE OF l
      ),
      -- Joined to the locked transfer row, so that it is locked before the team's row.
      team_slot AS (
        UPDATE ${teamLoad} t SET running = t.running + 1, served_at_ms = ${nowMillis}
        FROM candidate c JOIN transfer tr ON tr.transfer_id = c.transfer_id
        WHERE t.team_id = c.team_id AND NOT c.holds_slot
          AND (${teamCap}::integer IS NULL OR t.running < ${teamCap}::integer)
          AND (c.transfer_cap IS NULL OR tr.running < c.transfer_cap)
        RETURNING t.team_id
      ),
      transfer_slot AS (
        UPDATE ${transferLoad} l SET running = l.running + 1
        FROM transfer WHERE l.transfer_id = transfer.transfer_id AND EXISTS (SELECT 1 FROM team_slot)
        RETURNING l.transfer_id
      ),
      claimed AS (
        UPDATE ${backfills} b
        SET lease_worker = ${workerId},
            lease_fence = b.lease_fence + 1,
            version = b.version + 1,
            lease_expires_at_ms = ${nowMillis + leaseMillis},
            served_at_ms = ${nowMillis}
        FROM candidate c
        WHERE b.id = c.id AND (c.holds_slot OR EXISTS (SELECT 1 FROM team_slot))
        RETURNING b.id, b.lease_fence, b.lease_expires_at_ms, b.version
      ),
      orphans AS (
        UPDATE ${runs} r SET state = 'pending', started_time = NULL
        FROM claimed
        WHERE r.backfill_id = claimed.id AND r.state = 'running'
        RETURNING 1
      )
      -- The backfill as the statement found it, which the claim changed only in its lease;
      -- its next pending day is the one the start will take unless orphans went pending.
      SELECT ${columns}, c.id::text AS candidate, cl.id::text AS id, cl.lease_fence AS fence,
             cl.lease_expires_at_ms::text AS expires, cl.version::text AS version,
             NOT EXISTS (SELECT 1 FROM orphans) AS settled, next.day AS next_day, next.attempts AS next_attempts
      FROM candidate c
      LEFT JOIN claimed cl ON cl.id = c.id
      LEFT JOIN ${backfills} b ON b.id = cl.id
      LEFT JOIN LATERAL (${nextPendingDay}) next ON true`

  /** When this repository last swept: a leaked running day waits at most one lease duration. */
  let sweptAtMillis = Number.NEGATIVE_INFINITY

  /** Chooses again when a racing claim took the slot this one chose. */
  const claimFairly = (
    workerId: WorkerId,
    nowMillis: number,
    leaseMillis: number,
    teamCap: number | null,
    attemptsLeft: number
  ): Effect.Effect<Option.Option<Lease>, SqlError.SqlError> =>
    Effect.flatMap(claimOnce(workerId, nowMillis, leaseMillis, teamCap), ([row]) => {
      if (row === undefined) return Effect.succeed(Option.none<Lease>())
      if (row.id === null || row.fence === null || row.expires === null) {
        return attemptsLeft > 1
          ? claimFairly(workerId, nowMillis, leaseMillis, teamCap, attemptsLeft - 1)
          : Effect.succeed(Option.none<Lease>())
      }
      const backfillId = BackfillId.make(BigInt(row.id))
      if (row.settled && row.version !== null && row.next_day !== null && row.next_attempts !== null) {
        remembered.starts.remember(startKey(backfillId), {
          backfill: backfillFromRow(row),
          version: row.version,
          fence: row.fence,
          nextDay: row.next_day,
          nextAttempts: row.next_attempts
        })
      }
      return Effect.succeed(
        Option.some<Lease>({ backfillId, workerId, fence: row.fence, expiresAtMillis: Number(row.expires) })
      )
    })

  return {
    claim: (workerId: WorkerId, nowMillis: number, leaseMillis: number, caps: ClaimCaps = {}) =>
      Effect.zipRight(
        Effect.suspend(() => {
          if (nowMillis - sweptAtMillis < leaseMillis) return Effect.void
          sweptAtMillis = nowMillis
          return Effect.asVoid(sweep(nowMillis))
        }),
        claimFairly(workerId, nowMillis, leaseMillis, caps.maxRunningDaysPerTeam ?? null, CLAIM_ATTEMPTS)
      ),

    releaseLease: (lease: Lease) =>
      Effect.asVoid(sql`
        WITH released AS (
          UPDATE ${backfills} SET lease_worker = NULL, lease_expires_at_ms = NULL
          WHERE id = ${String(lease.backfillId)}::bigint AND lease_fence = ${lease.fence}
            AND lease_worker IS NOT NULL
          RETURNING team_id, transfer_id
        ),
        ${runningDaysGivenBack(tables, "released")}
        SELECT count(*) FROM given_back_team`)
  }
}
