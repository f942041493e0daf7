/**
 * Recording a day's outcome on PostgreSQL, the worker's hot path, decided on one snapshot
 * (`optimistic.ts`): one statement reads the backfill, its version, the fence of its
 * latest claim and the day's run; the domain decides; one statement writes the run and
 * the backfill, only if the version is still the one read (locking the row to check it).
 * A day this adapter started is first decided on what its start wrote (`remembered.ts`),
 * without the read.
 */
import type { SqlError } from "@effect/sql"
import { Effect, Option } from "effect"
import type { CalendarDate } from "../../domain/calendarDate.js"
import { changeEvents, reportedDay } from "../../domain/events.js"
import type { BackfillId } from "../../domain/ids.js"
import * as Lifecycle from "../../domain/lifecycle.js"
import type { Lease, RunOutcome, RunState } from "../../domain/runs.js"
import { type EpochSeconds, epochSecondsFromMillis } from "../../domain/time.js"
import { UnknownBackfill } from "../../domain/workerErrors.js"
import type { OutcomeRefused, ReleasingOutcome } from "../../ports/backfillRepository.js"
import { insertEvents, SAVED_FOR_EVENTS } from "./events.js"
import { decidedOnSnapshot } from "./optimistic.js"
import { type OutcomeSnapshot, outcomeKey, type Remembered } from "./remembered.js"
import { backfillFromRow } from "./rows.js"
import { runningDaysGivenBack } from "./runningDays.js"
import { type BackfillTables, fencedBy, orNull } from "./tables.js"

