/**
 * A preview on the wire: SPEC §2's snake_case, ids as exact integers, days as
 * `YYYY-MM-DD`, the runs in the order workers would take them.
 */
import { Schema } from "effect"
import { CalendarDate } from "../domain/calendarDate.js"
import { dayCount } from "../domain/dateRange.js"
import { BackfillId, idFromJson, TransferId } from "../domain/ids.js"
import { BackfillStatus } from "../domain/status.js"
import { ProcessingOrder } from "../domain/turns.js"
import type { BackfillPreview } from "../operations/previewBackfill.js"

const Count = Schema.Int.pipe(Schema.nonNegative())

/**
 * The preview's `data`, as the OpenAPI document describes it.
 *
 * @since 0.2.0
 * @category schemas
 */
export const BackfillPreviewWire = Schema.Struct({
  transfer_id: idFromJson(TransferId),
  range_start_date: CalendarDate,
  range_end_date: CalendarDate,
  today: CalendarDate.annotations({ description: "Today in the transfer's time zone" }),
  transfer_runs_total: Count,
  order: ProcessingOrder.annotations({ description: "The order the days would run in" }),
  first_run_dates: Schema.Array(CalendarDate).annotations({
    description: "The first runs workers would take, in that order (up to 10)"
  }),
  last_run_dates: Schema.Array(CalendarDate).annotations({
    description: "The last runs, up to 10, none of them among first_run_dates"
  }),
  conflicts: Schema.Array(
    Schema.Struct({
      transfer_backfill_id: idFromJson(BackfillId),
      status: BackfillStatus,
      range_start_date: CalendarDate,
      range_end_date: CalendarDate,
      overlapping_start_date: CalendarDate,
      overlapping_end_date: CalendarDate,
      overlapping_days: Count
    })
  ).annotations({ description: "The active backfills in the way; a create succeeds now exactly when empty" })
}).annotations({ identifier: "BackfillPreview" })

/**
 * The wire form of a preview.
 *
 * @since 0.2.0
 * @category encoding
 */
export const encodePreview = (preview: BackfillPreview): typeof BackfillPreviewWire.Encoded => ({
  transfer_id: preview.transferId,
  range_start_date: preview.range.start,
  range_end_date: preview.range.end,
  today: preview.today,
  transfer_runs_total: preview.runsTotal,
  order: preview.order,
  first_run_dates: preview.firstDays,
  last_run_dates: preview.lastDays,
  conflicts: preview.conflicts.map(({ backfill, sharedDays }) => ({
    transfer_backfill_id: backfill.id,
    status: backfill.status,
    range_start_date: backfill.range.start,
    range_end_date: backfill.range.end,
    overlapping_start_date: sharedDays.start,
    overlapping_end_date: sharedDays.end,
    overlapping_days: dayCount(sharedDays)
  }))
})
