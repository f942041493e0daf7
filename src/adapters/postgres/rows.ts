/**
 * A backfill as PostgreSQL hands it back, and the entity it decodes to. Ids and times
 * come as text (int64s stay exact; times are whole epoch seconds), days as ISO text
 * formatted in SQL (a date's own text follows the session's `DateStyle`), the error
 * report as JSON built from the failed runs; the row is decoded by a schema and the entity's
 * invariants are checked on the way, so a row no lifecycle could produce is a defect,
 * never a wrong answer.
 */
import { Option, Schema } from "effect"
import { Backfill } from "../../domain/backfill.js"
import type { CalendarDate } from "../../domain/calendarDate.js"
import type { DayRun, RunState } from "../../domain/runs.js"
import { BackfillStatus } from "../../domain/status.js"
import { EpochSeconds } from "../../domain/time.js"

/**
 * A `date` column as `YYYY-MM-DD`, whatever the session's `DateStyle`: `::text` would
 * write `31.01.2024` on a German session. Epoch seconds and integers read the same on any
 * session (`TimeZone`, `IntervalStyle` and `extra_float_digits` change neither).
 *
 * @since 0.2.0
 * @category utils
 */
export const isoDay = (column: string) => `to_char(${column}, 'YYYY-MM-DD')`

/**
 * The columns of a backfill row, for `SELECT … FROM backfills b`: ids and times as text,
 * the error report as JSON built from the failed runs.
 *
 * @since 0.1.0
 * @category utils
 */
export const backfillColumns = (quotedSchema: string) => `
  b.id::text AS id,
  b.transfer_id::text AS transfer_id,
  ${isoDay("b.range_start")} AS range_start,
  ${isoDay("b.range_end")} AS range_end,
  extract(epoch FROM b.created_time)::bigint::text AS created_time,
  b.created_user_id::text AS created_user_id,
  extract(epoch FROM b.removed_time)::bigint::text AS removed_time,
  b.removed_user_id::text AS removed_user_id,
  extract(epoch FROM b.start_time)::bigint::text AS start_time,
  extract(epoch FROM b.end_time)::bigint::text AS end_time,
  b.status,
  b.runs_total,
  b.runs_created,
  b.runs_completed,
  b.runs_failed,
  COALESCE(
    (SELECT json_agg(json_build_object('day', ${isoDay("r.day")}, 'error', r.error) ORDER BY r.day)
     FROM ${quotedSchema}.backfill_runs r WHERE r.backfill_id = b.id AND r.state = 'failed'),
    '[]'::json
  ) AS error_report`

const Text = Schema.String
const MaybeText = Schema.NullOr(Schema.String)

const BackfillRow = Schema.Struct({
  id: Text,
  transfer_id: Text,
  range_start: Text,
  range_end: Text,
  created_time: Text,
  created_user_id: Text,
  removed_time: MaybeText,
  removed_user_id: MaybeText,
  start_time: MaybeText,
  end_time: MaybeText,
  status: BackfillStatus,
  runs_total: Schema.Number,
  runs_created: Schema.Number,
  runs_completed: Schema.Number,
  runs_failed: Schema.Number,
  error_report: Schema.Array(Schema.Struct({ day: Text, error: Text }))
})

const seconds = (text: string | null): Option.Option<number> =>
  text === null ? Option.none() : Option.some(Number(text))

const text = (value: Option.Option<number | bigint>): string | null => Option.getOrNull(Option.map(value, String))

const BackfillFromRow = Schema.transform(BackfillRow, Backfill, {
  strict: true,
  decode: (row) => ({
    id: BigInt(row.id),
    transferId: BigInt(row.transfer_id),
    range: { start: row.range_start, end: row.range_end },
    createdTime: Number(row.created_time),
    createdUserId: BigInt(row.created_user_id),
    removal: Option.zipWith(seconds(row.removed_time), Option.fromNullable(row.removed_user_id), (time, userId) => ({
      time,
      userId: BigInt(userId)
    })),
    startTime: seconds(row.start_time),
    endTime: seconds(row.end_time),
    status: row.status,
    runs: {
      total: row.runs_total,
      created: row.runs_created,
      completed: row.runs_completed,
      failed: row.runs_failed
    },
    errorReport: row.error_report
  }),
  encode: (backfill) => ({
    id: String(backfill.id),
    transfer_id: String(backfill.transferId),
    range_start: backfill.range.start,
    range_end: backfill.range.end,
    created_time: String(backfill.createdTime),
    created_user_id: String(backfill.createdUserId),
    removed_time: text(Option.map(backfill.removal, (removal) => removal.time)),
    removed_user_id: text(Option.map(backfill.removal, (removal) => removal.userId)),
    start_time: text(backfill.startTime),
    end_time: text(backfill.endTime),
    status: backfill.status,
    runs_total: backfill.runs.total,
    runs_created: backfill.runs.created,
    runs_completed: backfill.runs.completed,
    runs_failed: backfill.runs.failed,
    error_report: backfill.errorReport
  })
})

/**
 * The entity a row describes; a row that describes none is a defect. The entity's
 * invariants are checked on the way, so a row no lifecycle could produce is never a wrong
 * answer.
 *
 * @since 0.1.0
 * @category utils
 */
export const backfillFromRow: (row: unknown) => Backfill = Schema.decodeUnknownSync(BackfillFromRow)

/**
 * A backfill as its row would describe it, JSON-safe: what an idempotency key keeps as its
 * answer, read back by `backfillFromRow`.
 *
 * @since 0.2.0
 * @category utils
 */
export const backfillToRow = Schema.encodeSync(BackfillFromRow)

/**
 * The columns of a run row, for `SELECT … FROM backfill_runs r`: times as epoch seconds in text.
 *
 * @since 0.2.0
 * @category utils
 */
export const RUN_COLUMNS = `
  ${isoDay("r.day")} AS day,
  r.state,
  r.attempts,
  extract(epoch FROM r.started_time)::bigint::text AS started_time,
  extract(epoch FROM r.ended_time)::bigint::text AS ended_time,
  r.error`

/**
 * A run row as `RUN_COLUMNS` reads it.
 *
 * @since 0.2.0
 * @category models
 */
export interface RunRow {
  readonly day: string
  readonly state: RunState
  readonly attempts: number
  readonly started_time: string | null
  readonly ended_time: string | null
  readonly error: string | null
}

const instant = (text: string | null): Option.Option<EpochSeconds> => Option.map(seconds(text), EpochSeconds.make)

/**
 * The ledger entry a run row describes.
 *
 * @since 0.2.0
 * @category utils
 */
export const dayRunFromRow = (row: RunRow): DayRun => ({
  day: row.day as CalendarDate,
  state: row.state,
  attempts: row.attempts,
  startedTime: instant(row.started_time),
  endedTime: instant(row.ended_time),
  error: Option.fromNullable(row.error)
})