/**
 * The worker port's `recordOutcome` on PostgreSQL, the worker's hot path: decided on one
 * snapshot and written only if the backfill has not changed since, decided again on a
 * race, and settled under the row lock after `attempts` races. With `release`, the write
 * also gives the lease up when its fence is still the backfill's (`recordOutcomeAndRelease`),
 * its running day back as `releaseLease` gives it (`runningDaysGivenBack`). The write
 * under the row lock does not release: its caller then releases as after `recordOutcome`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRecordOutcome = (tables: BackfillTables, attempts: number, remembered: Remembered) => {
  const { sql, backfills, runs, columns } = tables

  /** `DayRuns.reported`'s times: started when handed out, or now for a day reported while pending. */
  const reportedAt = (now: EpochSeconds) =>
    sql`started_time = COALESCE(started_time, to_timestamp(${now}::bigint)), ended_time = to_timestamp(${now}::bigint)`

  /** The lease columns cleared where the locked row says the lease is given up (`unchanged.releases`). */
  const leaseGivenUp = sql`, lease_worker = CASE WHEN (SELECT releases FROM unchanged) THEN NULL ELSE lease_worker END,
    lease_expires_at_ms = CASE WHEN (SELECT releases FROM unchanged) THEN NULL ELSE lease_expires_at_ms END`

  /**
   * The outcome decided on `snapshot` and written only if the backfill's version is still
   * the snapshot's: `Option.none()` when it was not.
   */
  const onSnapshot = (
    snapshot: OutcomeSnapshot,
    day: CalendarDate,
    outcome: RunOutcome,
    nowMillis: number,
    lease: Lease | undefined,
    release: boolean
  ): Effect.Effect<Option.Option<ReleasingOutcome>, OutcomeRefused | SqlError.SqlError> =>
    Effect.gen(function* () {
      yield* fencedBy(snapshot.fence, lease)
      const now = epochSecondsFromMillis(nowMillis)
      const current = snapshot.backfill
      const id = String(current.id)
      const recorded = yield* Lifecycle.recordOutcome(
        current,
        day,
        snapshot.runState,
        outcome,
        now,
        snapshot.runAttempts
      )
      if (!recorded.counted) return Option.some({ ...recorded, released: false })
      const next = recorded.backfill
      const error = next.errorReport.find((entry) => entry.day === day)?.error ?? null
      const reported = changeEvents(current, next, { day: reportedDay(day, outcome) })
      const giving = release ? lease : undefined
      const releases =
        giving === undefined ? sql`false` : sql`lease_worker IS NOT NULL AND lease_fence = ${giving.fence}`
      const [written] = yield* sql<{ readonly applied: boolean; readonly released: boolean }>`
        WITH unchanged AS (
          SELECT id, team_id, transfer_id, ${releases} AS releases FROM ${backfills}
          WHERE id = ${id}::bigint AND version = ${snapshot.version}::bigint
          FOR UPDATE
        ),
        run AS (
          UPDATE ${runs} SET state = ${recorded.state}, error = ${error}, ${reportedAt(now)}
          WHERE backfill_id = ${id}::bigint AND day = ${day}::date AND EXISTS (SELECT 1 FROM unchanged)
          RETURNING 1
        ),
        saved AS (
          UPDATE ${backfills} SET
            status = ${next.status},
            start_time = to_timestamp(${orNull(next.startTime)}::bigint),
            end_time = to_timestamp(${orNull(next.endTime)}::bigint),
            runs_completed = ${next.runs.completed},
            runs_failed = ${next.runs.failed},
            version = version + 1,
            event_sequence = event_sequence + ${reported.length}${giving === undefined ? sql`` : leaseGivenUp}
          WHERE id = ${id}::bigint AND EXISTS (SELECT 1 FROM unchanged)
          RETURNING ${sql.literal(SAVED_FOR_EVENTS)}
        ),
        announced AS (${insertEvents(tables, "saved", reported, now)}),
        given_up AS (SELECT team_id, transfer_id FROM unchanged WHERE releases AND EXISTS (SELECT 1 FROM saved)),
        ${runningDaysGivenBack(tables, "given_up")}
        SELECT EXISTS (SELECT 1 FROM saved) AND EXISTS (SELECT 1 FROM run) AS applied,
          EXISTS (SELECT 1 FROM saved) AND COALESCE((SELECT releases FROM unchanged), false) AS released`
      return written?.applied === true ? Option.some({ ...recorded, released: written.released }) : Option.none()
    })

  /** The backfill, its version, the fence of its latest claim and the day's run, from one snapshot. */
  const readSnapshot = (id: BackfillId, day: CalendarDate) =>
    Effect.gen(function* () {
      const [row] = yield* sql<{
        readonly version: string
        readonly fence: number
        readonly run_state: RunState | null
        readonly run_attempts: number | null
      }>`
        SELECT ${columns}, b.version::text AS version, b.lease_fence AS fence,
          run.state AS run_state, run.attempts AS run_attempts
        FROM ${backfills} b
        LEFT JOIN ${runs} run ON run.backfill_id = b.id AND run.day = ${day}::date
        WHERE b.id = ${String(id)}::bigint`
      if (row === undefined) return yield* new UnknownBackfill({ backfillId: id })
      return {
        backfill: backfillFromRow(row),
        version: row.version,
        fence: row.fence,
        runState: row.run_state ?? undefined,
        runAttempts: row.run_attempts ?? undefined
      } satisfies OutcomeSnapshot
    })

  /** The same step under the backfill's row lock: always settles, one transaction. */
  const underLock = (
    id: BackfillId,
    day: CalendarDate,
    outcome: RunOutcome,
    nowMillis: number,
    lease: Lease | undefined
  ) =>
    Effect.gen(function* () {
      const current = yield* tables.lockBackfill(id)
      if (lease !== undefined) {
        const [row] = yield* sql<{ readonly fence: number }>`
          SELECT lease_fence AS fence FROM ${backfills} WHERE id = ${String(id)}::bigint`
        yield* fencedBy(row?.fence, lease)
      }
      const stored = yield* sql<{ readonly state: RunState; readonly attempts: number }>`
        SELECT state, attempts FROM ${runs} WHERE backfill_id = ${String(id)}::bigint AND day = ${day}::date`
      const now = epochSecondsFromMillis(nowMillis)
      const recorded = yield* Lifecycle.recordOutcome(current, day, stored[0]?.state, outcome, now, stored[0]?.attempts)
      const unreleased: ReleasingOutcome = { ...recorded, released: false }
      if (!recorded.counted) return unreleased
      const error = recorded.backfill.errorReport.find((entry) => entry.day === day)?.error ?? null
      yield* sql`
        UPDATE ${runs} SET state = ${recorded.state}, error = ${error}, ${reportedAt(now)}
        WHERE backfill_id = ${String(id)}::bigint AND day = ${day}::date`
      yield* tables.saveState(current, recorded.backfill, { time: now, day: reportedDay(day, outcome) })
      return unreleased
    })

  return (
    id: BackfillId,
    day: CalendarDate,
    outcome: RunOutcome,
    nowMillis: number,
    lease: Lease | undefined,
    release = false
  ) => {
    const read = decidedOnSnapshot(
      sql,
      attempts,
      Effect.flatMap(readSnapshot(id, day), (snapshot) =>
        onSnapshot(snapshot, day, outcome, nowMillis, lease, release)
      ),
      underLock(id, day, outcome, nowMillis, lease)
    )
    // Taken when the outcome runs, not when it is described: a retried effect reads.
    return Effect.suspend(() => {
      const started = remembered.outcomes.take(outcomeKey(id, day))
      // Whatever the remembered start does not settle (a moved version, another lease's
      // fence, a refusal) is decided again on what is stored now.
      return started === undefined || (lease !== undefined && lease.fence !== started.fence)
        ? read
        : onSnapshot(started, day, outcome, nowMillis, lease, release).pipe(
            Effect.orElseSucceed(() => Option.none<ReleasingOutcome>()),
            Effect.flatMap(Option.match({ onSome: Effect.succeed, onNone: () => read }))
          )
    })
  }
}
